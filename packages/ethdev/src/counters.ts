/**
 * The software queue counters, as a driver's queue view updates them: thin per-thread
 * objects over one queue block of the shared port data. The thread polling a queue is its
 * counters' only writer, so plain stores suffice; the stats calls read them from any
 * thread.
 */
import { MBUF_PKT_LEN, MBUF_PORT } from '@nic/eal/layout';
import { add64, QB_BYTES, QB_ERRORS, QB_MISSED, QB_NOMBUF, QB_PACKETS, type PortData } from './shared.js';

/** The counters of one rx queue, for its driver's queue view. */
export class RxQueueCounters {
  readonly #u32: Uint32Array;
  readonly #u16: Uint16Array;
  readonly #packets: number;
  readonly #bytes: number;
  readonly #errors: number;
  readonly #nombuf: number;
  readonly #missed: number;
  readonly #port: number;

  constructor(data: PortData, queue: number) {
    const block = data.rxBlock(queue);
    this.#u32 = data.arena.u32;
    this.#u16 = data.arena.u16;
    this.#packets = (block + QB_PACKETS) >>> 2;
    this.#bytes = (block + QB_BYTES) >>> 2;
    this.#errors = (block + QB_ERRORS) >>> 2;
    this.#nombuf = (block + QB_NOMBUF) >>> 2;
    this.#missed = (block + QB_MISSED) >>> 2;
    this.#port = data.port;
  }

  /**
   * Accounts `count` packets received into `handles[offset ..]`: stamps each mbuf with the
   * port id (as every DPDK rx path does) and adds their `pktLen` to the byte counter.
   */
  received(handles: Uint32Array, offset: number, count: number): void {
    const u32 = this.#u32;
    const u16 = this.#u16;
    const port = this.#port;
    let bytes = 0;
    for (let i = offset; i < offset + count; i++) {
      const h = handles[i];
      u16[(h + MBUF_PORT) >>> 1] = port;
      bytes += u32[(h + MBUF_PKT_LEN) >>> 2];
    }
    this.add(count, bytes);
  }

  /**
   * Accounts `packets` packets of `bytes` bytes in all (below 2^32: one burst), for a driver
   * that stamps the port id and sums the lengths in its own receive loop (one pass, not two).
   */
  add(packets: number, bytes: number): void {
    add64(this.#u32, this.#packets, packets);
    add64(this.#u32, this.#bytes, bytes);
  }

  /** Accounts `count` mbuf allocation failures (`rx_nombuf`). */
  nombuf(count: number): void {
    add64(this.#u32, this.#nombuf, count);
  }

  /** Accounts `count` erroneous packets dropped (`q_errors`, `ierrors`). */
  errors(count: number): void {
    add64(this.#u32, this.#errors, count);
  }

  /** Accounts `count` packets dropped for want of room (`imissed`). */
  missed(count: number): void {
    add64(this.#u32, this.#missed, count);
  }
}

/** Sum of the `pktLen` of the packets `handles[offset .. offset + count)`. Allocates nothing. */
export function burstBytes(u32: Uint32Array, handles: Uint32Array, offset: number, count: number): number {
  let bytes = 0;
  for (let i = offset; i < offset + count; i++) bytes += u32[(handles[i] + MBUF_PKT_LEN) >>> 2];
  return bytes;
}

/** The counters of one tx queue, for its driver's queue view. */
export class TxQueueCounters {
  readonly #u32: Uint32Array;
  readonly #packets: number;
  readonly #bytes: number;
  readonly #errors: number;

  constructor(data: PortData, queue: number) {
    const block = data.txBlock(queue);
    this.#u32 = data.arena.u32;
    this.#packets = (block + QB_PACKETS) >>> 2;
    this.#bytes = (block + QB_BYTES) >>> 2;
    this.#errors = (block + QB_ERRORS) >>> 2;
  }

  /**
   * Accounts `count` packets taken from `handles[offset ..]`, their bytes read from
   * `pktLen`: call it while the packets are still the driver's (before freeing them or
   * handing them to another thread), or use {@link add}.
   */
  sent(handles: Uint32Array, offset: number, count: number): void {
    this.add(count, burstBytes(this.#u32, handles, offset, count));
  }

  /** Accounts `packets` packets of `bytes` bytes in all. */
  add(packets: number, bytes: number): void {
    add64(this.#u32, this.#packets, packets);
    add64(this.#u32, this.#bytes, bytes);
  }

  /** Accounts `count` packets the driver took but could not send (`oerrors`). */
  errors(count: number): void {
    add64(this.#u32, this.#errors, count);
  }
}
