/**
 * The data path of net_vhost: rx queue `q` takes packets the frontend sent on vring
 * `2q + 1`, tx queue `q` gives packets to the frontend on vring `2q`. Bursts return 0 while
 * the port is stopped or no frontend runs the device; tx frees what it placed and leaves the
 * rest to the caller, as DPDK's net_vhost. Malformed chains the frontend posts are counted
 * as rx errors.
 */
import { MbufView, type Arena, type Mempool } from '@nic/eal';
import { rxQueueMempool, RxQueueCounters, TxQueueCounters, type EthdevDriver, type PortData, type RxQueue, type TxQueue } from '@nic/ethdev/driver';
import { writeRarpMbuf, type Virtqueue } from '@nic/vhost';
import { portOf, type VhostPort } from './port.js';

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

class VhostRxQueue implements RxQueue {
  readonly #port: VhostPort;
  readonly #vq: Virtqueue;
  readonly #arena: Arena;
  readonly #mbufs: MbufView;
  readonly #pool: Mempool;
  readonly #counters: RxQueueCounters;
  #errors = 0;

  constructor(data: PortData, queue: number) {
    this.#port = portOf(data);
    this.#vq = this.#port.socket.device.vrings[rxVring(queue)];
    this.#arena = data.arena;
    this.#mbufs = new MbufView(data.arena);
    this.#pool = rxQueueMempool(data, queue);
    this.#counters = new RxQueueCounters(data, queue);
  }

  rxBurst(handles: Uint32Array, n: number, offset: number): number {
    const port = this.#port;
    const device = port.socket.device;
    if (!port.started || !device.running) return 0;
    const vq = this.#vq;
    // After a migration the frontend asks for a RARP announcement of the guest: it leads the
    // next burst of whichever queue polls first, as if the guest had sent it.
    let got = 0;
    if (device.rarpPending && n > 0 && this.#mbufs.allocBulk(this.#pool, handles, 1, offset) === 0) {
      device.rarpPending = false;
      writeRarpMbuf(this.#arena, handles[offset], device.rarpMac);
      got = 1;
    }
    if (got < n) got += vq.dequeueBurst(this.#arena, this.#mbufs, this.#pool, handles, n - got, offset + got);
    if (got > 0) this.#counters.received(handles, offset, got);
    const bad = vq.errors + vq.dropped;
    if (bad !== this.#errors) {
      this.#counters.errors(bad - this.#errors);
      this.#errors = bad;
    }
    return got;
  }
}

class VhostTxQueue implements TxQueue {
  readonly #port: VhostPort;
  readonly #vq: Virtqueue;
  readonly #arena: Arena;
  readonly #mbufs: MbufView;
  readonly #counters: TxQueueCounters;

  constructor(data: PortData, queue: number) {
    this.#port = portOf(data);
    this.#vq = this.#port.socket.device.vrings[txVring(queue)];
    this.#arena = data.arena;
    this.#mbufs = new MbufView(data.arena);
    this.#counters = new TxQueueCounters(data, queue);
  }

  txBurst(handles: Uint32Array, n: number, offset: number): number {
    const port = this.#port;
    if (!port.started || !port.socket.device.running) return 0;
    const sent = this.#vq.enqueueBurst(this.#arena, handles, n, offset);
    if (sent === 0) return 0;
    this.#counters.sent(handles, offset, sent);
    this.#mbufs.freeBulk(handles, sent, offset);
    return sent;
  }
}

/** The data-path half of net_vhost. */
export const netVhostEthdev: EthdevDriver = {
  name: NET_VHOST,
  rxQueue: (data, queue) => new VhostRxQueue(data, queue),
  txQueue: (data, queue) => new VhostTxQueue(data, queue),
};
