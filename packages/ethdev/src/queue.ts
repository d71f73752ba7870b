/**
 * Rx and tx queues: set-up and release (`rte_eth_rx_queue_setup`,
 * `rte_eth_tx_queue_setup`), and the zone of shared queue blocks that follows the
 * configured queue counts.
 */
import { memzoneFree, memzoneReserve, NicError, pktmbufDataRoomSize, type Mempool } from '@nic/eal';
import { MBUF_HEADROOM, MBUF_POOL_PRIVATE_SIZE } from '@nic/eal/layout';
import { devInfo } from './info.js';
import { checkMask, maskNames, RxOffload, TxOffload } from './offloads.js';
import { dev, type EthDev } from './port.js';
import { PortState, QB_MEMPOOL, QB_NB_DESC, QB_STATE, QUEUE_BLOCK_SIZE, QUEUE_SETUP } from './shared.js';
import type { DescLimits, RxConf, TxConf } from './types.js';

/** Descriptors when neither the caller nor the driver says (`RTE_ETH_DEV_FALLBACK_RX_RINGSIZE`). */
export const FALLBACK_RING_SIZE = 512;
/** Prefix of the memzone of a port's queue blocks: `ETHQ_<serial>_<generation>`. */
export const QUEUE_MZ_PREFIX = 'ETHQ_';

/**
 * Gives the port `nbRx` rx and `nbTx` tx queues: queues beyond the new counts are released,
 * the others keep their set-up and counters (as DPDK's reconfiguration does).
 */
export function resizeQueues(d: EthDev, nbRx: number, nbTx: number): void {
  for (let q = nbRx; q < d.rxQueues.length; q++) releaseRxQueue(d, q);
  for (let q = nbTx; q < d.txQueues.length; q++) releaseTxQueue(d, q);
  d.rxQueues.length = Math.min(d.rxQueues.length, nbRx);
  d.txQueues.length = Math.min(d.txQueues.length, nbTx);
  const { arena } = d.eal;
  const data = d.data;
  const oldZone = d.queueZone;
  const oldNbRx = data.nbRxQueues;
  const oldNbTx = data.nbTxQueues;
  const oldOffset = data.queuesOffset;
  let offset = 0;
  let zone: string | undefined;
  if (nbRx + nbTx > 0) {
    zone = `${QUEUE_MZ_PREFIX}${data.serial}_${data.gen}`;
    offset = memzoneReserve(arena, zone, (nbRx + nbTx) * QUEUE_BLOCK_SIZE).offset;
    const keepRx = Math.min(nbRx, oldNbRx) * QUEUE_BLOCK_SIZE;
    const keepTx = Math.min(nbTx, oldNbTx) * QUEUE_BLOCK_SIZE;
    arena.u8.copyWithin(offset, oldOffset, oldOffset + keepRx);
    const oldTx = oldOffset + oldNbRx * QUEUE_BLOCK_SIZE;
    arena.u8.copyWithin(offset + nbRx * QUEUE_BLOCK_SIZE, oldTx, oldTx + keepTx);
  }
  data.setQueues(nbRx, nbTx, offset);
  d.queueZone = zone;
  if (oldZone !== undefined) memzoneFree(arena, oldZone);
}

function releaseRxQueue(d: EthDev, queue: number): void {
  if (!d.rxQueues[queue]) return;
  d.ops.rxQueueRelease?.(d, queue);
  d.rxQueues[queue] = undefined;
  d.eal.arena.u32[(d.data.rxBlock(queue) + QB_STATE) >>> 2] = 0;
}

function releaseTxQueue(d: EthDev, queue: number): void {
  if (!d.txQueues[queue]) return;
  d.ops.txQueueRelease?.(d, queue);
  d.txQueues[queue] = undefined;
  d.eal.arena.u32[(d.data.txBlock(queue) + QB_STATE) >>> 2] = 0;
}

/** Releases every queue of the port (close, reset), keeping the counts. */
export function releaseQueues(d: EthDev): void {
  for (let q = 0; q < d.rxQueues.length; q++) releaseRxQueue(d, q);
  for (let q = 0; q < d.txQueues.length; q++) releaseTxQueue(d, q);
}

function checkQueue(d: EthDev, what: string, queue: number, count: number): void {
  if (d.state === PortState.UNCONFIGURED) throw new NicError('NIC_EINVAL', `${what}: port ${d.port} is not configured`);
  if (!(Number.isInteger(queue) && queue >= 0 && queue < count)) {
    throw new NicError('NIC_EINVAL', `${what}: port ${d.port} has no queue ${String(queue)} (${count} configured)`);
  }
}

function resolveDesc(what: string, d: EthDev, nbDesc: number, preferred: number, lim: DescLimits): number {
  if (!(Number.isInteger(nbDesc) && nbDesc >= 0)) throw new NicError('NIC_EINVAL', `${what}: ${String(nbDesc)} is not a descriptor count`);
  const n = nbDesc !== 0 ? nbDesc : preferred !== 0 ? preferred : FALLBACK_RING_SIZE;
  if (n > lim.max || n < lim.min || n % lim.align !== 0) {
    throw new NicError('NIC_EINVAL', `${what}: port ${d.port}: ${n} descriptors, should be <= ${lim.max}, >= ${lim.min} and a multiple of ${lim.align}`);
  }
  return n;
}

function checkQueueOffloads(what: string, d: EthDev, requested: number, portWide: number, capa: number, table: Readonly<Record<string, number>>): void {
  const extra = checkMask(`${what} offloads`, requested) & ~portWide;
  const unsupported = extra & ~capa;
  if (unsupported !== 0) {
    throw new NicError('NIC_EINVAL', `${what}: port ${d.port} (${d.driverName}) has no per-queue offloads ${maskNames(unsupported, table).join(', ')}`);
  }
}

function checkNotStarted(what: string, d: EthDev): void {
  if (d.state === PortState.STARTED) throw new NicError('NIC_EBUSY', `${what}: port ${d.port} is started (stop it first)`);
}

function noDeferredStart(what: string, d: EthDev): NicError {
  return new NicError('NIC_ENOTSUP', `${what}: port ${d.port} (${d.driverName}) cannot start a queue on its own, so no queue can defer its start`);
}

function isMempool(value: unknown): value is Mempool {
  return typeof value === 'object' && value !== null && typeof (value as Mempool).getBulk === 'function' && typeof (value as Mempool).privOffset === 'number';
}

/**
 * Sets up rx queue `queue` of `port` with `nbDesc` descriptors (0: the driver's preferred
 * count, else 512) and mbufs from `mempool`, replacing an earlier set-up. The port must be
 * configured and not started.
 * @throws NicError `NIC_EINVAL` for a queue beyond the configured count, a descriptor count
 *   outside `rxDescLim`, a pool that is no pktmbuf pool or whose buffers are too small, or
 *   per-queue offloads the driver lacks (named); `NIC_EBUSY` when the port is started;
 *   `NIC_ENOTSUP` for `deferredStart` when the driver cannot start a queue on its own.
 */
export function rxQueueSetup(port: number, queue: number, nbDesc: number, conf: RxConf | undefined, mempool: Mempool): void {
  const d = dev(port);
  const what = 'rxQueueSetup';
  checkQueue(d, what, queue, d.data.nbRxQueues);
  if (!isMempool(mempool) || mempool.privSize < MBUF_POOL_PRIVATE_SIZE) throw new NicError('NIC_EINVAL', `${what}: port ${port} queue ${queue}: the mempool is not a pktmbuf pool`);
  const info = devInfo(d);
  const room = pktmbufDataRoomSize(mempool);
  if (room < MBUF_HEADROOM + info.minRxBufSize) {
    throw new NicError('NIC_EINVAL', `${what}: port ${port}: mempool '${mempool.name}' data room ${room} is below headroom ${MBUF_HEADROOM} + ${info.minRxBufSize}`);
  }
  const n = resolveDesc(what, d, nbDesc, info.defaultRxPortConf.ringSize, info.rxDescLim);
  checkNotStarted(what, d);
  const queueConf: RxConf = { offloads: conf?.offloads ?? 0, deferredStart: conf?.deferredStart === true };
  checkQueueOffloads(what, d, queueConf.offloads ?? 0, d.conf.rxMode.offloads, info.rxQueueOffloadCapa, RxOffload);
  if (queueConf.deferredStart && !d.ops.rxQueueStart) throw noDeferredStart(what, d);
  releaseRxQueue(d, queue);
  d.ops.rxQueueSetup(d, queue, n, queueConf, mempool);
  d.rxQueues[queue] = { nbDesc: n, conf: queueConf, mempool };
  const u32 = d.eal.arena.u32;
  const block = d.data.rxBlock(queue);
  u32[(block + QB_NB_DESC) >>> 2] = n;
  u32[(block + QB_MEMPOOL) >>> 2] = mempool.offset;
  u32[(block + QB_STATE) >>> 2] = QUEUE_SETUP;
  d.data.bumpGen();
}

/**
 * Sets up tx queue `queue` of `port` with `nbDesc` descriptors (0: the driver's preferred
 * count, else 512), replacing an earlier set-up.
 * @throws NicError as {@link rxQueueSetup}.
 */
export function txQueueSetup(port: number, queue: number, nbDesc: number, conf?: TxConf): void {
  const d = dev(port);
  const what = 'txQueueSetup';
  checkQueue(d, what, queue, d.data.nbTxQueues);
  const info = devInfo(d);
  const n = resolveDesc(what, d, nbDesc, info.defaultTxPortConf.ringSize, info.txDescLim);
  checkNotStarted(what, d);
  const queueConf: TxConf = { offloads: conf?.offloads ?? 0, deferredStart: conf?.deferredStart === true };
  checkQueueOffloads(what, d, queueConf.offloads ?? 0, d.conf.txMode.offloads, info.txQueueOffloadCapa, TxOffload);
  if (queueConf.deferredStart && !d.ops.txQueueStart) throw noDeferredStart(what, d);
  releaseTxQueue(d, queue);
  d.ops.txQueueSetup(d, queue, n, queueConf);
  d.txQueues[queue] = { nbDesc: n, conf: queueConf };
  const u32 = d.eal.arena.u32;
  const block = d.data.txBlock(queue);
  u32[(block + QB_NB_DESC) >>> 2] = n;
  u32[(block + QB_STATE) >>> 2] = QUEUE_SETUP;
  d.data.bumpGen();
}

/** The first rx or tx queue of the port that is not set up, as `'rx 1'`, or undefined. */
export function missingQueue(d: EthDev): string | undefined {
  for (let q = 0; q < d.data.nbRxQueues; q++) if (!d.rxQueues[q]) return `rx queue ${q}`;
  for (let q = 0; q < d.data.nbTxQueues; q++) if (!d.txQueues[q]) return `tx queue ${q}`;
  return undefined;
}
