/**
 * Queue memory and queue state, on the control thread: each queue's memzone (descriptor
 * ring sized for the largest count, as DPDK does, then the software ring, then for tx the
 * RS FIFO), the record in the private data, filling an rx ring with mbufs at start and
 * giving every mbuf back at stop.
 */
import { memzoneFree, memzoneReserve, MbufView, NicError, pktmbufDataRoomSize, type Arena, type Mempool } from '@nic/eal';
import { MBUF_F_RX_VLAN, MBUF_F_RX_VLAN_STRIPPED, MBUF_HEADROOM } from '@nic/eal/layout';
import { DESC_RING_ALIGN, DESC_SIZE, TXD_OLINFO_STATUS, TXD_STAT_DD } from './desc.js';
import {
  Q_NB_DESC,
  Q_NEXT,
  Q_RING,
  Q_SW_RING,
  Q_TAIL_REG,
  QUEUE_RECORD_SIZE,
  RQ_FREE_THRESH,
  RQ_INTR_FD,
  RQ_NB_HOLD,
  RQ_BUF_ROOM,
  RQ_PKT_BAD,
  RQ_PKT_FIRST,
  RQ_PKT_LAST,
  RQ_VECTOR,
  RQ_ERR_MASK,
  RQ_FRESH,
  RQ_OUT,
  RQ_PORT,
  RQ_VLAN_FLAGS,
  TQ_LAST_CLEANED,
  TQ_NB_FREE,
  TQ_RS_COUNT,
  TQ_RS_FIFO,
  TQ_STAGING,
  TQ_RS_HEAD,
  TQ_FLAGS,
  TQ_RS_THRESH,
  TQ_SINCE_RS,
} from './layout.js';
import { armRxDescriptor } from './rx.js';

/** Bytes of one software ring or RS FIFO slot. */
const SLOT_BYTES = 4;
/** Rx: RDT moves once more than this many descriptors are held (DPDK's default `rx_free_thresh`). */
export const RX_FREE_THRESH = 32;
/** Tx: the most descriptors between two RS requests. */
export const TX_RS_THRESH = 32;
/** Tx: RS comes at least this often relative to the ring (a quarter of it), so small rings keep flowing. */
const TX_RS_RING_FRACTION = 4;

/** Most handles one burst may ask for (ethdev's burst arrays are no longer in practice). */
export const MAX_BURST = 512;

/** The memzone name of a queue of a `driver` (`igb`, `ixgbe`) port. */
export function queueZoneName(driver: string, port: number, kind: 'rx' | 'tx', queue: number): string {
  return `${driver}_${kind}_${port}_${queue}`;
}

/** What rx queue set-up needs besides the ring size. */
export interface RxQueueParams {
  /** The ring's memzone name ({@link queueZoneName}). */
  readonly zone: string;
  /** The queue's tail register (RDT) in BAR0. */
  readonly tailReg: number;
  /** The most descriptors the family's rings take: the memzone always has room for them, as DPDK's. */
  readonly maxDesc: number;
  /** The port id received mbufs carry. */
  readonly port: number;
  /** Write-back error bits that make a frame unusable. */
  readonly errMask: number;
  /** Whether the queue strips VLAN tags into the mbuf. */
  readonly vlanStrip: boolean;
}

/** What tx queue set-up needs besides the ring size. */
export interface TxQueueParams {
  readonly zone: string;
  /** The queue's tail register (TDT) in BAR0. */
  readonly tailReg: number;
  readonly maxDesc: number;
  /** `TQF_*` bits. */
  readonly flags: number;
}

function u32(arena: Arena, offset: number): number {
  return arena.u32[offset >>> 2];
}

function set(arena: Arena, record: number, field: number, value: number): void {
  arena.u32[(record + field) >>> 2] = value;
}

function clearRecord(arena: Arena, record: number): void {
  arena.u8.fill(0, record, record + QUEUE_RECORD_SIZE);
}

/**
 * Reserves queue memory (freeing what an earlier set-up of the queue left) and returns its
 * offset. The zone is IOVA-contiguous (in PA mode it lies within one hugepage), since the
 * device reads the descriptor ring at the one IOVA programmed into its base registers.
 */
function reserveZone(arena: Arena, name: string, bytes: number): number {
  freeQueueZone(arena, name);
  return memzoneReserve(arena, name, bytes, { align: DESC_RING_ALIGN, contiguous: true }).offset;
}

/** Frees a queue's memzone if it has one. */
export function freeQueueZone(arena: Arena, name: string): void {
  try {
    memzoneFree(arena, name);
  } catch (e) {
    if (!(e instanceof NicError && e.code === 'NIC_ENOENT')) throw e;
  }
}

/**
 * Sets up an rx queue's memory (ring, software ring, the burst's replacement mbufs, a
 * staging area for burst arrays outside the arena) and record; the ring is filled at start.
 */
export function rxQueueInit(arena: Arena, record: number, nbDesc: number, p: RxQueueParams): void {
  const ringBytes = p.maxDesc * DESC_SIZE;
  const slots = p.maxDesc * SLOT_BYTES;
  const base = reserveZone(arena, p.zone, ringBytes + 2 * slots + MAX_BURST * SLOT_BYTES);
  clearRecord(arena, record);
  set(arena, record, Q_RING, base);
  set(arena, record, Q_NB_DESC, nbDesc);
  set(arena, record, Q_SW_RING, base + ringBytes);
  set(arena, record, RQ_FRESH, base + ringBytes + slots);
  set(arena, record, RQ_OUT, base + ringBytes + 2 * slots);
  set(arena, record, Q_TAIL_REG, p.tailReg);
  set(arena, record, RQ_FREE_THRESH, Math.min(RX_FREE_THRESH, nbDesc >>> 1));
  set(arena, record, RQ_INTR_FD, -1 >>> 0);
  set(arena, record, RQ_PORT, p.port);
  set(arena, record, RQ_ERR_MASK, p.errMask);
  set(arena, record, RQ_VLAN_FLAGS, p.vlanStrip ? MBUF_F_RX_VLAN | MBUF_F_RX_VLAN_STRIPPED : MBUF_F_RX_VLAN);
}

/** Sets up a tx queue's memory and record, every descriptor free. */
export function txQueueInit(arena: Arena, record: number, nbDesc: number, p: TxQueueParams): void {
  const ringBytes = p.maxDesc * DESC_SIZE;
  const slots = p.maxDesc * SLOT_BYTES;
  const base = reserveZone(arena, p.zone, ringBytes + 3 * slots);
  clearRecord(arena, record);
  set(arena, record, Q_RING, base);
  set(arena, record, Q_NB_DESC, nbDesc);
  set(arena, record, Q_SW_RING, base + ringBytes);
  set(arena, record, TQ_RS_FIFO, base + ringBytes + slots);
  set(arena, record, TQ_STAGING, base + ringBytes + 2 * slots);
  set(arena, record, Q_TAIL_REG, p.tailReg);
  set(arena, record, TQ_RS_THRESH, Math.min(TX_RS_THRESH, nbDesc / TX_RS_RING_FRACTION));
  set(arena, record, TQ_FLAGS, p.flags);
  txQueueReset(arena, record);
}

/** Sets whether an rx queue strips VLAN tags (the offload flags its tagged frames get). */
export function rxQueueSetVlanStrip(arena: Arena, record: number, strip: boolean): void {
  set(arena, record, RQ_VLAN_FLAGS, strip ? MBUF_F_RX_VLAN | MBUF_F_RX_VLAN_STRIPPED : MBUF_F_RX_VLAN);
}

/** Puts a tx queue in its initial state: ring zeroed with DD set (all done), nothing held. */
export function txQueueReset(arena: Arena, record: number): void {
  const ring = u32(arena, record + Q_RING);
  const nbDesc = u32(arena, record + Q_NB_DESC);
  arena.u8.fill(0, ring, ring + nbDesc * DESC_SIZE);
  for (let i = 0; i < nbDesc; i++) arena.u32[(ring + i * DESC_SIZE + TXD_OLINFO_STATUS) >>> 2] = TXD_STAT_DD;
  const sw = u32(arena, record + Q_SW_RING);
  arena.u32.fill(0, sw >>> 2, (sw >>> 2) + nbDesc);
  set(arena, record, Q_NEXT, 0);
  set(arena, record, TQ_NB_FREE, nbDesc - 1);
  set(arena, record, TQ_LAST_CLEANED, nbDesc - 1);
  set(arena, record, TQ_SINCE_RS, 0);
  set(arena, record, TQ_RS_HEAD, 0);
  set(arena, record, TQ_RS_COUNT, 0);
}

/**
 * Gives every descriptor of an rx queue a fresh mbuf from `pool` and resets its indices.
 * `NIC_ENOMEM` (nothing kept) when the pool cannot fill the ring.
 */
export function rxQueueFill(arena: Arena, record: number, pool: Mempool, what: string): void {
  const ring = u32(arena, record + Q_RING);
  const nbDesc = u32(arena, record + Q_NB_DESC);
  const sw = u32(arena, record + Q_SW_RING);
  const mbufs = new MbufView(arena);
  const handles = new Uint32Array(nbDesc);
  if (mbufs.allocBulk(pool, handles, nbDesc) !== 0) {
    throw new NicError('NIC_ENOMEM', `${what}: the mempool cannot give the ${nbDesc} mbufs the ring needs (${pool.availCount()} available)`);
  }
  arena.u32.set(handles, sw >>> 2);
  for (let i = 0; i < nbDesc; i++) armRxDescriptor(arena.u32, ring, i, handles[i]);
  set(arena, record, RQ_BUF_ROOM, pktmbufDataRoomSize(pool) - MBUF_HEADROOM);
  set(arena, record, RQ_PKT_BAD, 0);
  set(arena, record, Q_NEXT, 0);
  set(arena, record, RQ_NB_HOLD, 0);
  set(arena, record, RQ_PKT_FIRST, 0);
  set(arena, record, RQ_PKT_LAST, 0);
}

/** Returns every mbuf an rx queue holds (its ring and a packet half received) to its pool. */
export function rxQueueDrain(arena: Arena, record: number): void {
  const nbDesc = u32(arena, record + Q_NB_DESC);
  const sw = u32(arena, record + Q_SW_RING) >>> 2;
  const mbufs = new MbufView(arena);
  mbufs.freeBulk(arena.u32, nbDesc, sw);
  arena.u32.fill(0, sw, sw + nbDesc);
  mbufs.free(u32(arena, record + RQ_PKT_FIRST));
  set(arena, record, RQ_PKT_FIRST, 0);
  set(arena, record, RQ_PKT_LAST, 0);
  set(arena, record, RQ_PKT_BAD, 0);
}

/**
 * Returns every mbuf a tx queue holds to its pool and resets the queue. Only the
 * descriptors filled since the last reclaim hold mbufs: software-ring entries before them
 * may be stale (a fast-free reclaim does not clear them).
 */
export function txQueueDrain(arena: Arena, record: number): void {
  const nbDesc = u32(arena, record + Q_NB_DESC);
  const sw = u32(arena, record + Q_SW_RING) >>> 2;
  const next = u32(arena, record + Q_NEXT);
  const held = new Uint32Array(nbDesc);
  let count = 0;
  for (let i = u32(arena, record + TQ_LAST_CLEANED); (i = i + 1 === nbDesc ? 0 : i + 1) !== next; ) {
    const m = arena.u32[sw + i];
    if (m !== 0) held[count++] = m;
  }
  new MbufView(arena).freeBulk(held, count);
  txQueueReset(arena, record);
}

/** Records the interrupt vector and eventfd of an rx queue (-1: none). */
export function rxQueueSetIntr(arena: Arena, record: number, vector: number, fd: number): void {
  set(arena, record, RQ_VECTOR, vector);
  set(arena, record, RQ_INTR_FD, fd >>> 0);
}
