/**
 * The receive path of net_e1000_igb over one rx queue's advanced descriptor ring.
 *
 * The device fills descriptors from RDH up to (not including) RDT and sets DD in each.
 * A burst counts the done descriptors from the queue's position (up to `n`), takes one
 * replacement mbuf per descriptor in a single bulk allocation, hands each filled mbuf out
 * and re-arms the descriptor with the replacement's buffer. Segments are chained until EOP
 * (frames longer than one buffer). RDT moves once more than `free_thresh` descriptors are
 * held, so there is one register write per few bursts, not per packet. No allocation, no
 * addon call. Replacements are raw pool objects, as in DPDK's igb: by the pool's invariant
 * they are one direct segment with refcnt 1, and a filled mbuf gets the rest of its fields
 * (data offset, lengths, port, flags, tags) when it is handed out.
 *
 * Ordering: a descriptor's status word is read before its other fields, and the other
 * fields only when DD is set (a control dependency, which V8 keeps; x86 does not reorder
 * loads with loads). Descriptor stores precede the RDT store in program order, which x86
 * keeps for uncached MMIO.
 */
import { MbufView, type Mempool } from '@nic/eal';
import {
  MBUF_BUF_IOVA_HI,
  MBUF_BUF_IOVA_LO,
  MBUF_DATA_LEN,
  MBUF_DATA_OFF,
  MBUF_F_RX_RSS_HASH,
  MBUF_F_RX_VLAN,
  MBUF_F_RX_VLAN_STRIPPED,
  MBUF_HEADROOM,
  MBUF_NB_SEGS,
  MBUF_NEXT,
  MBUF_OL_FLAGS_HI,
  MBUF_OL_FLAGS_LO,
  MBUF_PACKET_TYPE,
  MBUF_PKT_LEN,
  MBUF_PORT,
  MBUF_RSS_HASH,
  MBUF_VLAN_TCI,
  MBUF_VLAN_TCI_OUTER,
} from '@nic/eal/layout';
import { rxQueueMempool, RxQueueCounters, type PortData, type RxQueue } from '@nic/ethdev/driver';
import type { PciRegisters } from '@nic/pci/driver';
import {
  DESC_SIZE,
  RXD_PKT_INFO_RSS_TYPE_MASK,
  RXD_STAT_DD,
  RXD_STAT_EOP,
  RXD_STAT_VP,
  RXD_WB_LENGTH,
  RXD_WB_PKT_INFO,
  RXD_WB_RSS,
  RXD_WB_STATUS_ERROR,
  RXD_WB_VLAN,
  RXDEXT_ERR_FRAME,
  storeAddress,
} from './base/desc.js';
import { Q_NB_DESC, Q_NEXT, Q_RING, Q_SW_RING, Q_TAIL_REG, RQ_FREE_THRESH, RQ_NB_HOLD, RQ_PKT_FIRST, RQ_PKT_LAST } from './layout.js';

/** Word offsets inside a descriptor. */
const W_ADDR_LO = 0;
const W_HDR_LO = 2;
const W_HDR_HI = 3;

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
export class IgbRxQueue implements RxQueue {
  readonly #a16: Uint16Array;
  readonly #a32: Uint32Array;
  readonly #regs: PciRegisters;
  readonly #pool: Mempool;
  readonly #mbufs: MbufView;
  readonly #counters: RxQueueCounters;
  /** Word index of the queue record. */
  readonly #rec: number;
  readonly #ring: number;
  readonly #nbDesc: number;
  readonly #sw: number;
  readonly #tailReg: number;
  readonly #port: number;
  /** Replacement mbufs of one burst. */
  readonly #fresh: Uint32Array;

  constructor(data: PortData, queue: number, record: number, regs: PciRegisters) {
    const arena = data.arena;
    this.#a16 = arena.u16;
    this.#a32 = arena.u32;
    this.#regs = regs;
    this.#pool = rxQueueMempool(data, queue);
    this.#mbufs = new MbufView(arena);
    this.#counters = new RxQueueCounters(data, queue);
    this.#rec = record >>> 2;
    const a32 = this.#a32;
    this.#ring = a32[this.#rec + (Q_RING >>> 2)];
    this.#nbDesc = a32[this.#rec + (Q_NB_DESC >>> 2)];
    this.#sw = a32[this.#rec + (Q_SW_RING >>> 2)] >>> 2;
    this.#tailReg = a32[this.#rec + (Q_TAIL_REG >>> 2)];
    this.#port = data.port;
    this.#fresh = new Uint32Array(this.#nbDesc);
  }

  rxBurst(handles: Uint32Array, n: number, offset: number): number {
    const a32 = this.#a32;
    const rec = this.#rec;
    const ring = this.#ring;
    const nbDesc = this.#nbDesc;
    let next = a32[rec + (Q_NEXT >>> 2)];

    // Done descriptors from `next`, at most n.
    let ready = 0;
    for (let i = next; ready < n; ) {
      if ((a32[(ring + i * DESC_SIZE + RXD_WB_STATUS_ERROR) >>> 2] & RXD_STAT_DD) === 0) break;
      ready++;
      i = i + 1 === nbDesc ? 0 : i + 1;
    }
    if (ready === 0) return 0;
    const fresh = this.#fresh;
    if (this.#pool.getBulk(fresh, ready, 0) !== 0) {
      this.#counters.nombuf(ready);
      return 0;
    }

    const a16 = this.#a16;
    const sw = this.#sw;
    const port = this.#port;
    let first = a32[rec + (RQ_PKT_FIRST >>> 2)];
    let last = a32[rec + (RQ_PKT_LAST >>> 2)];
    let got = 0;
    let bytes = 0;
    let bad = 0;
    for (let k = 0; k < ready; k++) {
      const d = ring + next * DESC_SIZE;
      // Every write-back field is read before the descriptor is re-armed over them.
      const status = a32[(d + RXD_WB_STATUS_ERROR) >>> 2];
      const len = a16[(d + RXD_WB_LENGTH) >>> 1];
      const info = a32[(d + RXD_WB_PKT_INFO) >>> 2];
      const rss = a32[(d + RXD_WB_RSS) >>> 2];
      const vlan = a16[(d + RXD_WB_VLAN) >>> 1];
      const m = a32[sw + next];
      const nm = fresh[k];
      a32[sw + next] = nm;
      armRxDescriptor(a32, ring, next, nm);
      next = next + 1 === nbDesc ? 0 : next + 1;

      a16[(m + MBUF_DATA_OFF) >>> 1] = MBUF_HEADROOM;
      a16[(m + MBUF_DATA_LEN) >>> 1] = len;
      if (first === 0) {
        first = m;
        a32[(m + MBUF_PKT_LEN) >>> 2] = len;
      } else {
        a32[(last + MBUF_NEXT) >>> 2] = m;
        a32[(first + MBUF_PKT_LEN) >>> 2] += len;
        a16[(first + MBUF_NB_SEGS) >>> 1] += 1;
      }
      last = m;
      if ((status & RXD_STAT_EOP) === 0) continue;

      if ((status & RXDEXT_ERR_FRAME) !== 0) {
        this.#mbufs.free(first);
        bad++;
      } else {
        a16[(first + MBUF_PORT) >>> 1] = port;
        let flags = 0;
        if ((info & RXD_PKT_INFO_RSS_TYPE_MASK) !== 0) {
          a32[(first + MBUF_RSS_HASH) >>> 2] = rss;
          flags |= MBUF_F_RX_RSS_HASH;
        }
        const tagged = (status & RXD_STAT_VP) !== 0;
        if (tagged) flags |= MBUF_F_RX_VLAN | MBUF_F_RX_VLAN_STRIPPED;
        a16[(first + MBUF_VLAN_TCI) >>> 1] = tagged ? vlan : 0;
        a16[(first + MBUF_VLAN_TCI_OUTER) >>> 1] = 0;
        a32[(first + MBUF_OL_FLAGS_LO) >>> 2] = flags;
        a32[(first + MBUF_OL_FLAGS_HI) >>> 2] = 0;
        a32[(first + MBUF_PACKET_TYPE) >>> 2] = 0;
        bytes += a32[(first + MBUF_PKT_LEN) >>> 2];
        handles[offset + got] = first;
        got++;
      }
      first = 0;
      last = 0;
    }
    a32[rec + (Q_NEXT >>> 2)] = next;
    a32[rec + (RQ_PKT_FIRST >>> 2)] = first;
    a32[rec + (RQ_PKT_LAST >>> 2)] = last;

    const hold = a32[rec + (RQ_NB_HOLD >>> 2)] + ready;
    if (hold > a32[rec + (RQ_FREE_THRESH >>> 2)]) {
      // The descriptor before `next` is the last one software owns: RDT never equals RDH.
      this.#regs.write32(this.#tailReg, next === 0 ? nbDesc - 1 : next - 1);
      a32[rec + (RQ_NB_HOLD >>> 2)] = 0;
    } else {
      a32[rec + (RQ_NB_HOLD >>> 2)] = hold;
    }
    if (bad !== 0) this.#counters.errors(bad);
    if (got !== 0) this.#counters.add(got, bytes);
    return got;
  }
}
