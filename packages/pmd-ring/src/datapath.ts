/**
 * The data path of net_ring (DPDK's `eth_ring_rx`/`eth_ring_tx`): an rx queue dequeues a
 * burst from its ring, a tx queue enqueues one. Each thread builds these views from the
 * ring offsets in the port's private data.
 */
import type { Ring } from '@nic/eal';
import {
  burstBytes,
  ringAt,
  RxQueueCounters,
  TxQueueCounters,
  type EthdevDriver,
  type PortData,
  type RxQueue,
  type TxQueue,
} from '@nic/ethdev/driver';
import { RP_RX_RINGS, RP_TX_RINGS } from './layout.js';

/** The driver name. */
export const NET_RING = 'net_ring';

/** The ring of rx (`table` {@link RP_RX_RINGS}) or tx ({@link RP_TX_RINGS}) queue `queue`. */
export function queueRing(data: PortData, table: number, queue: number): Ring {
  return ringAt(data.arena, data.arena.u32[(data.privOffset + table + queue * 4) >>> 2]);
}

/** One thread's view of an rx queue: a burst dequeue from its ring. */
class RingRxQueue implements RxQueue {
  readonly #ring: Ring;
  readonly #counters: RxQueueCounters;

  constructor(data: PortData, queue: number) {
    this.#ring = queueRing(data, RP_RX_RINGS, queue);
    this.#counters = new RxQueueCounters(data, queue);
  }

  rxBurst(handles: Uint32Array, n: number, offset: number): number {
    const got = this.#ring.dequeueBurst(handles, n, offset);
    if (got !== 0) this.#counters.received(handles, offset, got);
    return got;
  }
}

/**
 * One thread's view of a tx queue: a burst enqueue to its ring. Bytes are summed before
 * the enqueue, while the packets are still the caller's (once enqueued another lcore may
 * take and free them), and the packets left over are taken off again.
 */
class RingTxQueue implements TxQueue {
  readonly #ring: Ring;
  readonly #counters: TxQueueCounters;
  readonly #u32: Uint32Array;

  constructor(data: PortData, queue: number) {
    this.#ring = queueRing(data, RP_TX_RINGS, queue);
    this.#counters = new TxQueueCounters(data, queue);
    this.#u32 = data.arena.u32;
  }

  txBurst(handles: Uint32Array, n: number, offset: number): number {
    let bytes = burstBytes(this.#u32, handles, offset, n);
    const sent = this.#ring.enqueueBurst(handles, n, offset);
    if (sent !== n) bytes -= burstBytes(this.#u32, handles, offset + sent, n - sent);
    this.#counters.add(sent, bytes);
    return sent;
  }
}

/** The data-path half of net_ring, registered in every thread that imports @nic/pmd-ring. */
export const netRingEthdev: EthdevDriver = {
  name: NET_RING,
  rxQueue: (data, queue) => new RingRxQueue(data, queue),
  txQueue: (data, queue) => new RingTxQueue(data, queue),
};
