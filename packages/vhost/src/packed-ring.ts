/**
 * The packed virtqueue format (virtio 1.1, VIRTIO_F_RING_PACKED): one ring of 16-byte
 * descriptors {u64 addr, u32 len, u16 id, u16 flags} that the driver makes available and the
 * device marks used in place, plus two event suppression areas {u16 off_wrap, u16 flags}: the
 * driver's (SET_VRING_ADDR's avail address), which says when to call it, and the device's
 * (the used address), which says when the driver should kick.
 *
 * A descriptor is available when its AVAIL bit equals the device's avail wrap counter and its
 * USED bit does not; a chain runs over consecutive descriptors (wrapping at the ring's end,
 * which flips the counter) while NEXT is set, and its buffer id is the last descriptor's. The
 * device writes one used descriptor per chain, {id, len, AVAIL = USED = used wrap counter},
 * at its used position, then moves that position on by the chain's length in descriptors.
 * An indirect descriptor points at a table of `len / 16` descriptors read in order.
 *
 * Checks, as the split ring's: a chain longer than the ring, a next descriptor that was not
 * made available, a buffer or table outside guest memory, a descriptor of the wrong direction
 * (a device-readable one in a receive chain; in a transmit chain, a writable one in the ring,
 * though not in an indirect table, where DPDK's virtio PMD leaves them so),
 * a nested indirect table, one with NEXT, or one whose length is 0, not a multiple of 16 or
 * more than the ring's size make the chain malformed: it goes back used with length 0 and is
 * counted in errors. Positions from SET_VRING_BASE past the ring stop the ring (no burst runs).
 *
 * A burst takes at most the ring's size in descriptors: a driver owns the descriptor ring and
 * could make descriptors the burst took available again for the next pass while it runs (a
 * guest buffer may even lie over the ring, so the device's own copies do it), and a burst
 * going on past a pass would outgrow the shadow list below and write used descriptors over
 * ones not yet written. The chain that would pass the limit ends the burst, not taken (its
 * packet left for the next burst).
 *
 * Used descriptors of a burst are kept in a shadow list (so a packet that cannot be placed
 * yet leaves the ring untouched) and written at the burst's end, the first one's flags last
 * with a sequentially consistent store, so the driver sees the whole burst at once. With
 * VIRTIO_F_IN_ORDER a guest-to-host burst is written as one used descriptor, the last
 * chain's buffer id at the used position, which then moves past every chain of the burst
 * (the driver takes the chains before it as used: virtio 1.1, "In-order"; DPDK's vhost does
 * the same). So the backend writes one line of the descriptor ring a burst, not every one.
 *
 * When the guest's regions are windows of the arena's WebAssembly memory, a burst runs the
 * usual packets through the kernel of `packed-ring.wat` ({@link PackedKernel}), whose record
 * then holds the shadow list, and only those it leaves (indirect descriptors, chained mbufs,
 * malformed or too small chains, a header over several buffers) through the TypeScript walk
 * here, one packet at a time; the kernel writes the list back too.
 */
import { eventfdWrite } from '@nic/native';
import type { Arena, MbufView, Mempool } from '@nic/eal';
import type { GuestMemory } from './guest-memory.js';
import { PackedKernel, P_TAKEN, P_USED_COUNT } from './packed-kernel.js';
import type { PacketCopy } from './packet-copy.js';
import { KERNEL_SLOTS, K_DESC, K_HDR, K_LAST_AVAIL, K_LAST_USED, K_LOG, K_LOG_SIZE, K_MRG, K_NUM, K_SLOTS } from './split-kernel.js';
import { V_CALL_FD, V_DROPPED, V_ERRORS } from './shared-state.js';
import { DESC_F_INDIRECT, DESC_F_NEXT, DESC_F_WRITE, DESC_SIZE, type RingFormat, type VringAddresses, type VringFeatures } from './ring-format.js';

/** Packed descriptor flags: the driver's avail bit and the device's used bit. */
export const DESC_F_AVAIL = 1 << 7;
export const DESC_F_USED = 1 << 15;
/** Bit 15 of a position {index, wrap counter} (SET/GET_VRING_BASE, off_wrap). */
export const WRAP_BIT = 0x8000;
/** Event suppression area: u16 off_wrap, u16 flags. */
export const EVENT_AREA_SIZE = 4;
export const RING_EVENT_FLAGS_ENABLE = 0;
export const RING_EVENT_FLAGS_DISABLE = 1;
/** Notify at the position in off_wrap (only with EVENT_IDX). */
export const RING_EVENT_FLAGS_DESC = 2;

export class PackedRing implements RingFormat {
  readonly #copy: PacketCopy;
  readonly #v32: Int32Array;
  #num = 0;
  #d32: Uint32Array = new Uint32Array(0);
  #d16: Uint16Array = new Uint16Array(0);
  /** u16 index of descriptor 0's first half-word. */
  #descH = 0;
  #descGpa = 0;
  /** The descriptor ring's address in the arena's WebAssembly memory (regions in windows). */
  #descAt = 0;
  #mem: GuestMemory | undefined;
  #drv16: Uint16Array = new Uint16Array(0);
  #drvH = 0;
  #dev16: Uint16Array = new Uint16Array(0);
  #devH = 0;
  #devGpa = 0;
  #mrg = false;
  #eventIdx = false;
  #indirect = false;
  #inOrder = false;
  usedLog = -1;
  // Positions: next descriptor to consume and its wrap counter; next used slot and its counter.
  #ai = 0;
  #aw = 1;
  #ui = 0;
  #uw = 1;
  // Used descriptors of the burst, not yet written, two words each: buffer id | descriptors
  // in the chain << 16, length. The kernel's record holds them while a burst runs it.
  #own: Uint32Array = new Uint32Array(0);
  #shadow: Uint32Array = new Uint32Array(0);
  #ns = 0;
  /** Descriptors the burst has taken (at most {@link PackedRing.#num}). */
  #taken = 0;
  // The kernel: this thread's record, whether it must be rewritten, and the burst's use of it.
  #kernel: PackedKernel | undefined;
  #kernelStale = true;
  #k: PackedKernel | undefined;
  /** Packets the kernel moved on this thread, both ways. */
  kernelPackets = 0;
  // The chain last walked: its buffer id and length in ring descriptors.
  #id = 0;
  #count = 0;

  constructor(copy: PacketCopy, v32: Int32Array) {
    this.#copy = copy;
    this.#v32 = v32;
  }

  get la(): number {
    return this.#ai | (this.#aw << 15);
  }
  get lu(): number {
    return this.#ui | (this.#uw << 15);
  }

  map(mem: GuestMemory, a: VringAddresses, num: number, index: number, negotiated: VringFeatures): string | undefined {
    const desc = mem.uva(a.desc, num * DESC_SIZE);
    const descRegion = mem.region;
    if (desc < 0 || desc % DESC_SIZE !== 0 || mem.u32[descRegion].length === 0) {
      return `vring ${index}: packed descriptor ring at 0x${a.desc.toString(16)} (${num} entries) is not inside guest memory, 16-byte aligned`;
    }
    const drv = mem.uva(a.avail, EVENT_AREA_SIZE);
    const drvRegion = mem.region;
    if (drv < 0 || drv % 4 !== 0 || mem.u16[drvRegion].length === 0) return `vring ${index}: driver event area at 0x${a.avail.toString(16)} is not inside guest memory, 4-byte aligned`;
    const dev = mem.uva(a.used, EVENT_AREA_SIZE);
    const devRegion = mem.region;
    if (dev < 0 || dev % 4 !== 0 || mem.u16[devRegion].length === 0) return `vring ${index}: device event area at 0x${a.used.toString(16)} is not inside guest memory, 4-byte aligned`;
    this.#d32 = mem.u32[descRegion];
    this.#d16 = mem.u16[descRegion];
    this.#descH = desc >>> 1;
    this.#descGpa = mem.regions[descRegion].guestPhysAddr + desc;
    this.#drv16 = mem.u16[drvRegion];
    this.#drvH = drv >>> 1;
    this.#dev16 = mem.u16[devRegion];
    this.#devH = dev >>> 1;
    this.#devGpa = mem.regions[devRegion].guestPhysAddr + dev;
    this.#mrg = negotiated.mrgRxbuf;
    this.#eventIdx = negotiated.eventIdx;
    this.#indirect = negotiated.indirect;
    this.#inOrder = negotiated.inOrder === true;
    if (this.#num !== num) this.#own = new Uint32Array(2 * num);
    this.#shadow = this.#own;
    this.#num = num;
    this.#mem = mem;
    const windows = mem.windowAddresses;
    if (windows.length > 0) this.#descAt = windows[descRegion] + desc;
    this.#kernelStale = true;
    return undefined;
  }

  /**
   * Whether the burst that follows runs the kernel (`on`: the regions, and the log when
   * logging, are windows of `arena`'s memory); takes this thread's record the first time (and
   * a larger one for a larger ring).
   */
  prepare(arena: Arena, on: boolean): void {
    if (!on) {
      this.#k = undefined;
      this.#shadow = this.#own;
      return;
    }
    let k = this.#kernel;
    if (k === undefined || k.memory !== arena.wasm.memory || k.capacity < this.#num) {
      k = this.#kernel = new PackedKernel(arena, this.#num);
      this.#kernelStale = true;
    }
    if (this.#kernelStale) {
      const mem = this.#mem!;
      const i32 = k.i32;
      i32[K_NUM >>> 2] = this.#num;
      i32[K_HDR >>> 2] = this.#copy.hdr;
      i32[K_MRG >>> 2] = this.#mrg ? 1 : 0;
      i32[K_DESC >>> 2] = this.#descAt;
      k.setDescGpa(this.#descGpa);
      k.setRegions(
        mem.regions.map((r) => r.guestPhysAddr),
        mem.regions.map((r) => r.size),
        mem.windowAddresses,
      );
      this.#kernelStale = false;
    }
    const log = this.#copy.log;
    k.i32[K_LOG >>> 2] = log.on ? log.window : 0;
    k.i32[K_LOG_SIZE >>> 2] = log.bytes.length;
    this.#k = k;
    this.#shadow = k.used;
  }

  begin(lastAvail: number, lastUsed: number): boolean {
    this.#ai = lastAvail & 0x7fff;
    this.#aw = (lastAvail >>> 15) & 1;
    this.#ui = lastUsed & 0x7fff;
    this.#uw = (lastUsed >>> 15) & 1;
    this.#ns = 0;
    this.#taken = 0;
    return this.#ai < this.#num && this.#ui < this.#num;
  }

  logUsed(offset: number, length: number): void {
    const log = this.#copy.log;
    if (log.on && length > 0) log.mark(this.#descGpa + offset, length);
  }

  setNotification(on: boolean, lastAvail: number): void {
    const dev = this.#dev16;
    const h = this.#devH;
    // The flags' store is sequentially consistent: the caller's re-check of the ring after
    // arming cannot be ordered before it (see SplitRing.setNotification).
    if (!on) Atomics.store(dev, h + 1, RING_EVENT_FLAGS_DISABLE);
    else if (this.#eventIdx) {
      dev[h] = lastAvail & 0xffff;
      Atomics.store(dev, h + 1, RING_EVENT_FLAGS_DESC);
    } else Atomics.store(dev, h + 1, RING_EVENT_FLAGS_ENABLE);
    const log = this.#copy.log;
    if (log.on) log.mark(this.#devGpa, EVENT_AREA_SIZE);
  }

  availCount(lastAvail: number): number {
    let i = lastAvail & 0x7fff;
    let w = (lastAvail >>> 15) & 1;
    let k = 0;
    if (i >= this.#num) return 0;
    while (k < this.#num && this.#available(Atomics.load(this.#d16, this.#descH + i * 8 + 7), w)) {
      k++;
      if (++i === this.#num) {
        i = 0;
        w ^= 1;
      }
    }
    return k;
  }

  /** Whether descriptor flags `flags` mean available in a pass of wrap counter `w`. */
  #available(flags: number, w: number): boolean {
    return ((flags >>> 7) & 1) === w && flags >>> 15 !== w;
  }

  /** Chains (at most `n`) available from the consume position; 1 for a chain without end. */
  #countChains(n: number): number {
    const d16 = this.#d16;
    const num = this.#num;
    let i = this.#ai;
    let w = this.#aw;
    let chains = 0;
    let k = 0;
    for (; k < num && chains < n; k++) {
      const flags = k === 0 ? Atomics.load(d16, this.#descH + i * 8 + 7) : d16[this.#descH + i * 8 + 7];
      if (!this.#available(flags, w)) break;
      if ((flags & DESC_F_NEXT) === 0) chains++;
      if (++i === num) {
        i = 0;
        w ^= 1;
      }
    }
    return chains === 0 && k > 0 ? 1 : chains;
  }

  /** Moves the consume position past the chain last walked, recording its used descriptor. */
  #consume(len: number): void {
    const s = this.#ns++;
    this.#shadow[2 * s] = this.#id | (this.#count << 16);
    this.#shadow[2 * s + 1] = len;
    this.#taken += this.#count;
    this.#ai += this.#count;
    if (this.#ai >= this.#num) {
      this.#ai -= this.#num;
      this.#aw ^= 1;
    }
  }

  dequeue(mem: GuestMemory, mbufs: MbufView, pool: Mempool, out: Uint32Array, n: number, offset: number): number {
    // An empty ring (most polls): one load.
    if (!this.#available(Atomics.load(this.#d16, this.#descH + this.#ai * 8 + 7), this.#aw)) return 0;
    const k = this.#k;
    let want: number;
    if (k) {
      // The kernel reads the flags ahead, so the walk finds the descriptors' lines here.
      this.#toKernel(k);
      want = k.avail(k.rec, n < KERNEL_SLOTS ? n : KERNEL_SLOTS);
    } else want = this.#countChains(n);
    // With the kernel, raw mbufs (the kernel sets what a reset does) go to the record's
    // slots, then to `out`.
    const buf = k ? k.slots : out;
    const at = k ? 0 : offset;
    if (want === 0 || (k ? pool.getBulk(buf, want, at) : mbufs.allocBulk(pool, buf, want, at)) !== 0) return 0;
    const copy = this.#copy;
    let delivered = 0;
    for (let i = 0; i < want; i++) {
      if (k) {
        this.#toKernel(k);
        const got = k.dequeue(k.rec, k.rec + K_SLOTS + delivered * 4, want - i);
        this.#fromKernel(k, got);
        delivered += got;
        i += got;
        if (i === want) break;
      }
      if (!this.#available(Atomics.load(this.#d16, this.#descH + this.#ai * 8 + 7), this.#aw)) break;
      if (k) mbufs.reset(buf[at + delivered]);
      copy.startRead(mbufs, pool, buf[at + delivered]);
      const r = this.#walk(mem, false, 0, 0);
      if (this.#overLimit()) {
        copy.abortRead();
        break;
      }
      this.#consume(0);
      if (r > 0 && copy.endRead() > 0) {
        delivered++;
        continue;
      }
      this.#v32[r < 0 ? V_ERRORS : V_DROPPED]++;
      copy.abortRead();
    }
    if (delivered < want) mbufs.freeBulk(buf, want - delivered, at + delivered);
    if (k) for (let j = 0; j < delivered; j++) out[offset + j] = buf[j];
    this.#flush(this.#inOrder);
    return delivered;
  }

  /** Whether the chain last walked would take the burst past the ring's size in descriptors. */
  #overLimit(): boolean {
    return this.#taken + this.#count > this.#num;
  }

  /** Hands the avail position, the used list's length and the descriptors taken to the kernel's record. */
  #toKernel(k: PackedKernel): void {
    k.i32[K_LAST_AVAIL >>> 2] = this.la;
    k.i32[P_USED_COUNT >>> 2] = this.#ns;
    k.i32[P_TAKEN >>> 2] = this.#taken;
  }

  /** Takes them back after a kernel call that moved `got` packets. */
  #fromKernel(k: PackedKernel, got: number): void {
    const la = k.i32[K_LAST_AVAIL >>> 2];
    this.#ai = la & 0x7fff;
    this.#aw = la >>> 15;
    this.#ns = k.i32[P_USED_COUNT >>> 2];
    this.#taken = k.i32[P_TAKEN >>> 2];
    this.kernelPackets += got;
  }

  enqueue(mem: GuestMemory, handles: Uint32Array, n: number, offset: number): number {
    const copy = this.#copy;
    const d16 = this.#d16;
    const hdr = copy.hdr;
    // No chain available (the guest is behind): one load.
    if (!this.#available(Atomics.load(d16, this.#descH + this.#ai * 8 + 7), this.#aw)) return 0;
    const k = this.#k;
    if (k) {
      // The kernel reads the handles from the record's slots.
      if (n > KERNEL_SLOTS) n = KERNEL_SLOTS;
      for (let j = 0; j < n; j++) k.slots[j] = handles[offset + j];
      handles = k.slots;
      offset = 0;
    }
    let placed = 0;
    while (placed < n && this.#available(Atomics.load(d16, this.#descH + this.#ai * 8 + 7), this.#aw)) {
      if (k) {
        this.#toKernel(k);
        const got = k.enqueue(k.rec, k.rec + K_SLOTS + placed * 4, n - placed);
        this.#fromKernel(k, got);
        placed += got;
        if (placed === n || !this.#available(Atomics.load(d16, this.#descH + this.#ai * 8 + 7), this.#aw)) break;
      }
      const len = copy.startWrite(handles[offset + placed]);
      const need = hdr + len;
      const firstAi = this.#ai;
      const firstAw = this.#aw;
      const firstNs = this.#ns;
      const firstTaken = this.#taken;
      let done = 0;
      let buffers = 0;
      let bad = false;
      while (done < need && this.#available(Atomics.load(d16, this.#descH + this.#ai * 8 + 7), this.#aw)) {
        const next = this.#walk(mem, true, len, done);
        if (this.#overLimit()) break;
        if (next < 0) {
          bad = true;
          this.#consume(0);
          break;
        }
        if (!this.#mrg && next < need) break; // one chain must hold the packet
        this.#consume(next - done);
        done = next;
        buffers++;
      }
      if (done === need && !bad) {
        if (this.#mrg) copy.setNumBuffers(buffers);
        placed++;
        continue;
      }
      if (bad) {
        // A malformed chain: every chain this packet took, and the bad one, go back unused
        // (length 0); the packet is dropped (counted in errors).
        this.#v32[V_ERRORS]++;
        for (let s = firstNs; s < this.#ns; s++) this.#shadow[2 * s + 1] = 0;
        placed++;
        continue;
      }
      // Too few chains yet (MRG_RXBUF), one too small for the packet, or the burst's limit:
      // leave the packet and the chains for later; a chain still available then is counted,
      // as it stalls the ring.
      if (this.#available(Atomics.load(d16, this.#descH + this.#ai * 8 + 7), this.#aw)) this.#v32[V_DROPPED]++;
      this.#ai = firstAi;
      this.#aw = firstAw;
      this.#ns = firstNs;
      this.#taken = firstTaken;
      break;
    }
    this.#flush(false);
    return placed;
  }

  /**
   * Walks the chain at the consume position to its end, setting {@link PackedRing.#id} and
   * {@link PackedRing.#count}. Reading (`write` false), copies its buffers into the packet
   * being read and returns 1, or 0 when the packet does not fit; writing, continues the packet
   * stream from byte `done` (`len` packet bytes) and returns the position reached. Returns -1
   * for a malformed chain; the walk goes on to the chain's end all the same.
   */
  #walk(mem: GuestMemory, write: boolean, len: number, done: number): number {
    const d16 = this.#d16;
    const d32 = this.#d32;
    const num = this.#num;
    const need = this.#copy.hdr + len;
    let result = write ? done : 1;
    let i = this.#ai;
    let w = this.#aw;
    let count = 0;
    for (;;) {
      if (count === num) {
        result = -1; // NEXT on every descriptor of the ring
        break;
      }
      const h = this.#descH + i * 8;
      const flags = d16[h + 7];
      if (count > 0 && !this.#available(flags, w)) {
        result = -1; // NEXT into a descriptor the driver did not make available
        break;
      }
      this.#id = d16[h + 6];
      count++;
      if (++i === num) {
        i = 0;
        w ^= 1;
      }
      if (this.#more(write, result, need)) {
        const q = h >>> 1;
        result = (flags & DESC_F_INDIRECT) !== 0 ? this.#indirectTable(mem, flags, d32[q], d32[q + 1], d32[q + 2], write, len, result) : this.#buffer(mem, flags, d32[q] + d32[q + 1] * 0x100000000, d32[q + 2], write, len, result);
      }
      if ((flags & DESC_F_NEXT) === 0) break;
    }
    this.#count = count;
    return result;
  }

  /**
   * One buffer of a chain: checked for its direction and translated with its whole length,
   * then read into the packet or written from it. Returns as {@link PackedRing.#walk}.
   */
  #buffer(mem: GuestMemory, flags: number, addr: number, dlen: number, write: boolean, len: number, at: number): number {
    if ((flags & DESC_F_WRITE) !== (write ? DESC_F_WRITE : 0)) return -1;
    const off = mem.gpa(addr, dlen);
    if (off < 0) return -1;
    const r = mem.region;
    if (write) return this.#copy.write(mem.u8[r], mem.u32[r], off, dlen, addr, at, len);
    return this.#copy.read(mem.u8[r], mem.u32[r], off, dlen) ? 1 : 0;
  }

  /** An indirect descriptor's table, its descriptors in order. Returns as {@link PackedRing.#walk}. */
  #indirectTable(mem: GuestMemory, flags: number, lo: number, hi: number, tlen: number, write: boolean, len: number, at: number): number {
    if (!this.#indirect || (flags & DESC_F_NEXT) !== 0) return -1;
    if (tlen === 0 || tlen % DESC_SIZE !== 0 || tlen / DESC_SIZE > this.#num) return -1;
    const off = mem.gpa(lo + hi * 0x100000000, tlen);
    if (off < 0 || off % DESC_SIZE !== 0) return -1;
    const t16 = mem.u16[mem.region];
    const t32 = mem.u32[mem.region];
    if (t32.length === 0) return -1;
    const need = this.#copy.hdr + len;
    const n = tlen / DESC_SIZE;
    let result = at;
    for (let k = 0; k < n && this.#more(write, result, need); k++) {
      const q = (off >>> 2) + k * 4;
      let f = t16[2 * q + 7];
      if ((f & DESC_F_INDIRECT) !== 0) return -1;
      // DPDK's virtio PMD presets its packed transmit tables' descriptors WRITE and leaves the
      // header's so: reading a buffer the driver marked device-writable harms nothing.
      if (!write) f &= ~DESC_F_WRITE;
      result = this.#buffer(mem, f, t32[q] + t32[q + 1] * 0x100000000, t32[q + 2], write, len, result);
    }
    return result;
  }

  /** Whether a walk goes on copying: reading, while the packet fits; writing, until the stream is done. */
  #more(write: boolean, result: number, need: number): boolean {
    return write ? result >= 0 && result < need : result === 1;
  }

  /**
   * Writes the burst's used descriptors at the used position, the first one's flags last (with
   * `one`, as one descriptor: see the module comment), logs them, and calls the driver if its
   * event suppression area asks for it.
   */
  #flush(one: boolean): void {
    if (this.#ns === 0) return;
    const oldUi = this.#ui;
    const k = this.#k;
    if (k) {
      k.i32[K_LAST_USED >>> 2] = this.lu;
      k.i32[P_USED_COUNT >>> 2] = this.#ns;
      k.flush(k.rec, one ? 1 : 0);
      const lu = k.i32[K_LAST_USED >>> 2];
      this.#ui = lu & 0x7fff;
      this.#uw = lu >>> 15;
      this.#ns = 0;
    } else this.#writeUsed(one);
    const callFd = this.#v32[V_CALL_FD];
    if (callFd >= 0 && this.#wantsCall(oldUi, this.#ui, this.#uw)) eventfdWrite(callFd, 1);
  }

  /** The TypeScript write-back of the used list (see {@link PackedRing.#flush}; packed-ring.wat's `flush` does the same). */
  #writeUsed(one: boolean): void {
    const d16 = this.#d16;
    const d32 = this.#d32;
    const shadow = this.#shadow;
    const num = this.#num;
    const log = this.#copy.log;
    let i = this.#ui;
    let w = this.#uw;
    let firstAt = 0;
    let firstFlags = 0;
    const ns = this.#ns;
    // With `one`, the chains before the last: their descriptors are passed over, none written.
    let from = 0;
    let skip = 0;
    if (one) for (; from < ns - 1; from++) skip += shadow[2 * from] >>> 16;
    for (let s = from; s < ns; s++) {
      const h = this.#descH + i * 8;
      d32[(h >>> 1) + 2] = shadow[2 * s + 1];
      d16[h + 6] = shadow[2 * s] & 0xffff;
      const flags = w === 1 ? DESC_F_AVAIL | DESC_F_USED : 0;
      if (s === from) {
        firstAt = h + 7;
        firstFlags = flags;
      } else d16[h + 7] = flags;
      if (log.on) log.mark(this.#descGpa + i * DESC_SIZE, DESC_SIZE);
      // Past the chains passed over and this one, the counter flipped at each pass of the
      // ring (a burst takes at most `num` descriptors, so once; the loop holds for any count).
      i += skip + (shadow[2 * s] >>> 16);
      skip = 0;
      while (i >= num) {
        i -= num;
        w ^= 1;
      }
    }
    Atomics.store(d16, firstAt, firstFlags);
    this.#ui = i;
    this.#uw = w;
    this.#ns = 0;
  }

  /** Whether the driver asked to be called for used descriptors from `old` to `now` (wrap `w`). */
  #wantsCall(old: number, now: number, w: number): boolean {
    const flags = this.#drv16[this.#drvH + 1];
    if (flags === RING_EVENT_FLAGS_DISABLE) return false;
    if (flags !== RING_EVENT_FLAGS_DESC || !this.#eventIdx) return true;
    const offWrap = this.#drv16[this.#drvH];
    let off = offWrap & 0x7fff;
    if (offWrap >>> 15 !== w) off -= this.#num;
    if (now <= old) old -= this.#num;
    return ((now - off - 1) & 0xffff) < ((now - old) & 0xffff);
  }
}
