/**
 * The data path of net_vhost: rx queue `q` takes packets the frontend sent on vring
 * `2q + 1`, tx queue `q` gives packets to the frontend on vring `2q`. A queue works on any
 * lcore: it follows the device state in the port's private data and attaches the guest
 * memory on its own thread. Bursts return 0 while the port is stopped or no frontend runs
 * the device; tx frees what it placed and leaves the rest to the caller, as DPDK's
 * net_vhost. Malformed chains the frontend posts are counted as rx errors.
 */
import { MbufView, type Arena, type Mempool } from '@nic/eal';
import { rxQueueMempool, RxQueueCounters, TxQueueCounters, type EthdevDriver, type PortData, type RxQueue, type TxQueue } from '@nic/ethdev/driver';
import { S_RUNNING, Virtqueue, writeRarpMbuf, type VhostSharedState } from '@nic/vhost';
import { portState, startedFlag } from './port.js';
import { VhostRxIntr } from './rx-intr.js';

/** The driver name. */
export const NET_VHOST = 'net_vhost';

/** Vring of rx queue `q` (guest to host). */
export function rxVring(q: number): number {
  return 2 * q + 1;
}
/** Vring of tx queue `q` (host to guest). */
export function txVring(q: number): number {
  return 2 * q;
}

/** What both directions read: whether the port is started and the device runs. */
class VhostQueue {
  readonly vq: Virtqueue;
  readonly arena: Arena;
  readonly mbufs: MbufView;
  readonly state: VhostSharedState;
  readonly #started: Int32Array;
  readonly #header: Int32Array;

  constructor(data: PortData, vring: number) {
    const state = portState(data, vring);
    this.state = state;
    this.vq = Virtqueue.attach(state, vring);
    this.#header = state.h32;
    this.#started = startedFlag(data);
    this.arena = data.arena;
    this.mbufs = new MbufView(data.arena);
  }

  get active(): boolean {
    return this.#started[0] !== 0 && this.#header[S_RUNNING] !== 0;
  }
}

class VhostRxQueue extends VhostQueue implements RxQueue {
  readonly #pool: Mempool;
  readonly #counters: RxQueueCounters;
  #errors = 0;

  constructor(data: PortData, queue: number) {
    super(data, rxVring(queue));
    this.#pool = rxQueueMempool(data, queue);
    this.#counters = new RxQueueCounters(data, queue);
  }

  rxBurst(handles: Uint32Array, n: number, offset: number): number {
    if (!this.active) return 0;
    const vq = this.vq;
    // After a migration the frontend asks for a RARP announcement of the guest (SEND_RARP):
    // it leads the next burst of whichever rx queue polls first, as if the guest had sent it.
    let got = 0;
    if (n > 0 && this.state.takeAnnouncement()) {
      if (this.mbufs.allocBulk(this.#pool, handles, 1, offset) === 0) {
        writeRarpMbuf(this.arena, handles[offset], this.state.rarpMac);
        got = 1;
      } else {
        this.state.announce(this.state.rarpMac); // no mbuf now: the next burst tries again
      }
    }
    if (got < n) got += vq.dequeueBurst(this.arena, this.mbufs, this.#pool, handles, n - got, offset + got);
    if (got > 0) this.#counters.received(handles, offset, got);
    const bad = vq.errors + vq.dropped;
    if (bad !== this.#errors) {
      this.#counters.errors(bad - this.#errors);
      this.#errors = bad;
    }
    return got;
  }
}

class VhostTxQueue extends VhostQueue implements TxQueue {
  readonly #counters: TxQueueCounters;

  constructor(data: PortData, queue: number) {
    super(data, txVring(queue));
    this.#counters = new TxQueueCounters(data, queue);
  }

  txBurst(handles: Uint32Array, n: number, offset: number): number {
    if (!this.active) return 0;
    const vq = this.vq;
    const sent = vq.enqueueBurst(this.arena, handles, n, offset);
    if (sent === 0) return 0;
    this.#counters.sent(handles, offset, sent);
    // One direct segment with refcnt 1 each, all of one pool (the kernel checked): freeing
    // them is putting them back, in bulk.
    if (vq.bulkFreePool !== 0) this.mbufs.pool(handles[offset]).putBulk(handles, sent, offset);
    else this.mbufs.freeBulk(handles, sent, offset);
    return sent;
  }
}

/** The data-path half of net_vhost. */
export const netVhostEthdev: EthdevDriver = {
  name: NET_VHOST,
  rxQueue: (data, queue) => new VhostRxQueue(data, queue),
  txQueue: (data, queue) => new VhostTxQueue(data, queue),
  rxQueueIntr: (data, queue) => new VhostRxIntr(data, queue, rxVring(queue)),
};
