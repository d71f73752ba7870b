/**
 * Writing one fixed frame into the data of a burst of mbufs, the inner loop of txonly. The
 * first {@link BLOCK} elements of the frame (all of a 64-byte frame) are read once per burst
 * into locals and stored straight-line into each packet; the rest, if any, goes by a loop.
 * A loop of loads and stores per element runs about three times slower in V8, and a call
 * per packet costs as much as the copy under emulation (QEMU's TCG), where every load,
 * branch and call is dearer. Eight bytes go per store when every 8-byte group of the frame
 * reads as an ordinary double; a group that reads as NaN might not keep its bits through a
 * Float64Array (the language lets an engine canonicalise NaNs), so such frames go four
 * bytes per store.
 */
import type { Arena } from '@nic/eal';
import { MBUF_BUF_ADDR, MBUF_HEADROOM } from '@nic/eal/layout';

const QWORD = 8;
const QWORD_SHIFT = 3;
const WORD = 4;
const WORD_SHIFT = 2;
/** Elements stored straight-line from locals. */
const BLOCK = 8;

/**
 * Writes the frame at the default headroom of the mbufs `handles[0 .. n)` (their data
 * offset must be `MBUF_HEADROOM`).
 */
export type FrameWriter = (handles: Uint32Array, n: number) => void;

/**
 * A writer of `frame` into mbuf buffers of `arena`. It writes the frame rounded up to a
 * multiple of 8 bytes (zeros after the frame), so a buffer needs {@link frameCopyLength}
 * bytes of room after the headroom.
 */
export function frameWriter(frame: Uint8Array, arena: Arena): FrameWriter {
  const padded = new Uint8Array(frameCopyLength(frame.length));
  padded.set(frame);
  const quads = new Float64Array(padded.buffer);
  const memory = arena.buffer;
  if (quads.every((q) => !Number.isNaN(q))) return writer(arena.u32, new Float64Array(memory, 0, Math.floor(memory.byteLength / QWORD)), quads, QWORD_SHIFT);
  return writer(arena.u32, new Uint32Array(memory, 0, Math.floor(memory.byteLength / WORD)), new Uint32Array(padded.buffer), WORD_SHIFT);
}

/** Bytes {@link frameWriter} writes for a frame of `length` bytes: whole 8-byte groups, at least 64. */
export function frameCopyLength(length: number): number {
  return Math.max(BLOCK * QWORD, Math.ceil(length / QWORD) * QWORD);
}

/** The writer of the elements of `src` (at least {@link BLOCK}) through `dst`, whose elements are `1 << shift` bytes. */
function writer(arenaU32: Uint32Array, arenaDst: Float64Array | Uint32Array, frame: Float64Array | Uint32Array, elementShift: number): FrameWriter {
  const elements = frame.length;
  return (handles, n) => {
    // Everything captured goes into locals first: V8 reloads a closure's variables from its
    // context on every use inside a loop (TDZ checks included), which under emulation costs
    // as much as the copy itself.
    const u32 = arenaU32;
    const dst = arenaDst;
    const src = frame;
    const shift = elementShift | 0;
    const count = elements | 0;
    const s0 = src[0];
    const s1 = src[1];
    const s2 = src[2];
    const s3 = src[3];
    const s4 = src[4];
    const s5 = src[5];
    const s6 = src[6];
    const s7 = src[7];
    for (let i = 0; i < n; i++) {
      // The buffer and the headroom are cache-line multiples: the data is 8-byte aligned.
      const at = (u32[(handles[i] + MBUF_BUF_ADDR) >>> 2] + MBUF_HEADROOM) >>> shift;
      dst[at] = s0;
      dst[at + 1] = s1;
      dst[at + 2] = s2;
      dst[at + 3] = s3;
      dst[at + 4] = s4;
      dst[at + 5] = s5;
      dst[at + 6] = s6;
      dst[at + 7] = s7;
      for (let k = BLOCK; k < count; k++) dst[at + k] = src[k];
    }
  };
}
