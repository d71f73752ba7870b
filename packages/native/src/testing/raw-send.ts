/** Frames sent raw out of an interface: what a link partner, or the kernel's side of a TAP, sends. */
import { packetOpen, packetTxKick } from '../packet.js';
import { packetTxFrameOffset, TP3_LEN, TP3_STATUS, TP_STATUS_AVAILABLE, TP_STATUS_SEND_REQUEST, TPACKET3_TX_DATA_OFFSET } from '../packet-layout.js';
import { until } from './netns.js';

/** Bytes of each tx ring slot: a frame of up to a standard MTU and its header. */
const FRAME_SIZE = 2048;
/** Bytes of each tx ring block (a page). */
const BLOCK_SIZE = 4096;

/**
 * Sends `frames` out of `ifname` from a raw AF_PACKET socket of its own (a tx ring and one
 * kick), then closes the socket once the kernel has taken every frame.
 */
export async function rawSend(ifname: string, frames: readonly Uint8Array[]): Promise<void> {
  const perBlock = BLOCK_SIZE / FRAME_SIZE;
  const blockCount = Math.max(1, Math.ceil(frames.length / perBlock));
  const geometry = { blockSize: BLOCK_SIZE, blockCount, frameSize: FRAME_SIZE, frameCount: blockCount * perBlock };
  const socket = packetOpen(ifname, geometry);
  try {
    const dv = new DataView(socket.ring.buffer);
    const u8 = new Uint8Array(socket.ring.buffer);
    frames.forEach((frame, i) => {
      const at = packetTxFrameOffset(geometry, i);
      u8.set(frame, at + TPACKET3_TX_DATA_OFFSET);
      dv.setUint32(at + TP3_LEN, frame.length, true);
      dv.setUint32(at + TP3_STATUS, TP_STATUS_SEND_REQUEST, true);
    });
    const sent = (): boolean => frames.every((_, i) => dv.getUint32(packetTxFrameOffset(geometry, i) + TP3_STATUS, true) === TP_STATUS_AVAILABLE);
    await until('the raw frames to leave', () => {
      packetTxKick(socket.fd);
      return sent();
    });
  } finally {
    socket.close();
  }
}
