/**
 * Where a queue's descriptor ring registers are, for the shared ring engines: base address
 * low and high, length in bytes, head and tail, each a byte offset into the register BAR.
 */

/** Byte offsets of the ring registers of queue `q`. */
export interface RingRegisters {
  base(q: number): number;
  baseHigh(q: number): number;
  length(q: number): number;
  head(q: number): number;
  tail(q: number): number;
}

/** Bytes of one descriptor (advanced and legacy). */
export const DESC_SIZE = 16;
