/**
 * One thread's view of the rings of one queue pair: the socket's mapping attached by the
 * address recorded in the port's private data (so any thread can build it), with the ring
 * geometry and the arena offset of the pair's record.
 */
import { attach, packetRingBytes, packetTxFrameOffset } from '@nic/native';
import type { Arena } from '@nic/eal';
import type { ByteViews } from './copy.js';
import { AP_BLOCK_COUNT, AP_BLOCK_SIZE, AP_FRAME_COUNT, AP_FRAME_SIZE, QP_FD, QP_RING_LO, qpairOffset, readAddress } from './layout.js';

/** The rings of one queue pair as this thread sees them. */
export class QpairRing implements ByteViews {
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly u32: Uint32Array;
  /** The socket, for the tx kick. */
  readonly fd: number;
  readonly blockSize: number;
  readonly blockCount: number;
  readonly frameSize: number;
  readonly frameCount: number;
  /** Arena byte offset of the pair's record (`QP_*` fields). */
  readonly record: number;
  /** Byte offset of each tx frame in the mapping, by frame index. */
  readonly txFrames: Uint32Array;

  constructor(arena: Arena, privOffset: number, qpair: number) {
    const u32 = arena.u32;
    const geometry = {
      blockSize: u32[(privOffset + AP_BLOCK_SIZE) >>> 2],
      blockCount: u32[(privOffset + AP_BLOCK_COUNT) >>> 2],
      frameSize: u32[(privOffset + AP_FRAME_SIZE) >>> 2],
      frameCount: u32[(privOffset + AP_FRAME_COUNT) >>> 2],
    };
    this.record = qpairOffset(privOffset, qpair);
    this.fd = u32[(this.record + QP_FD) >>> 2];
    const ringBytes = packetRingBytes(geometry);
    const buffer = attach(readAddress(u32, this.record + QP_RING_LO), 2 * ringBytes);
    this.u8 = new Uint8Array(buffer);
    this.u16 = new Uint16Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.blockSize = geometry.blockSize;
    this.blockCount = geometry.blockCount;
    this.frameSize = geometry.frameSize;
    this.frameCount = geometry.frameCount;
    this.txFrames = Uint32Array.from({ length: geometry.frameCount }, (_, i) => packetTxFrameOffset(geometry, i));
  }
}
