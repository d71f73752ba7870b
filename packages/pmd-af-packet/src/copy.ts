/**
 * Copying packet bytes between two different buffers (the arena and a kernel ring) on the
 * data path. `TypedArray.prototype.set` would need a `subarray` view per packet, an
 * allocation; this copies through views built once, four bytes at a time when source and
 * destination share their alignment (the rx path places packets so that they do).
 */

/** Byte and word views of one buffer, built once per queue. */
export interface ByteViews {
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
}

/** Copies `n` bytes from `src` at byte offset `from` to `dst` at byte offset `to`. Allocates nothing. */
export function copyBytes(dst: ByteViews, to: number, src: ByteViews, from: number, n: number): void {
  const d8 = dst.u8;
  const s8 = src.u8;
  let i = 0;
  if (((to ^ from) & 3) === 0) {
    for (; i < n && ((to + i) & 3) !== 0; i++) d8[to + i] = s8[from + i];
    const d32 = dst.u32;
    const s32 = src.u32;
    const words = (n - i) >>> 2;
    const dw = (to + i) >>> 2;
    const sw = (from + i) >>> 2;
    let w = 0;
    for (; w + 4 <= words; w += 4) {
      d32[dw + w] = s32[sw + w];
      d32[dw + w + 1] = s32[sw + w + 1];
      d32[dw + w + 2] = s32[sw + w + 2];
      d32[dw + w + 3] = s32[sw + w + 3];
    }
    for (; w < words; w++) d32[dw + w] = s32[sw + w];
    i += words << 2;
  }
  for (; i < n; i++) d8[to + i] = s8[from + i];
}
