/**
 * What the 82599/X540 add to the advanced descriptors of `@nic/intel-common`: ring size
 * limits and the receive error bits (RDESC.ERRORS, bits 31:20 of the status word).
 */

/** Fewest descriptors a ring may have (DPDK's `IXGBE_MIN_RING_DESC`). */
export const DESC_COUNT_MIN = 64;
/** Most descriptors a ring may have. */
export const DESC_COUNT_MAX = 8192;

/** Header buffer overflow. */
export const RXDADV_ERR_HBO = 0x00800000;
/** CRC error. */
export const RXDADV_ERR_CE = 0x01000000;
/** Length error. */
export const RXDADV_ERR_LE = 0x02000000;
/** Packet error. */
export const RXDADV_ERR_PE = 0x08000000;
/** Oversize error. */
export const RXDADV_ERR_OSE = 0x10000000;
/** Undersize error; with SBP clear the datasheet calls this bit RXE, any MAC error. */
export const RXDADV_ERR_USE = 0x20000000;
/** TCP/UDP checksum error (the frame is good; only the checksum offload reports it). */
export const RXDADV_ERR_TCPE = 0x40000000;
/** IP checksum error (likewise). */
export const RXDADV_ERR_IPE = 0x80000000;
/** Errors that make a frame unusable (DPDK's frame-error mask: HBO, CE, LE, PE, OSE, USE). */
export const RXDADV_ERR_FRAME = (RXDADV_ERR_HBO | RXDADV_ERR_CE | RXDADV_ERR_LE | RXDADV_ERR_PE | RXDADV_ERR_OSE | RXDADV_ERR_USE) >>> 0;
