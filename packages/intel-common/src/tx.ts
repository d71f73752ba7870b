/**
 * The transmit path of igb and ixgbe over one tx queue's advanced descriptor ring.
 *
 * A burst writes one data descriptor per segment and one TDT store at the end. Report
 * Status is coalesced: RS goes on a packet's last descriptor once at least `rs_thresh`
 * descriptors were filled since the previous RS, and the RS descriptors are remembered in
 * a FIFO. Reclaiming checks DD on the oldest of them: when it is set, every descriptor up
 * to it is done, and it goes on to the next only while the burst still needs room, so the
 * packets go back to their pools about one RS interval per bulk free (see `popDone`). The
 * software ring keeps a packet's head mbuf at its last descriptor (0 elsewhere), so a
 * chain is freed once, whole. The ring never fills completely (one descriptor stays free),
 * so TDT never catches up with TDH. This is DPDK's ixgbe scheme (`tx_rs_thresh`, DD checked
 * on the RS descriptors only), which its igb lacks (RS on every packet). No allocation, no
 * addon call.
 *
 * With `MBUF_FAST_FREE` the application promises one-segment packets from one pool with
 * refcnt 1 (DPDK's contract), and the queue takes a shorter path, as DPDK's "simple" tx
 * paths do: one descriptor per packet without reading the chain, written by a WebAssembly
 * kernel (`tx-fill.wat`, see `wasmKernel` in @nic/eal), and reclaiming hands the
 * software-ring slice straight back to the pool, with no per-mbuf checks.
 *
 * Ordering: descriptor stores precede the TDT store in program order, which x86 keeps for
 * uncached MMIO; DD is read before the software ring entries it releases.
 */
import { ArenaViews, MbufView, wasmKernel } from '@nic/eal';
import { MBUF_BUF_IOVA_HI, MBUF_BUF_IOVA_LO, MBUF_DATA_LEN, MBUF_DATA_OFF, MBUF_NB_SEGS, MBUF_NEXT, MBUF_PKT_LEN } from '@nic/eal/layout';
import { TxQueueCounters, type PortData, type TxQueue } from '@nic/ethdev/driver';
import type { PciRegisters } from '@nic/pci/driver';
import {
  DESC_SIZE,
  TXD_ADDR_LO,
  TXD_CMD_TYPE_LEN,
  TXD_DCMD_DEXT,
  TXD_DCMD_EOP,
  TXD_DCMD_IFCS,
  TXD_DCMD_RS,
  TXD_DTYP_DATA,
  TXD_OLINFO_STATUS,
  TXD_PAYLEN_SHIFT,
  TXD_STAT_DD,
  storeAddress,
} from './desc.js';
import {
  Q_NB_DESC,
  Q_NEXT,
  Q_RING,
  Q_SW_RING,
  Q_TAIL_REG,
  TQ_FLAGS,
  TQ_LAST_CLEANED,
  TQ_NB_FREE,
  TQ_RS_COUNT,
  TQ_RS_FIFO,
  TQ_RS_HEAD,
  TQ_RS_THRESH,
  TQ_SINCE_RS,
  TQ_STAGING,
  TQF_FAST_FREE,
} from './layout.js';
import fillKernel from './tx-fill.wat';

/** Command bits of every data descriptor. */
const DATA_CMD = TXD_DTYP_DATA | TXD_DCMD_DEXT | TXD_DCMD_IFCS;
/** Bytes of a software-ring slot or a handle. */
const SLOT_BYTES = 4;
/** What `popDone` returns when no RS descriptor is done. */
const NONE_DONE = -1;

/** The exports of `tx-fill.wat`. */
interface FillKernel {
  /**
   * Writes a one-descriptor packet for each of the `n` handles at arena offset `handles`
   * into the descriptors from arena offset `desc` on, and the handles into the software-ring
   * slots from `sw` on; returns the sum of their data lengths.
   */
  fill(handles: number, n: number, desc: number, sw: number): number;
}

/** One thread's view of a tx queue. */
export class AdvTxQueue implements TxQueue {
  readonly #a16: Uint16Array;
  readonly #a32: Uint32Array;
  readonly #regs: PciRegisters;
  readonly #mbufs: MbufView;
  readonly #counters: TxQueueCounters;
  readonly #rec: number;
  readonly #ring: number;
  readonly #nbDesc: number;
  readonly #sw: number;
  readonly #fifo: number;
  readonly #tailReg: number;
  readonly #fastFree: boolean;
  /** Packets reclaimed by one clean. */
  readonly #done: Uint32Array;
  readonly #views: ArenaViews;
  readonly #fill: FillKernel['fill'];
  /** Arena offset of the staging area for handles from outside the arena. */
  readonly #staging: number;

  constructor(data: PortData, record: number, regs: PciRegisters, queue: number) {
    const arena = data.arena;
    this.#a16 = arena.u16;
    this.#a32 = arena.u32;
    this.#regs = regs;
    this.#mbufs = new MbufView(arena);
    this.#counters = new TxQueueCounters(data, queue);
    this.#rec = record >>> 2;
    const a32 = this.#a32;
    this.#ring = a32[this.#rec + (Q_RING >>> 2)];
    this.#nbDesc = a32[this.#rec + (Q_NB_DESC >>> 2)];
    this.#sw = a32[this.#rec + (Q_SW_RING >>> 2)] >>> 2;
    this.#fifo = a32[this.#rec + (TQ_RS_FIFO >>> 2)] >>> 2;
    this.#tailReg = a32[this.#rec + (Q_TAIL_REG >>> 2)];
    this.#fastFree = (a32[this.#rec + (TQ_FLAGS >>> 2)] & TQF_FAST_FREE) !== 0;
    this.#done = new Uint32Array(this.#nbDesc);
    this.#views = new ArenaViews(arena.buffer);
    this.#fill = wasmKernel<FillKernel>(fillKernel, arena).fill;
    this.#staging = a32[this.#rec + (TQ_STAGING >>> 2)];
  }

  txBurst(handles: Uint32Array, n: number, offset: number): number {
    if (this.#fastFree) return this.#burstSingle(handles, n, offset);
    const a16 = this.#a16;
    const a32 = this.#a32;
    const rec = this.#rec;
    const ring = this.#ring;
    const nbDesc = this.#nbDesc;
    const sw = this.#sw;
    const rsThresh = a32[rec + (TQ_RS_THRESH >>> 2)];
    let free = a32[rec + (TQ_NB_FREE >>> 2)];
    if (free < rsThresh) free = this.#clean(free, rsThresh);
    let tail = a32[rec + (Q_NEXT >>> 2)];
    let sinceRs = a32[rec + (TQ_SINCE_RS >>> 2)];
    let sent = 0;
    let bytes = 0;
    for (; sent < n; sent++) {
      const pkt = handles[offset + sent];
      const segs = a16[(pkt + MBUF_NB_SEGS) >>> 1];
      if (segs > free) {
        free = this.#clean(free, segs > rsThresh ? segs : rsThresh);
        if (segs > free) break;
      }
      const pktLen = a32[(pkt + MBUF_PKT_LEN) >>> 2];
      const payload = (pktLen << TXD_PAYLEN_SHIFT) >>> 0;
      bytes += pktLen;
      sinceRs += segs;
      const rs = sinceRs >= rsThresh;
      let seg = pkt;
      for (let s = 1; s <= segs; s++) {
        const w = (ring + tail * DESC_SIZE) >>> 2;
        let cmd = DATA_CMD | a16[(seg + MBUF_DATA_LEN) >>> 1];
        if (s === segs) {
          cmd |= TXD_DCMD_EOP;
          if (rs) cmd |= TXD_DCMD_RS;
          a32[sw + tail] = pkt;
        } else {
          a32[sw + tail] = 0;
        }
        storeAddress(a32, w + (TXD_ADDR_LO >>> 2), a32[(seg + MBUF_BUF_IOVA_LO) >>> 2], a32[(seg + MBUF_BUF_IOVA_HI) >>> 2], a16[(seg + MBUF_DATA_OFF) >>> 1]);
        a32[w + (TXD_CMD_TYPE_LEN >>> 2)] = cmd;
        a32[w + (TXD_OLINFO_STATUS >>> 2)] = payload;
        if (s === segs && rs) this.#pushRs(tail);
        tail = tail + 1 === nbDesc ? 0 : tail + 1;
        seg = a32[(seg + MBUF_NEXT) >>> 2];
      }
      if (rs) sinceRs = 0;
      free -= segs;
    }
    if (sent === 0) return 0;
    a32[rec + (Q_NEXT >>> 2)] = tail;
    a32[rec + (TQ_NB_FREE >>> 2)] = free;
    a32[rec + (TQ_SINCE_RS >>> 2)] = sinceRs;
    this.#regs.write32(this.#tailReg, tail);
    this.#counters.add(sent, bytes);
    return sent;
  }

  /**
   * The fast-free burst: one descriptor per packet, written by the fill kernel in at most two
   * stretches (to the ring's end, then on from its start), then RS on the descriptors where
   * the count since the last RS reaches the threshold. The kernel reads the handles from the
   * arena: a burst array that is a view of the arena is read where it is; any other is copied
   * to the queue's staging area first.
   */
  #burstSingle(handles: Uint32Array, n: number, offset: number): number {
    const a32 = this.#a32;
    const rec = this.#rec;
    const ring = this.#ring;
    const nbDesc = this.#nbDesc;
    const rsThresh = a32[rec + (TQ_RS_THRESH >>> 2)];
    let free = a32[rec + (TQ_NB_FREE >>> 2)];
    if (free < rsThresh || free < n) free = this.#cleanSlices(free, n > rsThresh ? n : rsThresh);
    const count = n < free ? n : free;
    if (count === 0) return 0;
    let at: number;
    const view = this.#views.offset(handles);
    if (view >= 0) {
      at = view + offset * SLOT_BYTES;
    } else {
      at = this.#staging;
      const to = at >>> 2;
      for (let i = 0; i < count; i++) a32[to + i] = handles[offset + i];
    }
    const start = a32[rec + (Q_NEXT >>> 2)];
    const swBytes = this.#sw << 2;
    const first = count < nbDesc - start ? count : nbDesc - start;
    let bytes = this.#fill(at, first, ring + start * DESC_SIZE, swBytes + start * SLOT_BYTES);
    if (first < count) bytes += this.#fill(at + first * SLOT_BYTES, count - first, ring, swBytes);
    const tail = (start + count) % nbDesc;
    // RS on packet k of the burst (k from 0) when the count since the last RS reaches the threshold there.
    const sinceRs = a32[rec + (TQ_SINCE_RS >>> 2)];
    let k = sinceRs < rsThresh ? rsThresh - sinceRs - 1 : 0;
    for (; k < count; k += rsThresh) {
      const index = (start + k) % nbDesc;
      a32[(ring + index * DESC_SIZE + TXD_CMD_TYPE_LEN) >>> 2] |= TXD_DCMD_RS;
      this.#pushRs(index);
    }
    a32[rec + (Q_NEXT >>> 2)] = tail;
    a32[rec + (TQ_NB_FREE >>> 2)] = free - count;
    a32[rec + (TQ_SINCE_RS >>> 2)] = count - (k - rsThresh) - 1;
    this.#regs.write32(this.#tailReg, tail);
    this.#counters.add(count, bytes);
    return count;
  }

  #pushRs(index: number): void {
    const a32 = this.#a32;
    const rec = this.#rec;
    const nbDesc = this.#nbDesc;
    const count = a32[rec + (TQ_RS_COUNT >>> 2)];
    let slot = a32[rec + (TQ_RS_HEAD >>> 2)] + count;
    if (slot >= nbDesc) slot -= nbDesc;
    a32[this.#fifo + slot] = index;
    a32[rec + (TQ_RS_COUNT >>> 2)] = count + 1;
  }

  /**
   * Pops RS descriptors the device has finished off the FIFO, oldest first, until the
   * descriptors they finish bring `free` to `need` or an unfinished one comes up. Returns
   * the newest popped, or {@link NONE_DONE}. Reclaiming no more than needed keeps each
   * bulk free near one RS interval, which the pool's per-lcore cache absorbs: freeing every
   * finished descriptor at once (most of the ring) overflowed the cache into the pool's
   * ring, and the packets after it came from the far end of the pool, cold in every cache.
   */
  #popDone(free: number, need: number): number {
    const a32 = this.#a32;
    const rec = this.#rec;
    const ring = this.#ring;
    const nbDesc = this.#nbDesc;
    const fifo = this.#fifo;
    let count = a32[rec + (TQ_RS_COUNT >>> 2)];
    let head = a32[rec + (TQ_RS_HEAD >>> 2)];
    let cleaned = a32[rec + (TQ_LAST_CLEANED >>> 2)];
    let upTo = NONE_DONE;
    while (count > 0 && free < need) {
      const rs = a32[fifo + head];
      if ((a32[(ring + rs * DESC_SIZE + TXD_OLINFO_STATUS) >>> 2] & TXD_STAT_DD) === 0) break;
      free += rs >= cleaned ? rs - cleaned : rs + nbDesc - cleaned;
      cleaned = rs;
      upTo = rs;
      head = head + 1 === nbDesc ? 0 : head + 1;
      count--;
    }
    a32[rec + (TQ_RS_COUNT >>> 2)] = count;
    a32[rec + (TQ_RS_HEAD >>> 2)] = head;
    return upTo;
  }

  /**
   * Reclaims finished descriptors, whole RS intervals, until `free` (the caller's free
   * count) reaches `need` or nothing more is finished; returns it updated.
   */
  #clean(free: number, need: number): number {
    const upTo = this.#popDone(free, need);
    if (upTo === NONE_DONE) return free;
    const a32 = this.#a32;
    const rec = this.#rec;
    const nbDesc = this.#nbDesc;
    const sw = this.#sw;
    const done = this.#done;
    let packets = 0;
    let i = a32[rec + (TQ_LAST_CLEANED >>> 2)];
    do {
      i = i + 1 === nbDesc ? 0 : i + 1;
      const m = a32[sw + i];
      if (m !== 0) {
        done[packets++] = m;
        a32[sw + i] = 0;
      }
      free++;
    } while (i !== upTo);
    if (packets !== 0) this.#mbufs.freeBulk(done, packets, 0);
    a32[rec + (TQ_LAST_CLEANED >>> 2)] = upTo;
    a32[rec + (TQ_NB_FREE >>> 2)] = free;
    return free;
  }

  /** {@link AdvTxQueue.#clean} under fast free: the finished slice of the software ring goes back to the pool as it is. */
  #cleanSlices(free: number, need: number): number {
    const upTo = this.#popDone(free, need);
    if (upTo === NONE_DONE) return free;
    const a32 = this.#a32;
    const rec = this.#rec;
    const nbDesc = this.#nbDesc;
    const cleaned = a32[rec + (TQ_LAST_CLEANED >>> 2)];
    const from = cleaned + 1 === nbDesc ? 0 : cleaned + 1;
    const count = upTo >= cleaned ? upTo - cleaned : upTo + nbDesc - cleaned;
    const first = from + count <= nbDesc ? count : nbDesc - from;
    this.#release(this.#sw + from, first);
    if (first < count) this.#release(this.#sw, count - first);
    a32[rec + (TQ_LAST_CLEANED >>> 2)] = upTo;
    a32[rec + (TQ_NB_FREE >>> 2)] = free + count;
    return free + count;
  }

  /** Puts the `count` mbufs at arena word `at` back into their (common) pool. */
  #release(at: number, count: number): void {
    this.#mbufs.pool(this.#a32[at]).putBulk(this.#a32, count, at);
  }
}
