/**
 * The receive path of net_tap: each rx queue keeps a stash of allocated mbufs in shared
 * memory; a burst tops the stash up (one bulk allocation), reads up to that many frames from
 * the queue fd straight into the mbufs' buffers with ONE addon call (`tapReadBurst`), and
 * hands out the filled mbufs. Without mbufs, waiting frames are read into a scratch buffer
 * and dropped, counted as allocation failures, so the kernel's queue keeps moving.
 */
import { MbufView, type Arena, type Mempool } from '@nic/eal';
import { MBUF_BUF_ADDR, MBUF_BUF_LEN, MBUF_DATA_LEN, MBUF_HEADROOM, MBUF_PKT_LEN } from '@nic/eal/layout';
import { rxQueueMempool, RxQueueCounters, type PortData, type RxQueue } from '@nic/ethdev/driver';
import { tapReadBurst } from '@nic/native';
import { queueOffset, RX_STASH_SIZE, TQ_FD, TQ_STASH, TQ_STASH_COUNT } from './layout.js';

/** Bytes of the buffer frames are dropped into (only their length matters). */
const DROP_BUFFER_SIZE = 64;

/** Returns the mbufs in the stash of queue `queue` to their pool (control thread, port stopped). */
export function drainStash(arena: Arena, mbufs: MbufView, privOffset: number, queue: number): void {
  const record = queueOffset(privOffset, queue);
  const countWord = (record + TQ_STASH_COUNT) >>> 2;
  mbufs.freeBulk(arena.u32, arena.u32[countWord], (record + TQ_STASH) >>> 2);
  arena.u32[countWord] = 0;
}

/** One thread's view of an rx queue. */
export class TapRxQueue implements RxQueue {
  readonly #fd: number;
  readonly #u8: Uint8Array;
  readonly #a16: Uint16Array;
  readonly #a32: Uint32Array;
  readonly #pool: Mempool;
  readonly #mbufs: MbufView;
  readonly #counters: RxQueueCounters;
  /** Word index of the stash count; the stash follows at {@link TapRxQueue.#stash}. */
  readonly #count: number;
  readonly #stash: number;
  readonly #offsets = new Uint32Array(RX_STASH_SIZE);
  readonly #maxLens = new Uint32Array(RX_STASH_SIZE);
  readonly #lens = new Uint32Array(RX_STASH_SIZE);
  readonly #drop = new Uint8Array(DROP_BUFFER_SIZE);
  readonly #dropOffsets = new Uint32Array(RX_STASH_SIZE);
  readonly #dropLens = new Uint32Array(RX_STASH_SIZE).fill(DROP_BUFFER_SIZE);

  constructor(data: PortData, queue: number) {
    const { arena } = data;
    const record = queueOffset(data.privOffset, queue);
    this.#fd = arena.u32[(record + TQ_FD) >>> 2];
    this.#u8 = arena.u8;
    this.#a16 = arena.u16;
    this.#a32 = arena.u32;
    this.#pool = rxQueueMempool(data, queue);
    this.#mbufs = new MbufView(arena);
    this.#counters = new RxQueueCounters(data, queue);
    this.#count = (record + TQ_STASH_COUNT) >>> 2;
    this.#stash = (record + TQ_STASH) >>> 2;
  }

  rxBurst(handles: Uint32Array, n: number, offset: number): number {
    if (n === 0) return 0;
    const a16 = this.#a16;
    const a32 = this.#a32;
    const stash = this.#stash;
    const want = n < RX_STASH_SIZE ? n : RX_STASH_SIZE;
    let count = a32[this.#count];
    if (count < want && this.#mbufs.allocBulk(this.#pool, a32, want - count, stash + count) === 0) {
      count = want;
      a32[this.#count] = count;
    }
    if (count === 0) return this.#dropWaiting(want);

    // Frame i goes into the i-th mbuf from the top of the stash.
    const k = count < want ? count : want;
    const offsets = this.#offsets;
    const maxLens = this.#maxLens;
    for (let i = 0; i < k; i++) {
      const h = a32[stash + count - 1 - i];
      offsets[i] = a32[(h + MBUF_BUF_ADDR) >>> 2] + MBUF_HEADROOM;
      maxLens[i] = a16[(h + MBUF_BUF_LEN) >>> 1] - MBUF_HEADROOM;
    }
    const got = tapReadBurst(this.#fd, this.#u8, offsets, maxLens, this.#lens, k);
    if (got <= 0) return 0;

    const lens = this.#lens;
    let received = 0;
    let cut = 0;
    for (let i = 0; i < got; i++) {
      const h = a32[stash + count - 1 - i];
      const len = lens[i];
      if (len > maxLens[i]) {
        // Cut short: dropped, and its mbuf goes back to the stash (noted in `offsets`, read already).
        offsets[cut++] = h;
        continue;
      }
      a16[(h + MBUF_DATA_LEN) >>> 1] = len;
      a32[(h + MBUF_PKT_LEN) >>> 2] = len;
      handles[offset + received++] = h;
    }
    let kept = count - got;
    for (let i = 0; i < cut; i++) a32[stash + kept++] = offsets[i];
    a32[this.#count] = kept;
    if (cut !== 0) this.#counters.errors(cut);
    if (received !== 0) this.#counters.received(handles, offset, received);
    return received;
  }

  /** Reads up to `n` waiting frames into the scratch buffer and counts them as allocation failures. */
  #dropWaiting(n: number): number {
    const got = tapReadBurst(this.#fd, this.#drop, this.#dropOffsets, this.#dropLens, this.#lens, n);
    if (got > 0) this.#counters.nombuf(got);
    return 0;
  }
}
