/**
 * The private data of a net_af_packet port in the arena (at `data.privOffset`): everything
 * a thread needs to poll the port's queues, and the queues' positions in their rings, so
 * that any lcore can take over a queue.
 *
 * | offset                 | width | what                                                  |
 * |------------------------|-------|-------------------------------------------------------|
 * | {@link AP_NB_QPAIRS}   | u32   | queue pairs (sockets)                                 |
 * | {@link AP_BLOCK_SIZE}  | u32   | ring block size                                       |
 * | {@link AP_BLOCK_COUNT} | u32   | blocks per ring                                       |
 * | {@link AP_FRAME_SIZE}  | u32   | tx frame size                                         |
 * | {@link AP_FRAME_COUNT} | u32   | tx frames per ring                                    |
 * | {@link AP_TX_MAX_LEN}  | u32   | longest frame the kernel sends (from frame size, MTU) |
 * | {@link AP_QPAIRS}      | 16 x {@link AP_QPAIR_SIZE} | one record per queue pair        |
 *
 * Queue pair record (rx queue `i` and tx queue `i` share socket `i`):
 *
 * | offset                 | width | what                                                  |
 * |------------------------|-------|-------------------------------------------------------|
 * | {@link QP_FD}          | u32   | the socket                                            |
 * | {@link QP_RING_LO}     | u32   | address of the rings' mapping, low 32 bits            |
 * | {@link QP_RING_HI}     | u32   | address, high bits                                    |
 * | {@link QP_RX_BLOCK}    | u32   | rx: block being read                                  |
 * | {@link QP_RX_TAKEN}    | u32   | rx: packets of that block taken so far                |
 * | {@link QP_RX_NEXT}     | u32   | rx: offset in that block of the next packet's header  |
 * | {@link QP_TX_FRAME}    | u32   | tx: next frame to fill                                |
 * | {@link QP_TX_OWED}     | u32   | tx: 1 when the last kick failed and frames still wait |
 *
 * The rx fields are written only by the thread polling rx queue `i`, the tx field by the
 * one polling tx queue `i` (or by the control thread while the port is stopped).
 */
import { AF_PACKET_MAX_QPAIRS } from './args.js';

/** u32: queue pairs. */
export const AP_NB_QPAIRS = 0;
/** u32: block size. */
export const AP_BLOCK_SIZE = 4;
/** u32: blocks per ring. */
export const AP_BLOCK_COUNT = 8;
/** u32: frame size. */
export const AP_FRAME_SIZE = 12;
/** u32: frames per tx ring. */
export const AP_FRAME_COUNT = 16;
/** u32: longest frame a tx queue hands to the kernel. */
export const AP_TX_MAX_LEN = 20;
/** Start of the queue pair records. */
export const AP_QPAIRS = 64;
/** Bytes of one queue pair record: two cache lines, the rx fields in the first, the tx field in the second, since two lcores may poll the two queues. */
export const AP_QPAIR_SIZE = 128;
/** Bytes of the private data. */
export const AF_PACKET_PRIV_SIZE = AP_QPAIRS + AF_PACKET_MAX_QPAIRS * AP_QPAIR_SIZE;

/** Queue pair, u32: socket fd. */
export const QP_FD = 0;
/** Queue pair, u32: ring mapping address, low 32 bits. */
export const QP_RING_LO = 4;
/** Queue pair, u32: ring mapping address, high bits. */
export const QP_RING_HI = 8;
/** Queue pair, u32: rx block being read. */
export const QP_RX_BLOCK = 12;
/** Queue pair, u32: packets of the rx block taken. */
export const QP_RX_TAKEN = 16;
/** Queue pair, u32: offset of the next packet header within the rx block. */
export const QP_RX_NEXT = 20;
/** Queue pair, u32: next tx frame (on the record's second cache line). */
export const QP_TX_FRAME = 64;
/** Queue pair, u32: 1 when the last tx kick failed, so that the next burst kicks again. */
export const QP_TX_OWED = 68;

/** 2^32, to split and join addresses stored as two u32 words. */
const WORD = 2 ** 32;

/** Arena byte offset of the record of queue pair `qpair` of the port whose private data starts at `priv`. */
export function qpairOffset(priv: number, qpair: number): number {
  return priv + AP_QPAIRS + qpair * AP_QPAIR_SIZE;
}

/** Stores `address` (below 2^53) as two words at arena byte offset `at` (`QP_RING_LO`, `QP_RING_HI`). */
export function writeAddress(u32: Uint32Array, at: number, address: number): void {
  u32[at >>> 2] = address % WORD;
  u32[(at >>> 2) + 1] = Math.floor(address / WORD);
}

/** The address stored by {@link writeAddress}. */
export function readAddress(u32: Uint32Array, at: number): number {
  return u32[(at >>> 2) + 1] * WORD + u32[at >>> 2];
}
