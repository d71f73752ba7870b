/**
 * What the 82575/82576/I350 add to the advanced descriptors of `@nic/intel-common`: ring
 * size limits and the receive error bits.
 */

/** Fewest descriptors a ring may have. */
export const DESC_COUNT_MIN = 32;
/** Most descriptors a ring may have. */
export const DESC_COUNT_MAX = 4096;

/** CRC error. */
export const RXDEXT_ERR_CE = 0x01000000;
/** Symbol error. */
export const RXDEXT_ERR_SE = 0x02000000;
/** Sequence error. */
export const RXDEXT_ERR_SEQ = 0x04000000;
/** Carrier extension error. */
export const RXDEXT_ERR_CXE = 0x10000000;
/** TCP/UDP checksum error. */
export const RXDEXT_ERR_TCPE = 0x20000000;
/** IP checksum error. */
export const RXDEXT_ERR_IPE = 0x40000000;
/** Rx data error. */
export const RXDEXT_ERR_RXE = 0x80000000;
/** Errors that make a frame unusable. */
export const RXDEXT_ERR_FRAME = (RXDEXT_ERR_CE | RXDEXT_ERR_SE | RXDEXT_ERR_SEQ | RXDEXT_ERR_CXE | RXDEXT_ERR_RXE) >>> 0;
