/**
 * The data path of net_null (DPDK's `eth_null_rx`, `eth_null_copy_rx`, `eth_null_no_rx`,
 * `eth_null_tx`, `eth_null_copy_tx`): rx allocates a burst of mbufs from the queue's
 * mempool and hands them out as packets of the configured size; tx counts and frees.
 */
import { MbufView, type Mempool } from '@nic/eal';
import { MBUF_DATA_LEN, MBUF_PKT_LEN } from '@nic/eal/layout';
import {
  rxQueueMempool,
  RxQueueCounters,
  TxQueueCounters,
  type EthdevDriver,
  type PortData,
  type RxQueue,
  type TxQueue,
} from '@nic/ethdev/driver';
import { NP_COPY, NP_NO_RX, NP_RX_PACKET, NP_SIZE, txSinkOffset } from './layout.js';

/** The driver name. */
export const NET_NULL = 'net_null';

function privWord(data: PortData, field: number): number {
  return data.arena.u32[(data.privOffset + field) >>> 2];
}

/**
 * An rx queue: one bulk allocation per burst. When the pool cannot give the whole burst,
 * nothing is received and the burst counts as allocation failures (`rx_nombuf`).
 */
class NullRxQueue implements RxQueue {
  readonly #pool: Mempool;
  readonly #mbufs: MbufView;
  readonly #counters: RxQueueCounters;
  readonly #u8: Uint8Array;
  readonly #u16: Uint16Array;
  readonly #u32: Uint32Array;
  readonly #size: number;
  /** Arena offset of the template packet, or -1 when rx does not copy. */
  readonly #template: number;

  constructor(data: PortData, queue: number) {
    const { arena } = data;
    this.#pool = rxQueueMempool(data, queue);
    this.#mbufs = new MbufView(arena);
    this.#counters = new RxQueueCounters(data, queue);
    this.#u8 = arena.u8;
    this.#u16 = arena.u16;
    this.#u32 = arena.u32;
    this.#size = privWord(data, NP_SIZE);
    this.#template = privWord(data, NP_COPY) === 1 ? data.privOffset + NP_RX_PACKET : -1;
  }

  rxBurst(handles: Uint32Array, n: number, offset: number): number {
    if (n === 0) return 0;
    if (this.#mbufs.allocBulk(this.#pool, handles, n, offset) !== 0) {
      this.#counters.nombuf(n);
      return 0;
    }
    const size = this.#size;
    const template = this.#template;
    // Fields into locals: V8 would reload each from the object in every iteration.
    const u16 = this.#u16;
    const u32 = this.#u32;
    for (let i = offset; i < offset + n; i++) {
      const h = handles[i];
      u16[(h + MBUF_DATA_LEN) >>> 1] = size;
      u32[(h + MBUF_PKT_LEN) >>> 2] = size;
      if (template >= 0) this.#u8.copyWithin(this.#mbufs.mtod(h), template, template + size);
    }
    this.#counters.received(handles, offset, n);
    return n;
  }
}

/** An rx queue of a `no-rx=1` port: never anything. */
class NoRxQueue implements RxQueue {
  rxBurst(): number {
    return 0;
  }
}

/** A tx queue: takes every packet, counts it, copies it out with `copy=1`, frees it. */
class NullTxQueue implements TxQueue {
  readonly #mbufs: MbufView;
  readonly #counters: TxQueueCounters;
  readonly #u8: Uint8Array;
  readonly #size: number;
  /** Arena offset of the sink area, or -1 when tx does not copy. */
  readonly #sink: number;

  constructor(data: PortData, queue: number) {
    this.#mbufs = new MbufView(data.arena);
    this.#counters = new TxQueueCounters(data, queue);
    this.#u8 = data.arena.u8;
    this.#size = privWord(data, NP_SIZE);
    this.#sink = privWord(data, NP_COPY) === 1 ? data.privOffset + txSinkOffset(this.#size) : -1;
  }

  txBurst(handles: Uint32Array, n: number, offset: number): number {
    this.#counters.sent(handles, offset, n);
    const sink = this.#sink;
    if (sink >= 0) {
      for (let i = offset; i < offset + n; i++) {
        const h = handles[i];
        const from = this.#mbufs.mtod(h);
        const len = Math.min(this.#size, this.#mbufs.dataLen(h));
        this.#u8.copyWithin(sink, from, from + len);
      }
    }
    this.#mbufs.freeBulk(handles, n, offset);
    return n;
  }
}

/** The data-path half of net_null, registered in every thread that imports @nic/pmd-null. */
export const netNullEthdev: EthdevDriver = {
  name: NET_NULL,
  rxQueue: (data, queue) => (privWord(data, NP_NO_RX) === 1 ? new NoRxQueue() : new NullRxQueue(data, queue)),
  txQueue: (data, queue) => new NullTxQueue(data, queue),
};
