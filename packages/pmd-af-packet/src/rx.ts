/**
 * The receive path of net_af_packet: a walk over the TPACKET_V3 rx ring of the queue's
 * socket. The kernel fills blocks in ring order and hands each over whole
 * (`TP_STATUS_USER`); a burst takes packets from the block at the queue's position
 * onwards, copies each into a fresh mbuf and gives a block back (`TP_STATUS_KERNEL`) once
 * all its packets are taken. Blocks and the position are shared memory, so any lcore may
 * poll the queue. No addon call, no allocation.
 *
 * Ordering: the block status is read with `Atomics.load` before the block's packets and
 * written with `Atomics.store` after them: one atomic each way per block, not per packet.
 */
import { MbufView, type Arena, type Mempool } from '@nic/eal';
import { MBUF_BUF_ADDR, MBUF_BUF_LEN, MBUF_DATA_LEN, MBUF_DATA_OFF, MBUF_HEADROOM, MBUF_PKT_LEN } from '@nic/eal/layout';
import { rxQueueMempool, RxQueueCounters, type PortData, type RxQueue } from '@nic/ethdev/driver';
import {
  BD_BLOCK_STATUS,
  BD_NUM_PKTS,
  BD_OFFSET_TO_FIRST_PKT,
  TP3_LEN,
  TP3_MAC,
  TP3_NEXT_OFFSET,
  TP3_SNAPLEN,
  TP3_STATUS,
  TP3_VLAN_TCI,
  TP3_VLAN_TPID,
  TP_STATUS_KERNEL,
  TP_STATUS_USER,
  TP_STATUS_VLAN_TPID_VALID,
  TP_STATUS_VLAN_VALID,
} from '@nic/native';
import { copyBytes, type ByteViews } from './copy.js';
import { QP_RX_BLOCK, QP_RX_NEXT, QP_RX_TAKEN } from './layout.js';
import type { QpairRing } from './ring.js';

/** Bytes of the two MAC addresses, after which a VLAN tag goes. */
const MAC_ADDRS_LEN = 12;
/** Bytes of a VLAN tag (TPID and TCI). */
export const VLAN_TAG_LEN = 4;
/** TPID of a tag the kernel did not report one for (IEEE 802.1Q). */
const ETHER_TYPE_VLAN = 0x8100;
/** Bits of the VLAN TCI in `TP3_VLAN_TCI`. */
const VLAN_TCI_MASK = 0xffff;
/** Alignment the copy works best with (words). */
const WORD_MASK = 3;

/**
 * Gives every block the kernel has handed over back to it, from the queue's position on,
 * and resets the position: what arrived while the port was stopped is dropped. Control
 * thread, port stopped.
 */
export function flushRx(ring: QpairRing, arenaU32: Uint32Array): void {
  const { u32, blockSize, blockCount } = ring;
  const state = ring.record >>> 2;
  let block = arenaU32[state + (QP_RX_BLOCK >>> 2)];
  for (let seen = 0; seen < blockCount; seen++) {
    const status = (block * blockSize + BD_BLOCK_STATUS) >>> 2;
    if ((Atomics.load(u32, status) & TP_STATUS_USER) === 0) break;
    Atomics.store(u32, status, TP_STATUS_KERNEL);
    block = block + 1 === blockCount ? 0 : block + 1;
  }
  arenaU32[state + (QP_RX_BLOCK >>> 2)] = block;
  arenaU32[state + (QP_RX_TAKEN >>> 2)] = 0;
  arenaU32[state + (QP_RX_NEXT >>> 2)] = 0;
}

/** One thread's view of an rx queue. */
export class AfPacketRxQueue implements RxQueue {
  readonly #ring: QpairRing;
  readonly #arena: ByteViews;
  readonly #a16: Uint16Array;
  readonly #a32: Uint32Array;
  readonly #pool: Mempool;
  readonly #mbufs: MbufView;
  readonly #counters: RxQueueCounters;
  /** Word index in the arena of the queue pair's `QP_RX_BLOCK`. */
  readonly #state: number;

  constructor(data: PortData, queue: number, ring: QpairRing) {
    const arena: Arena = data.arena;
    this.#ring = ring;
    this.#arena = arena;
    this.#a16 = arena.u16;
    this.#a32 = arena.u32;
    this.#pool = rxQueueMempool(data, queue);
    this.#mbufs = new MbufView(arena);
    this.#counters = new RxQueueCounters(data, queue);
    this.#state = (ring.record + QP_RX_BLOCK) >>> 2;
  }

  rxBurst(handles: Uint32Array, n: number, offset: number): number {
    if (n === 0) return 0;
    const u32 = this.#ring.u32;
    const { blockSize, blockCount } = this.#ring;
    const a32 = this.#a32;
    const state = this.#state;
    let block = a32[state];
    let taken = a32[state + ((QP_RX_TAKEN - QP_RX_BLOCK) >>> 2)];
    let next = a32[state + ((QP_RX_NEXT - QP_RX_BLOCK) >>> 2)];

    // How many packets are ready, up to n: one status load per block.
    let ready = 0;
    for (let seen = 0, b = block, t = taken; seen < blockCount && ready < n; seen++) {
      const base = b * blockSize;
      if ((Atomics.load(u32, (base + BD_BLOCK_STATUS) >>> 2) & TP_STATUS_USER) === 0) break;
      ready += u32[(base + BD_NUM_PKTS) >>> 2] - t;
      t = 0;
      b = b + 1 === blockCount ? 0 : b + 1;
    }
    if (ready === 0) return 0;
    const want = ready < n ? ready : n;
    // One bulk allocation per burst. Without mbufs the packets are dropped (taken from the
    // ring all the same, so that it keeps flowing) and counted as allocation failures.
    const haveMbufs = this.#mbufs.allocBulk(this.#pool, handles, want, offset) === 0;
    if (!haveMbufs) this.#counters.nombuf(want);

    let got = 0;
    let bad = 0;
    for (let i = 0; i < want; ) {
      const base = block * blockSize;
      const count = u32[(base + BD_NUM_PKTS) >>> 2];
      if (taken < count) {
        if (taken === 0) next = u32[(base + BD_OFFSET_TO_FIRST_PKT) >>> 2];
        const header = base + next;
        if (haveMbufs) {
          if (this.#deliver(header, handles[offset + got])) got++;
          else bad++;
        }
        next += u32[(header + TP3_NEXT_OFFSET) >>> 2];
        taken++;
        i++;
      }
      if (taken >= count) {
        Atomics.store(u32, (base + BD_BLOCK_STATUS) >>> 2, TP_STATUS_KERNEL);
        block = block + 1 === blockCount ? 0 : block + 1;
        taken = 0;
        next = 0;
      }
    }
    a32[state] = block;
    a32[state + ((QP_RX_TAKEN - QP_RX_BLOCK) >>> 2)] = taken;
    a32[state + ((QP_RX_NEXT - QP_RX_BLOCK) >>> 2)] = next;

    if (bad !== 0) {
      this.#mbufs.freeBulk(handles, bad, offset + got);
      this.#counters.errors(bad);
    }
    if (got !== 0) this.#counters.received(handles, offset, got);
    return got;
  }

  /**
   * Copies the packet whose header is at ring offset `header` into mbuf `h`. A VLAN tag the
   * kernel took out of the frame goes back in, since the port does not strip tags. The data
   * starts up to 3 bytes before the default headroom so that it shares the ring copy's word
   * alignment. Returns false for a packet the ring cut short or the mbuf cannot hold.
   */
  #deliver(header: number, h: number): boolean {
    const ring = this.#ring;
    const r32 = ring.u32;
    const a16 = this.#a16;
    const a32 = this.#a32;
    const len = r32[(header + TP3_LEN) >>> 2];
    if (r32[(header + TP3_SNAPLEN) >>> 2] !== len) return false;
    const status = r32[(header + TP3_STATUS) >>> 2];
    const tagged = (status & TP_STATUS_VLAN_VALID) !== 0;
    const total = tagged ? len + VLAN_TAG_LEN : len;
    const src = header + ring.u16[(header + TP3_MAC) >>> 1];
    const buf = a32[(h + MBUF_BUF_ADDR) >>> 2];
    const dataOff = MBUF_HEADROOM - ((buf + MBUF_HEADROOM - src) & WORD_MASK);
    if (dataOff + total > a16[(h + MBUF_BUF_LEN) >>> 1]) return false;
    const dst = buf + dataOff;
    const arena = this.#arena;
    if (tagged) {
      copyBytes(arena, dst, ring, src, MAC_ADDRS_LEN);
      const tpid = (status & TP_STATUS_VLAN_TPID_VALID) !== 0 ? ring.u16[(header + TP3_VLAN_TPID) >>> 1] : ETHER_TYPE_VLAN;
      const tci = r32[(header + TP3_VLAN_TCI) >>> 2] & VLAN_TCI_MASK;
      const u8 = arena.u8;
      const tag = dst + MAC_ADDRS_LEN;
      u8[tag] = tpid >>> 8;
      u8[tag + 1] = tpid & 0xff;
      u8[tag + 2] = tci >>> 8;
      u8[tag + 3] = tci & 0xff;
      copyBytes(arena, tag + VLAN_TAG_LEN, ring, src + MAC_ADDRS_LEN, len - MAC_ADDRS_LEN);
    } else {
      copyBytes(arena, dst, ring, src, len);
    }
    a16[(h + MBUF_DATA_OFF) >>> 1] = dataOff;
    a16[(h + MBUF_DATA_LEN) >>> 1] = total;
    a32[(h + MBUF_PKT_LEN) >>> 2] = total;
    return true;
  }
}
