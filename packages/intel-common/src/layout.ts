/**
 * The private data of an igb or ixgbe port in the arena (at `data.privOffset`), from which
 * any thread builds its queue views: where BAR0 is mapped, and one record per rx and tx
 * queue with the ring, the software ring and the queue's indices.
 *
 * | offset                | width | what                                                   |
 * |-----------------------|-------|--------------------------------------------------------|
 * | {@link P_BAR_ADDR_LO} | u32   | BAR0's virtual address, low and high halves; 0 when    |
 * | {@link P_BAR_ADDR_HI} | u32   | the registers exist only on the control thread (model) |
 * | {@link P_BAR_LEN}     | u32   | BAR0's length                                          |
 * | {@link P_RXQ}         | maxQueues x {@link QUEUE_RECORD_SIZE} | rx queue records       |
 * | then                  | maxQueues x {@link QUEUE_RECORD_SIZE} | tx queue records       |
 *
 * Each queue's descriptors and software ring live in a memzone of their own; a record
 * holds their arena offsets. Indices are written only by the thread polling the queue (or
 * by the control thread while the port is stopped). The rx kernel (`rx.wat`) reads and
 * writes the rx fields at these offsets too.
 */

export const P_BAR_ADDR_LO = 0;
export const P_BAR_ADDR_HI = 4;
export const P_BAR_LEN = 8;
/** Start of the rx queue records. */
export const P_RXQ = 64;
/** Bytes of one queue record (two cache lines). */
export const QUEUE_RECORD_SIZE = 128;

// Fields shared by rx and tx records (u32 each).
/** Arena offset of the descriptor ring. */
export const Q_RING = 0;
/** Descriptors in the ring. */
export const Q_NB_DESC = 4;
/** Arena offset of the software ring (one u32 mbuf handle per descriptor). */
export const Q_SW_RING = 8;
/** The queue's tail register (RDT/TDT) offset in BAR0. */
export const Q_TAIL_REG = 12;
/** Next descriptor software looks at (rx) or fills (tx). */
export const Q_NEXT = 16;

// Rx only.
/** Descriptors handed back to software since RDT was last written. */
export const RQ_NB_HOLD = 20;
/** RDT is written once more than this many are held. */
export const RQ_FREE_THRESH = 24;
/** First segment of a packet still being received (0: none). */
export const RQ_PKT_FIRST = 28;
/** Last segment of that packet. */
export const RQ_PKT_LAST = 32;
/** The eventfd of the queue's interrupt vector, or -1. */
export const RQ_INTR_FD = 36;
/** The queue's MSI-X vector. */
export const RQ_VECTOR = 40;
/** Arena offset of room for one ring's worth of handles: a burst's replacement mbufs, then the heads of the frames it dropped. */
export const RQ_FRESH = 44;
/** The port id written into received mbufs. */
export const RQ_PORT = 48;
/** Write-back error bits that make a frame unusable (the family's frame errors). */
export const RQ_ERR_MASK = 52;
/** Offload flags a frame with a VLAN tag gets (`RX_VLAN`, plus `RX_VLAN_STRIPPED` when the queue strips). */
export const RQ_VLAN_FLAGS = 56;
/** Out of the rx kernel: bytes of the frames one burst delivered. */
export const RQ_BURST_BYTES = 60;
/** Out of the rx kernel: frames one burst dropped for errors (their heads at {@link RQ_FRESH}). */
export const RQ_BURST_BAD = 64;
/** Arena offset of room for one burst's handles, for burst arrays outside the arena. */
export const RQ_OUT = 68;
/** Bytes a receive buffer holds past the headroom: a descriptor that reports more is a frame error. */
export const RQ_BUF_ROOM = 72;
/** 1 while the frame being received has a segment that reported more than {@link RQ_BUF_ROOM}. */
export const RQ_PKT_BAD = 76;

// Tx only.
/** Free descriptors. */
export const TQ_NB_FREE = 20;
/** Last descriptor whose mbuf was reclaimed. */
export const TQ_LAST_CLEANED = 24;
/** Descriptors filled since the last one with RS. */
export const TQ_SINCE_RS = 28;
/** RS is asked for once this many descriptors were filled. */
export const TQ_RS_THRESH = 32;
/** Arena offset of the FIFO of descriptors that carry RS (u32 indices, one slot per descriptor). */
export const TQ_RS_FIFO = 36;
/** FIFO head index. */
export const TQ_RS_HEAD = 40;
/** Entries in the FIFO. */
export const TQ_RS_COUNT = 44;
/** `TQF_*` bits fixed at set-up. */
export const TQ_FLAGS = 48;
/** {@link TQ_FLAGS}: `MBUF_FAST_FREE` is on, so every packet is one segment from one pool, refcnt 1. */
export const TQF_FAST_FREE = 1;
/** Arena offset of room for one ring's worth of handles, where a burst from outside the arena is copied for the fill kernel. */
export const TQ_STAGING = 52;

/** Where a port's queue records lie, for a device with `maxQueues` queues each way. */
export class PrivLayout {
  readonly maxQueues: number;
  /** Bytes of the private data. */
  readonly size: number;

  constructor(maxQueues: number) {
    this.maxQueues = maxQueues;
    this.size = P_RXQ + 2 * maxQueues * QUEUE_RECORD_SIZE;
  }

  /** Arena offset of rx queue `queue`'s record. */
  rxRecord(priv: number, queue: number): number {
    return priv + P_RXQ + queue * QUEUE_RECORD_SIZE;
  }

  /** Arena offset of tx queue `queue`'s record. */
  txRecord(priv: number, queue: number): number {
    return priv + P_RXQ + (this.maxQueues + queue) * QUEUE_RECORD_SIZE;
  }
}
