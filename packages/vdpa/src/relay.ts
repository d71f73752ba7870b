/**
 * The used-ring relay of software-assisted live migration (DPDK's
 * `rte_vdpa_relay_vring_used`): while the frontend's memory is logged, a device writes its
 * used entries into a mediated used ring of the driver's; the relay copies each new entry
 * into the frontend's used ring, marks dirty every device-writable buffer of the chain the
 * entry returns (the device wrote there by DMA, unseen by the log), publishes the used index
 * and marks the used ring dirty. A chain that leaves the descriptor table or loops, and a
 * device that reports more new entries than the ring holds, are `NIC_EIO`.
 */
import { attach, NicError } from '@nic/native';
import type { VdpaVhostDevice } from './vhost-device.js';

const DESC_SIZE = 16;
const DESC_LEN = 8;
const DESC_FLAGS = 12;
const DESC_NEXT = 14;
const VRING_DESC_F_NEXT = 1;
const VRING_DESC_F_WRITE = 2;
const VRING_DESC_F_INDIRECT = 4;
const USED_IDX = 2;
const USED_RING = 4;
const USED_ELEM_SIZE = 8;
const USED_EVENT_SIZE = 2;
const INDEX_MASK = 0xffff;
const LOG_PAGE_SHIFT = 12;
const PAGE_BITS_PER_BYTE = 8;
const TWO_POW_32 = 2 ** 32;

/** Bytes of a split used ring of `size` entries (flags, idx, the entries, avail_event). */
export function usedRingBytes(size: number): number {
  return USED_RING + USED_ELEM_SIZE * size + USED_EVENT_SIZE;
}

interface Region {
  readonly gpa: number;
  readonly size: number;
  readonly view: DataView;
}

/** The relay of one vring, built when the switch to the mediated ring is made. */
export class UsedRingRelay {
  readonly #vhost: VdpaVhostDevice;
  readonly #qid: number;
  readonly #size: number;
  readonly #regions: Region[];
  readonly #desc: DataView;
  readonly #used: DataView;
  readonly #usedIdx: Uint16Array;
  readonly #mediated: DataView;
  readonly #mediatedIdx: Uint16Array;
  readonly #log: Uint8Array | undefined;
  readonly #name: string;
  /** The region and offset {@link #find} located. */
  #region: Region | undefined;
  #offset = 0;
  /** Entries relayed since creation. */
  relayed = 0;

  /**
   * Relays vring `qid` of `vhost` from the mediated used ring at `mediatedUsed` (an address
   * of this process, {@link usedRingBytes} of the vring's size), named `name` in errors.
   */
  constructor(vhost: VdpaVhostDevice, qid: number, mediatedUsed: number, name: string) {
    this.#vhost = vhost;
    this.#qid = qid;
    this.#name = name;
    const vring = vhost.vring(qid);
    this.#size = vring.size;
    this.#regions = vhost.memTable().map((r) => ({ gpa: r.guestPhysAddr, size: r.size, view: new DataView(attach(r.hostUserAddr, r.size)) }));
    const hostView = (hva: number, bytes: number): DataView => {
      const r = vhost.memTable().find((m) => hva >= m.hostUserAddr && hva + bytes <= m.hostUserAddr + m.size);
      if (!r) throw new NicError('NIC_EINVAL', `${name}: vring ${qid} lies outside the frontend's memory table`);
      return new DataView(attach(hva, bytes));
    };
    this.#desc = hostView(vring.desc, DESC_SIZE * this.#size);
    this.#used = hostView(vring.used, usedRingBytes(this.#size));
    this.#usedIdx = new Uint16Array(this.#used.buffer, this.#used.byteOffset, 2);
    this.#mediated = new DataView(attach(mediatedUsed, usedRingBytes(this.#size)));
    this.#mediatedIdx = new Uint16Array(this.#mediated.buffer, this.#mediated.byteOffset, 2);
    const log = vhost.logArea();
    this.#log = log ? new Uint8Array(attach(log.address, log.size)) : undefined;
  }

  /** Copies the device's new used entries to the frontend, logging what they wrote; returns how many. */
  relay(): number {
    const deviceIdx = Atomics.load(this.#mediatedIdx, USED_IDX / 2);
    const frontendIdx = Atomics.load(this.#usedIdx, USED_IDX / 2);
    const n = (deviceIdx - frontendIdx) & INDEX_MASK;
    if (n === 0) return 0;
    if (n > this.#size) throw new NicError('NIC_EIO', `${this.#name}: vring ${this.#qid}: the device reports ${n} new used entries, the ring holds ${this.#size}`);
    for (let k = 0; k < n; k++) {
      const at = USED_RING + USED_ELEM_SIZE * ((frontendIdx + k) % this.#size);
      const id = this.#mediated.getUint32(at, true);
      const len = this.#mediated.getUint32(at + 4, true);
      this.#used.setUint32(at, id, true);
      this.#used.setUint32(at + 4, len, true);
      if (this.#log) this.#logChain(id);
    }
    // The entries before the index (x86 keeps stores in order; the Atomics store is also a fence).
    Atomics.store(this.#usedIdx, USED_IDX / 2, deviceIdx);
    this.#vhost.logUsedVring(this.#qid, 0, usedRingBytes(this.#size));
    this.relayed += n;
    return n;
  }

  /** Marks dirty every device-writable buffer of the chain from descriptor `head`. */
  #logChain(head: number): void {
    let table = this.#desc;
    let entries = this.#size;
    let index = head;
    let indirect = false;
    for (let steps = 0; ; steps++) {
      if (index >= entries || steps >= entries) this.#badChain(head, index >= entries ? `descriptor ${index} past a table of ${entries}` : 'a loop');
      const d = DESC_SIZE * index;
      const addr = table.getUint32(d, true) + table.getUint32(d + 4, true) * TWO_POW_32;
      const len = table.getUint32(d + DESC_LEN, true);
      const flags = table.getUint16(d + DESC_FLAGS, true);
      if ((flags & VRING_DESC_F_INDIRECT) !== 0 && !indirect) {
        if (len % DESC_SIZE !== 0 || len === 0 || !this.#find(addr, len)) this.#badChain(head, `an indirect table of ${len} bytes at 0x${addr.toString(16)}`);
        const region = this.#region as Region;
        table = new DataView(region.view.buffer, region.view.byteOffset + this.#offset, len);
        entries = len / DESC_SIZE;
        index = 0;
        indirect = true;
        steps = -1;
        continue;
      }
      if ((flags & VRING_DESC_F_WRITE) !== 0) this.#logRange(addr, len);
      if ((flags & VRING_DESC_F_NEXT) === 0) return;
      index = table.getUint16(d + DESC_NEXT, true);
    }
  }

  #badChain(head: number, what: string): never {
    throw new NicError('NIC_EIO', `${this.#name}: vring ${this.#qid}: the used chain from descriptor ${head} has ${what}`);
  }

  /** Locates guest range `[gpa, gpa + len)` in one region; false when no region holds it all. */
  #find(gpa: number, len: number): boolean {
    for (const r of this.#regions) {
      if (gpa >= r.gpa && gpa + len <= r.gpa + r.size) {
        this.#region = r;
        this.#offset = gpa - r.gpa;
        return true;
      }
    }
    return false;
  }

  /** Marks the pages of guest range `[gpa, gpa + len)`; a page past the log's end is skipped. */
  #logRange(gpa: number, len: number): void {
    const log = this.#log as Uint8Array;
    if (len === 0) return;
    const last = Math.floor((gpa + len - 1) / 2 ** LOG_PAGE_SHIFT);
    for (let page = Math.floor(gpa / 2 ** LOG_PAGE_SHIFT); page <= last; page++) {
      const byte = Math.floor(page / PAGE_BITS_PER_BYTE);
      if (byte >= log.length) return;
      Atomics.or(log, byte, 1 << page % PAGE_BITS_PER_BYTE);
    }
  }
}
