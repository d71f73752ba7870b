/**
 * Writing generated packets into a burst of mbufs, the inner loop of txonly: per mbuf, the
 * metadata a generated packet needs and one fixed frame. The first {@link BLOCK} elements of
 * the frame (all of a 64-byte frame) are read once per burst into locals and stored
 * straight-line into each packet; the rest, if any, goes by a loop. Eight bytes go per store
 * when every 8-byte group of the frame reads as an ordinary double; a group that reads as NaN
 * might not keep its bits through a Float64Array (the language lets an engine canonicalise
 * NaNs), so such frames go four bytes per store.
 *
 * The loop is written for what it costs under emulation (QEMU's TCG), where every branch of
 * the guest code ends a translated block and an overflow check calls a helper to compute the
 * flags. One loop over the burst does the metadata and the frame, so the per-packet loop
 * overhead (bounds and map checks on the handles, the loop test, V8's interrupt check) is paid
 * once. The loop reads nothing from the mbufs: where a free mbuf of a pktmbuf pool keeps its
 * buffer (right after its header and private area) and the buffer's length are the pool's,
 * so both come in as constants. Reading them back from each mbuf was the first touch of its
 * header and stalled on it (a cache miss per packet on the host under emulation), while
 * stores alone go out without waiting. Every captured value goes into a local first: V8
 * reloads a closure's variables from its context on every use inside a loop. Counts and
 * lengths are made int32 with `| 0` and the element index is masked to 30 bits, so TurboFan
 * can prove that no addition overflows and emits no overflow check for it; each store then
 * keeps only its bounds check.
 */
import type { Arena } from '@nic/eal';
import { MBUF_DATA_LEN, MBUF_DATA_OFF, MBUF_HEADROOM, MBUF_OL_FLAGS_HI, MBUF_OL_FLAGS_LO, MBUF_PKT_LEN, MBUF_VLAN_TCI_OUTER } from '@nic/eal/layout';

const QWORD = 8;
const QWORD_SHIFT = 3;
const WORD = 4;
const WORD_SHIFT = 2;
/** Elements stored straight-line from locals. */
const BLOCK = 8;
/**
 * Masks an element index of the arena to 30 bits. The arena is smaller than 4 GiB and its
 * elements are at least 4 bytes, so the mask changes nothing; it tells TurboFan the index
 * plus a small constant stays an int32.
 */
const ELEMENT_INDEX_MASK = 0x3fffffff;
/** The word at {@link MBUF_DATA_OFF}: the default data offset, and refcnt 1 in the high half (as every mbuf of a pool has). */
const DATA_OFF_WORD = MBUF_HEADROOM | (1 << 16);
/** Where buf_len sits in the word at {@link MBUF_VLAN_TCI_OUTER} (vlan_tci_outer is the low half). */
const BUF_LEN_SHIFT = 16;

/**
 * Makes `handles[0 .. n)` generated packets: data offset {@link MBUF_HEADROOM}, data and
 * packet length the frame's, no offload flags, no VLAN tags, the frame at the data offset.
 * Other fields are left as the pool's invariant keeps them (one direct segment, refcnt 1,
 * its own buffer).
 */
export type PacketWriter = (handles: Uint32Array, n: number) => void;

/** Where the mbufs of one pktmbuf pool keep their buffer, which every free mbuf of it is attached to. */
export interface PoolBuffers {
  /** Bytes from an mbuf to its buffer: the mbuf header and the private area. */
  readonly bufOffset: number;
  /** The buffer's length (the pool's data room), kept in buf_len. */
  readonly bufLen: number;
}

/**
 * A writer of packets whose frame is the first `length` bytes of `frame`, into mbufs taken
 * from a pool whose buffers lie as `buffers` says. It writes the frame rounded up to a
 * multiple of 8 bytes (zeros after the frame), so a buffer needs {@link frameCopyLength}
 * bytes of room after the headroom.
 */
export function packetWriter(frame: Uint8Array, length: number, arena: Arena, buffers: PoolBuffers): PacketWriter {
  const padded = new Uint8Array(frameCopyLength(frame.length));
  padded.set(frame);
  const quads = new Float64Array(padded.buffer);
  const memory = arena.buffer;
  if (quads.every((q) => !Number.isNaN(q))) return writer(arena, new Float64Array(memory, 0, Math.floor(memory.byteLength / QWORD)), quads, QWORD_SHIFT, length, buffers);
  return writer(arena, new Uint32Array(memory, 0, Math.floor(memory.byteLength / WORD)), new Uint32Array(padded.buffer), WORD_SHIFT, length, buffers);
}

/** Bytes {@link packetWriter} writes for a frame of `length` bytes: whole 8-byte groups, at least 64. */
export function frameCopyLength(length: number): number {
  return Math.max(BLOCK * QWORD, Math.ceil(length / QWORD) * QWORD);
}

/** The writer of the elements of `frame` (at least {@link BLOCK}) through `arenaDst`, whose elements are `1 << elementShift` bytes. */
function writer(arena: Arena, arenaDst: Float64Array | Uint32Array, frame: Float64Array | Uint32Array, elementShift: number, length: number, buffers: PoolBuffers): PacketWriter {
  const arenaU32 = arena.u32;
  const elements = frame.length;
  // The buffer and the headroom are cache-line multiples: the data is 8-byte aligned.
  const dataOffset = buffers.bufOffset + MBUF_HEADROOM;
  const outerWord = buffers.bufLen << BUF_LEN_SHIFT;
  return (handles, n) => {
    const u32 = arenaU32;
    const dst = arenaDst;
    const src = frame;
    const shift = elementShift | 0;
    const count = elements | 0;
    const len = length | 0;
    const last = n | 0;
    const data = dataOffset | 0;
    const outer = outerWord | 0;
    const s0 = src[0];
    const s1 = src[1];
    const s2 = src[2];
    const s3 = src[3];
    const s4 = src[4];
    const s5 = src[5];
    const s6 = src[6];
    const s7 = src[7];
    for (let i = 0; i < last; i++) {
      const h = handles[i];
      u32[(h + MBUF_DATA_OFF) >>> 2] = DATA_OFF_WORD;
      u32[(h + MBUF_PKT_LEN) >>> 2] = len;
      // One word: data_len in its low half, vlan_tci (0) in its high half.
      u32[(h + MBUF_DATA_LEN) >>> 2] = len;
      u32[(h + MBUF_OL_FLAGS_LO) >>> 2] = 0;
      u32[(h + MBUF_OL_FLAGS_HI) >>> 2] = 0;
      // One word: vlan_tci_outer (0) in its low half, buf_len (unchanged) in its high half.
      u32[(h + MBUF_VLAN_TCI_OUTER) >>> 2] = outer;
      const at = ((h + data) >>> shift) & ELEMENT_INDEX_MASK;
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
