/**
 * The transmit path of net_tap: the packets of a burst are written to the queue fd, one
 * frame each, with ONE addon call (`tapWriteBurst`) straight from the mbufs' buffers, then
 * freed. A frame the kernel refuses (shorter than an Ethernet header, or the interface
 * down) is freed and counted in `oerrors`, as is a multi-segment packet, which this port
 * does not send (it does not advertise `MULTI_SEGS`).
 */
import { MbufView } from '@nic/eal';
import { MBUF_BUF_ADDR, MBUF_DATA_LEN, MBUF_DATA_OFF, MBUF_NB_SEGS } from '@nic/eal/layout';
import { TxQueueCounters, type PortData, type TxQueue } from '@nic/ethdev/driver';
import { tapWriteBurst } from '@nic/native';
import { queueOffset, TQ_FD, TX_BURST_MAX } from './layout.js';

/** One thread's view of a tx queue. */
export class TapTxQueue implements TxQueue {
  readonly #fd: number;
  readonly #u8: Uint8Array;
  readonly #a16: Uint16Array;
  readonly #a32: Uint32Array;
  readonly #mbufs: MbufView;
  readonly #counters: TxQueueCounters;
  readonly #offsets = new Uint32Array(TX_BURST_MAX);
  readonly #lens = new Uint32Array(TX_BURST_MAX);
  readonly #results = new Int32Array(TX_BURST_MAX);
  /** Burst index of each frame handed to the kernel. */
  readonly #positions = new Uint32Array(TX_BURST_MAX);

  constructor(data: PortData, queue: number) {
    const { arena } = data;
    this.#fd = arena.u32[(queueOffset(data.privOffset, queue) + TQ_FD) >>> 2];
    this.#u8 = arena.u8;
    this.#a16 = arena.u16;
    this.#a32 = arena.u32;
    this.#mbufs = new MbufView(arena);
    this.#counters = new TxQueueCounters(data, queue);
  }

  txBurst(handles: Uint32Array, n: number, offset: number): number {
    const m = n < TX_BURST_MAX ? n : TX_BURST_MAX;
    if (m === 0) return 0;
    const a16 = this.#a16;
    const a32 = this.#a32;
    const offsets = this.#offsets;
    const lens = this.#lens;
    const positions = this.#positions;
    let frames = 0;
    for (let i = 0; i < m; i++) {
      const h = handles[offset + i];
      if (a16[(h + MBUF_NB_SEGS) >>> 1] !== 1) continue;
      offsets[frames] = a32[(h + MBUF_BUF_ADDR) >>> 2] + a16[(h + MBUF_DATA_OFF) >>> 1];
      lens[frames] = a16[(h + MBUF_DATA_LEN) >>> 1];
      positions[frames] = i;
      frames++;
    }
    const consumed = frames === 0 ? 0 : tapWriteBurst(this.#fd, this.#u8, offsets, lens, frames, this.#results);
    // Packets up to the first frame the kernel did not take (its queue was full) are done with.
    const taken = consumed === frames ? m : positions[consumed];
    const results = this.#results;
    let sent = 0;
    let bytes = 0;
    for (let j = 0; j < consumed; j++) {
      if (results[j] >= 0) {
        sent++;
        bytes += lens[j];
      }
    }
    this.#counters.add(sent, bytes);
    if (taken !== sent) this.#counters.errors(taken - sent);
    this.#mbufs.freeBulk(handles, taken, offset);
    return taken;
  }
}
