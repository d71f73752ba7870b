/**
 * The receive path of igb and ixgbe over one rx queue's advanced descriptor ring.
 *
 * The device fills descriptors from RDH up to (not including) RDT and sets DD in each.
 * A burst counts the done descriptors from the queue's position (up to `n`), takes one
 * replacement mbuf per descriptor in a single bulk allocation, then the rx kernel
 * (`rx.wat`) swaps each filled mbuf for a replacement, re-arms the descriptor, chains
 * segments until EOP (frames longer than one buffer) and fills the head mbuf's fields
 * (lengths, port, RSS hash, VLAN tag, offload flags, packet type). Frames whose last
 * descriptor carries one of the family's frame errors are dropped and counted. RDT moves
 * once more than `free_thresh` descriptors are held, so there is one register write per few
 * bursts, not per packet. No allocation, no addon call. Replacements are raw pool objects,
 * as in DPDK: by the pool's invariant they are one direct segment with refcnt 1 and no
 * next segment.
 *
 * Ordering: a descriptor's status word is read before its other fields, and the other
 * fields only when DD is set (the scan comes first; x86 does not reorder loads with loads).
 * Descriptor stores precede the RDT store in program order, which x86 keeps for uncached
 * MMIO.
 */
import { ArenaViews, MbufView, wasmKernel, type Mempool } from '@nic/eal';
import { MBUF_BUF_IOVA_HI, MBUF_BUF_IOVA_LO, MBUF_HEADROOM } from '@nic/eal/layout';
import { rxQueueMempool, RxQueueCounters, type PortData, type RxQueue } from '@nic/ethdev/driver';
import type { PciRegisters } from '@nic/pci/driver';
import { DESC_SIZE, storeAddress } from './desc.js';
import { Q_NB_DESC, Q_NEXT, Q_RING, Q_TAIL_REG, RQ_BURST_BAD, RQ_BURST_BYTES, RQ_FREE_THRESH, RQ_FRESH, RQ_NB_HOLD, RQ_OUT } from './layout.js';
import { MAX_BURST } from './queues.js';
import rxKernel from './rx.wat';

/** Word offsets inside a descriptor. */
const W_ADDR_LO = 0;
const W_HDR_LO = 2;
const W_HDR_HI = 3;
/** Bytes of a handle. */
const SLOT_BYTES = 4;

/** The exports of `rx.wat`. */
interface RxKernel {
  /** Done descriptors of the ring at arena offset `ring` from `next` on, at most `n`. */
  scan(ring: number, next: number, nbDesc: number, n: number): number;
  /**
   * Takes `ready` done descriptors of the queue whose record is at arena offset `rec`,
   * writing the frames' handles at arena offset `out`; returns how many.
   */
  rx(rec: number, ready: number, out: number): number;
}

/**
 * Arms descriptor `index` of the ring at arena offset `ring` with mbuf `m`'s buffer (data
 * at the default headroom); clears the status so DD reads 0 until the device writes back.
 */
export function armRxDescriptor(a32: Uint32Array, ring: number, index: number, m: number): void {
  const w = (ring + index * DESC_SIZE) >>> 2;
  storeAddress(a32, w + W_ADDR_LO, a32[(m + MBUF_BUF_IOVA_LO) >>> 2], a32[(m + MBUF_BUF_IOVA_HI) >>> 2], MBUF_HEADROOM);
  a32[w + W_HDR_LO] = 0;
  a32[w + W_HDR_HI] = 0;
}

/** One thread's view of an rx queue. */
export class AdvRxQueue implements RxQueue {
  readonly #a32: Uint32Array;
  readonly #views: ArenaViews;
  readonly #regs: PciRegisters;
  readonly #pool: Mempool;
  readonly #mbufs: MbufView;
  readonly #counters: RxQueueCounters;
  /** Arena offset of the queue record. */
  readonly #recOffset: number;
  /** Word index of the queue record. */
  readonly #rec: number;
  readonly #ring: number;
  readonly #nbDesc: number;
  readonly #tailReg: number;
  /** Word index of the replacement mbufs of one burst. */
  readonly #fresh: number;
  /** Arena offset of the staging area for burst arrays outside the arena. */
  readonly #out: number;
  readonly #scan: RxKernel['scan'];
  readonly #rx: RxKernel['rx'];

  constructor(data: PortData, queue: number, record: number, regs: PciRegisters) {
    const arena = data.arena;
    this.#a32 = arena.u32;
    this.#views = new ArenaViews(arena.buffer);
    this.#regs = regs;
    this.#pool = rxQueueMempool(data, queue);
    this.#mbufs = new MbufView(arena);
    this.#counters = new RxQueueCounters(data, queue);
    this.#recOffset = record;
    this.#rec = record >>> 2;
    const a32 = this.#a32;
    this.#ring = a32[this.#rec + (Q_RING >>> 2)];
    this.#nbDesc = a32[this.#rec + (Q_NB_DESC >>> 2)];
    this.#tailReg = a32[this.#rec + (Q_TAIL_REG >>> 2)];
    this.#fresh = a32[this.#rec + (RQ_FRESH >>> 2)] >>> 2;
    this.#out = a32[this.#rec + (RQ_OUT >>> 2)];
    const kernel = wasmKernel<RxKernel>(rxKernel, arena);
    this.#scan = kernel.scan;
    this.#rx = kernel.rx;
  }

  rxBurst(handles: Uint32Array, n: number, offset: number): number {
    const a32 = this.#a32;
    const rec = this.#rec;
    const nbDesc = this.#nbDesc;
    const next = a32[rec + (Q_NEXT >>> 2)];
    const ready = this.#scan(this.#ring, next, nbDesc, n < MAX_BURST ? n : MAX_BURST);
    if (ready === 0) return 0;
    if (this.#pool.getBulk(a32, ready, this.#fresh) !== 0) {
      this.#counters.nombuf(ready);
      return 0;
    }
    const view = this.#views.offset(handles);
    const inPlace = view >= 0;
    const out = inPlace ? view + offset * SLOT_BYTES : this.#out;
    const got = this.#rx(this.#recOffset, ready, out);
    if (!inPlace) {
      const from = out >>> 2;
      for (let i = 0; i < got; i++) handles[offset + i] = a32[from + i];
    }
    const bad = a32[rec + (RQ_BURST_BAD >>> 2)];
    if (bad !== 0) this.#dropBad(bad);

    const hold = a32[rec + (RQ_NB_HOLD >>> 2)] + ready;
    if (hold > a32[rec + (RQ_FREE_THRESH >>> 2)]) {
      // The descriptor before `next` is the last one software owns: RDT never equals RDH.
      const at = a32[rec + (Q_NEXT >>> 2)];
      this.#regs.write32(this.#tailReg, at === 0 ? nbDesc - 1 : at - 1);
      a32[rec + (RQ_NB_HOLD >>> 2)] = 0;
    } else {
      a32[rec + (RQ_NB_HOLD >>> 2)] = hold;
    }
    if (got !== 0) this.#counters.add(got, a32[rec + (RQ_BURST_BYTES >>> 2)]);
    return got;
  }

  /** Frees the frames the kernel dropped for errors (their heads at the replacement area) and counts them. */
  #dropBad(bad: number): void {
    const a32 = this.#a32;
    for (let i = 0; i < bad; i++) this.#mbufs.free(a32[this.#fresh + i]);
    this.#counters.errors(bad);
  }
}
