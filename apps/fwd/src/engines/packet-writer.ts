/**
 * Writing generated packets into a burst of mbufs, the inner loop of txonly: per mbuf, the
 * metadata a generated packet needs and one fixed frame. The loop is a WebAssembly kernel
 * (`packet-writer.wat`, see `wasmKernel` in @nic/eal), which stores straight into the arena:
 * the same loop in JavaScript pays a bounds check per store and a map check per typed array
 * per packet, and under QEMU's TCG, where every branch ends a translated block, that was
 * most of nic-fwd's guest work per frame in txonly.
 *
 * The frame's head (its first {@link HEAD_BYTES} bytes, all of a 64-byte frame) goes to the
 * kernel as 16 words at each call; the rest of the frame must be zeros (txonly's payload is),
 * which the kernel writes. The kernel reads nothing from the mbufs: where a free mbuf of a
 * pktmbuf pool keeps its buffer (right after its header and private area) and the buffer's
 * length are the pool's, so both come in as constants; reading them from each mbuf was a
 * cache miss per packet on the host under emulation, while stores go out without waiting.
 */
import { wasmKernel, type Arena } from '@nic/eal';
import { MBUF_HEADROOM } from '@nic/eal/layout';
import writerKernel from './packet-writer.wat';

const QWORD = 8;
/** Bytes of the frame the kernel takes as arguments: the head. */
export const HEAD_BYTES = 64;
/** The word at data_off: the default data offset, and refcnt 1 in the high half (as every mbuf of a pool has). */
const DATA_OFF_WORD = MBUF_HEADROOM | (1 << 16);
/** Where buf_len sits in the word at vlan_tci_outer (vlan_tci_outer is the low half). */
const BUF_LEN_SHIFT = 16;

/**
 * Makes the `n` mbufs whose handles lie at arena offset `handlesAt` generated packets: data
 * offset {@link MBUF_HEADROOM}, data and packet length the frame's, no offload flags, no VLAN
 * tags, the frame at the data offset. Other fields are left as the pool's invariant keeps
 * them (one direct segment, refcnt 1, its own buffer).
 */
export type PacketWriter = (handlesAt: number, n: number) => void;

/** Where the mbufs of one pktmbuf pool keep their buffer, which every free mbuf of it is attached to. */
export interface PoolBuffers {
  /** Bytes from an mbuf to its buffer: the mbuf header and the private area. */
  readonly bufOffset: number;
  /** The buffer's length (the pool's data room), kept in buf_len. */
  readonly bufLen: number;
}

/** The exports of `packet-writer.wat`. */
interface WriterKernel {
  write(handles: number, n: number, data: number, len: number, dataOffWord: number, outerWord: number, zeroQuads: number, ...head: number[]): void;
}

/**
 * A writer of packets whose frame is `frame` followed by zeros up to `length` bytes, into
 * mbufs taken from a pool whose buffers lie as `buffers` says. It writes the frame rounded up
 * to a multiple of 8 bytes, and at least {@link HEAD_BYTES}, so a buffer needs
 * {@link frameCopyLength} bytes of room after the headroom.
 * @throws RangeError when `frame` has a non-zero byte past {@link HEAD_BYTES} or is longer than `length` rounded up
 */
export function packetWriter(frame: Uint8Array, length: number, arena: Arena, buffers: PoolBuffers): PacketWriter {
  const copy = frameCopyLength(length);
  if (frame.length > copy) throw new RangeError(`packet writer: a ${frame.length}-byte frame is longer than the ${copy} bytes written for ${length}-byte packets`);
  if (frame.subarray(HEAD_BYTES).some((b) => b !== 0)) throw new RangeError(`packet writer: the frame must be zeros past its first ${HEAD_BYTES} bytes`);
  const head = new Uint8Array(HEAD_BYTES);
  head.set(frame.subarray(0, HEAD_BYTES));
  const [h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11, h12, h13, h14, h15] = new Int32Array(head.buffer);
  const write = wasmKernel<WriterKernel>(writerKernel, arena).write;
  // The buffer and the headroom are cache-line multiples: the data is 8-byte aligned.
  const data = buffers.bufOffset + MBUF_HEADROOM;
  const outerWord = buffers.bufLen << BUF_LEN_SHIFT;
  const zeroQuads = (copy - HEAD_BYTES) / QWORD;
  return (handlesAt, n) => {
    write(handlesAt, n, data, length, DATA_OFF_WORD, outerWord, zeroQuads, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11, h12, h13, h14, h15);
  };
}

/** Bytes {@link packetWriter} writes for a frame of `length` bytes: whole 8-byte groups, at least {@link HEAD_BYTES}. */
export function frameCopyLength(length: number): number {
  return Math.max(HEAD_BYTES, Math.ceil(length / QWORD) * QWORD);
}
