/**
 * Negative errno values that data-path functions return instead of throwing, with Linux's
 * numbering as DPDK uses it (`-ENOBUFS` from a full ring, `-ENOENT` from an empty one).
 * Throwing would allocate on the per-packet path; these are plain numbers.
 */

/** Nothing to take: the ring or pool is empty (`-ENOENT`). */
export const ERR_ENOENT = -2;
/** A count would exceed its limit (`-EOVERFLOW`), e.g. too many segments in a chain. */
export const ERR_EOVERFLOW = -75;
/** No room: the ring is full (`-ENOBUFS`). */
export const ERR_ENOBUFS = -105;
