/**
 * A packed ring laid out in a test guest region, with the driver's half written here: it
 * makes chains available (the head's flags last, as a driver does), reads used descriptors
 * with its own wrap counters (with IN_ORDER, a used descriptor stands for every chain posted
 * up to its buffer id), and sets its event suppression area.
 */
import type { SharedWasmMemory } from '@nic/eal';
import { closeFd, mapFd, type MemoryMapping } from '@nic/native';
import { GuestMemory } from '../guest-memory.js';
import { DESC_F_AVAIL, DESC_F_USED, DESC_SIZE, Virtqueue, type VringFeatures } from '../virtqueue.js';
import { GPA_BASE, UVA_BASE, guestFile } from './guest.js';

/** A descriptor as the driver posts it. */
export interface PackedDesc {
  readonly addr: number;
  readonly len: number;
  readonly flags: number;
}

/** Region offsets of the packed ring's parts; buffers start at {@link PACKED_BUFFERS_OFF}. */
export const PACKED_DESC_OFF = 0;
export const PACKED_BUFFERS_OFF = 0x10000;

export class GuestPackedRing {
  readonly size: number;
  readonly num: number;
  readonly path: string;
  readonly mem: GuestMemory;
  readonly vq: Virtqueue;
  readonly front: MemoryMapping;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  /** Region offsets of the driver's and the device's event suppression areas. */
  readonly driverOff: number;
  readonly deviceOff: number;
  #availIdx = 0;
  #availWrap = 1;
  #usedIdx = 0;
  #usedWrap = 1;
  /** Descriptors in the ring of each posted buffer id. */
  readonly #chainLen = new Map<number, number>();
  readonly #inOrder: boolean;
  /** With IN_ORDER: buffer ids posted and not yet used, oldest first, and chains used but not yet taken. */
  readonly #posted: number[] = [];
  readonly #pending: { id: number; len: number }[] = [];
  /** Used descriptors read (with IN_ORDER the device may write one for several chains). */
  usedDescriptors = 0;

  /** `memory`: map the region as a window of it (the arena's), so that bursts run the kernel. */
  constructor(num = 8, size = 1 << 20, features: Partial<VringFeatures> = {}, memory?: SharedWasmMemory) {
    this.size = size;
    this.num = num;
    const { path, fds } = guestFile(size);
    this.path = path;
    this.mem = new GuestMemory([{ guestPhysAddr: GPA_BASE, size, userspaceAddr: UVA_BASE, mmapOffset: 0 }], [fds[0]], memory);
    this.front = mapFd(fds[1], { length: size, writable: true });
    closeFd(fds[1]);
    this.u8 = new Uint8Array(this.front.buffer);
    this.dv = new DataView(this.front.buffer);
    this.driverOff = (PACKED_DESC_OFF + num * DESC_SIZE + 15) & ~15;
    this.deviceOff = this.driverOff + 16;
    this.vq = new Virtqueue(1);
    this.vq.num = num;
    this.vq.lastAvail = this.vq.lastUsed = 0x8000; // index 0, wrap counters 1
    this.vq.setAddresses({ desc: UVA_BASE + PACKED_DESC_OFF, avail: UVA_BASE + this.driverOff, used: UVA_BASE + this.deviceOff, flags: 0, log: 0 });
    const error = this.vq.map(this.mem, { hdrSize: 12, mrgRxbuf: true, eventIdx: false, indirect: true, packed: true, ...features });
    if (error) throw new Error(error);
    this.vq.enabled = true;
    this.#inOrder = features.inOrder === true;
  }

  /** The driver's next avail position: {index, wrap counter}. */
  get availPosition(): { index: number; wrap: number } {
    return { index: this.#availIdx, wrap: this.#availWrap };
  }

  /** Writes descriptor `i` of the ring (or of a table at region offset `table`). */
  desc(i: number, addr: number, len: number, id: number, flags: number, table = PACKED_DESC_OFF): void {
    const o = table + i * DESC_SIZE;
    this.dv.setBigUint64(o, BigInt(addr), true);
    this.dv.setUint32(o + 8, len, true);
    this.dv.setUint16(o + 12, id, true);
    this.dv.setUint16(o + 14, flags, true);
  }

  /** The avail/used bits that make a descriptor available in the current pass. */
  #availBits(wrap: number): number {
    return wrap === 1 ? DESC_F_AVAIL : DESC_F_USED;
  }

  /**
   * Makes `chain` available as buffer `id` at the driver's position, the head's flags
   * written last; the flags given are NEXT/WRITE/INDIRECT (NEXT is added between them
   * unless `rawNext`). Returns the head's ring index.
   */
  post(chain: readonly PackedDesc[], id: number, rawNext = false): number {
    const head = this.#availIdx;
    let headFlags = 0;
    for (let k = 0; k < chain.length; k++) {
      const d = chain[k];
      const next = !rawNext && k < chain.length - 1 ? 1 : 0;
      const flags = d.flags | next | this.#availBits(this.#availWrap);
      if (k === 0) {
        // Flags 0 are never available: the head's own are stored last, below.
        this.desc(this.#availIdx, d.addr, d.len, id, 0);
        headFlags = flags;
      } else this.desc(this.#availIdx, d.addr, d.len, id, flags);
      if (++this.#availIdx === this.num) {
        this.#availIdx = 0;
        this.#availWrap ^= 1;
      }
    }
    this.#chainLen.set(id, chain.length);
    if (this.#inOrder) this.#posted.push(id);
    Atomics.store(new Uint16Array(this.front.buffer, PACKED_DESC_OFF + head * DESC_SIZE + 14, 1), 0, headFlags);
    return head;
  }

  /** The next used descriptor, or undefined; the driver's used position moves past its chain. */
  takeUsed(): { id: number; len: number } | undefined {
    const pending = this.#pending.shift();
    if (pending !== undefined) return pending;
    const o = PACKED_DESC_OFF + this.#usedIdx * DESC_SIZE;
    const flags = this.dv.getUint16(o + 14, true);
    const avail = (flags >> 7) & 1;
    const used = flags >> 15;
    if (avail !== used || used !== this.#usedWrap) return undefined;
    const id = this.dv.getUint16(o + 12, true);
    const len = this.dv.getUint32(o + 8, true);
    this.usedDescriptors++;
    if (!this.#inOrder) {
      this.#skip(id);
      return { id, len };
    }
    // Every chain posted up to buffer `id`'s is used; only the last one's length is written.
    for (;;) {
      const first = this.#posted.shift();
      if (first === undefined) throw new Error(`used buffer id ${id} was not posted`);
      this.#skip(first);
      this.#pending.push({ id: first, len: first === id ? len : 0 });
      if (first === id) return this.#pending.shift();
    }
  }

  /** Moves the driver's used position past buffer `id`'s chain. */
  #skip(id: number): void {
    this.#usedIdx += this.#chainLen.get(id) ?? 1;
    if (this.#usedIdx >= this.num) {
      this.#usedIdx -= this.num;
      this.#usedWrap ^= 1;
    }
  }

  /** Every used descriptor now there. */
  takeAllUsed(): { id: number; len: number }[] {
    const all: { id: number; len: number }[] = [];
    for (let u = this.takeUsed(); u !== undefined; u = this.takeUsed()) all.push(u);
    return all;
  }

  /** Sets the driver's event suppression area: when the device should call. */
  driverEvent(flags: number, offWrap = 0): void {
    this.dv.setUint16(this.driverOff, offWrap, true);
    this.dv.setUint16(this.driverOff + 2, flags, true);
  }

  /** The device's event suppression area: {offWrap, flags}. */
  deviceEvent(): { offWrap: number; flags: number } {
    return { offWrap: this.dv.getUint16(this.deviceOff, true), flags: this.dv.getUint16(this.deviceOff + 2, true) };
  }

  /** Zeroes the region and starts the ring over on both sides. */
  reset(): void {
    this.u8.fill(0);
    this.#availIdx = this.#usedIdx = 0;
    this.#availWrap = this.#usedWrap = 1;
    this.#chainLen.clear();
    this.#posted.length = 0;
    this.#pending.length = 0;
    this.usedDescriptors = 0;
    this.vq.lastAvail = this.vq.lastUsed = 0x8000;
    this.vq.clearCounters();
  }

  close(): void {
    this.mem.unmap();
    this.front.unmap();
  }
}
