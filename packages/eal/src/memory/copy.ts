/**
 * Copies between u32 arrays on the data path. Ring and mempool bulk operations spend most of
 * their time here. V8 (Node 20) runs this eight-at-a-time form, with `| 0` on every index so
 * that no addition needs an overflow check, about a third faster than a one-element loop and
 * a fifth faster than the same loop without the `| 0`.
 *
 * A copy of {@link WITHIN_MIN} or more elements inside one array (the arena: a mempool cache
 * refilled from or flushed to its ring, a driver's software ring returned to a pool) goes
 * through the builtin `copyWithin`, which allocates nothing. Its fixed cost is a call into the
 * runtime; each element then costs a fraction of a loop's. Under QEMU's TCG, counted in guest
 * translation blocks: 83 against 93 for 32 elements, 182 against 669 for 256. The upper bound
 * keeps any memmove far below the sizes where a C library switches to non-temporal stores,
 * which x86 would not keep in order with a ring's tail store.
 */

/** Fewest elements copied with `copyWithin`. */
const WITHIN_MIN = 32;
/** Most elements copied with `copyWithin`. */
const WITHIN_MAX = 4096;

/** Copies `n` elements from `src[from ..]` to `dst[to ..]` (ranges must not overlap). */
export function copyWords(dst: Uint32Array, to: number, src: Uint32Array, from: number, n: number): void {
  if (dst === src && n >= WITHIN_MIN && n <= WITHIN_MAX) {
    dst.copyWithin(to, from, from + n);
    return;
  }
  let d = to | 0;
  let s = from | 0;
  const end8 = (from + (n & ~7)) | 0;
  const end = (from + n) | 0;
  while (s < end8) {
    dst[d] = src[s];
    dst[(d + 1) | 0] = src[(s + 1) | 0];
    dst[(d + 2) | 0] = src[(s + 2) | 0];
    dst[(d + 3) | 0] = src[(s + 3) | 0];
    dst[(d + 4) | 0] = src[(s + 4) | 0];
    dst[(d + 5) | 0] = src[(s + 5) | 0];
    dst[(d + 6) | 0] = src[(s + 6) | 0];
    dst[(d + 7) | 0] = src[(s + 7) | 0];
    d = (d + 8) | 0;
    s = (s + 8) | 0;
  }
  while (s < end) {
    dst[d] = src[s];
    d = (d + 1) | 0;
    s = (s + 1) | 0;
  }
}
