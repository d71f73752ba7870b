/**
 * The private data of a net_tap port in the arena (at `data.privOffset`): the queue fds and
 * each rx queue's stash of mbufs ready to be read into, so that any lcore can poll a queue.
 *
 * | offset                 | width | what                                       |
 * |------------------------|-------|--------------------------------------------|
 * | {@link TP_NB_QUEUES}   | u32   | queue fds open                             |
 * | {@link TP_QUEUES}      | 16 x {@link TAP_QUEUE_SIZE} | one record per queue |
 *
 * Queue record (rx queue `i` and tx queue `i` share queue fd `i`):
 *
 * | offset                 | width      | what                                        |
 * |------------------------|------------|---------------------------------------------|
 * | {@link TQ_FD}          | u32        | the queue fd                                |
 * | {@link TQ_STASH_COUNT} | u32        | rx: mbufs in the stash                      |
 * | {@link TQ_STASH}       | 64 x u32   | rx: the stash, allocated and not yet filled |
 *
 * The stash is written only by the thread polling rx queue `i`, or by the control thread
 * while the port is stopped.
 */

/** Most queues (DPDK's `RTE_PMD_TAP_MAX_QUEUES`). */
export const TAP_MAX_QUEUES = 16;
/** Mbufs an rx queue keeps ready, hence most frames one rx burst reads. */
export const RX_STASH_SIZE = 64;
/** Most packets one tx burst takes. */
export const TX_BURST_MAX = 64;

/** u32: queue fds open. */
export const TP_NB_QUEUES = 0;
/** Start of the queue records. */
export const TP_QUEUES = 64;
/** Queue record, u32: fd. */
export const TQ_FD = 0;
/** Queue record, u32: mbufs in the rx stash. */
export const TQ_STASH_COUNT = 4;
/** Queue record: the rx stash, {@link RX_STASH_SIZE} u32 handles (on its own cache lines). */
export const TQ_STASH = 64;
/** Bytes of a queue record. */
export const TAP_QUEUE_SIZE = TQ_STASH + RX_STASH_SIZE * 4;
/** Bytes of the private data. */
export const TAP_PRIV_SIZE = TP_QUEUES + TAP_MAX_QUEUES * TAP_QUEUE_SIZE;

/** Arena byte offset of the record of queue `queue` of the port whose private data starts at `priv`. */
export function queueOffset(priv: number, queue: number): number {
  return priv + TP_QUEUES + queue * TAP_QUEUE_SIZE;
}
