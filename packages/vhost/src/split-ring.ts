/**
 * The split virtqueue format (virtio 1.0): a descriptor table, the driver's avail ring of
 * chain heads and the device's used ring. Walks chains (direct and indirect) with every
 * index, length and loop bound checked, copies through {@link PacketCopy}, and publishes
 * used entries with the call the driver asked for (flags or EVENT_IDX).
 *
 * Indices are free-running 16-bit counters, as in the rings. A malformed chain is returned
 * to the guest unused (length 0) and counted in the vring's errors.
 *
 * When the guest's regions are windows of the arena's WebAssembly memory, a burst runs the
 * usual packets through the kernel of `split-ring.wat` ({@link SplitKernel}) and only those
 * it leaves (indirect tables, chained mbufs, malformed or too small chains, a header over
 * several buffers) through the TypeScript walk here, one packet at a time.
 */
import { eventfdWrite } from '@nic/native';
import type { Arena, MbufView, Mempool } from '@nic/eal';
import type { GuestMemory } from './guest-memory.js';
import type { PacketCopy } from './packet-copy.js';
import { KERNEL_SLOTS, K_AVAIL, K_BULK_FREE_POOL, K_DESC, K_HDR, K_LAST_AVAIL, K_LAST_USED, K_LOG, K_LOG_SIZE, K_MRG, K_NUM, K_SLOTS, K_USED, SplitKernel } from './split-kernel.js';
import { V_CALL_FD, V_DROPPED, V_ERRORS } from './shared-state.js';
import { DESC_F_INDIRECT, DESC_F_NEXT, DESC_F_WRITE, DESC_SIZE, type RingFormat, type VringAddresses, type VringFeatures } from './ring-format.js';

/** avail: u16 flags, u16 idx, u16 ring[num], u16 used_event. */
export const AVAIL_F_NO_INTERRUPT = 1;
/** used: u16 flags, u16 idx, {u32 id, u32 len}[num], u16 avail_event. */
export const USED_F_NO_NOTIFY = 1;
export const USED_ELEM_SIZE = 8;

/** Bytes of the avail ring of `num` entries (with used_event). */
export function availSize(num: number): number {
  return 4 + 2 * num + 2;
}
/** Bytes of the used ring of `num` entries (with avail_event). */
export function usedSize(num: number): number {
  return 4 + USED_ELEM_SIZE * num + 2;
}

export class SplitRing implements RingFormat {
  readonly #copy: PacketCopy;
  readonly #v32: Int32Array;
  /** Next avail entry to consume and next used index to publish (during a burst). */
  la = 0;
  lu = 0;
  #num = 0;
  #d32: Uint32Array = new Uint32Array(0);
  #d16: Uint16Array = new Uint16Array(0);
  #descW = 0;
  #a16: Uint16Array = new Uint16Array(0);
  #availH = 0;
  #u16: Uint16Array = new Uint16Array(0);
  #u32: Uint32Array = new Uint32Array(0);
  #usedH = 0;
  #usedW = 0;
  #mrg = false;
  #eventIdx = false;
  #indirect = false;
  /** Guest address to log used-ring writes at (VRING_F_LOG), or -1. */
  usedLog = -1;
  #chainBad = false;
  // Chain walk scratch: the current descriptor table (region views and first word).
  #t32: Uint32Array = new Uint32Array(0);
  #t16: Uint16Array = new Uint16Array(0);
  #tW = 0;
  #tNum = 0;
  // The kernel: this thread's record, whether it must be rewritten, and the burst's use of it.
  #kernel: SplitKernel | undefined;
  #kernelStale = true;
  #k: SplitKernel | undefined;
  /** Packets the kernel moved on this thread, both ways. */
  kernelPackets = 0;
  /** What the last enqueue placed: their pool when the kernel placed them all and they may go back to it in bulk, else 0 (see K_BULK_FREE_POOL). */
  bulkFreePool = 0;
  #mem: GuestMemory | undefined;
  #descAt = 0;
  #availAt = 0;
  #usedAt = 0;

  constructor(copy: PacketCopy, v32: Int32Array) {
    this.#copy = copy;
    this.#v32 = v32;
  }

  map(mem: GuestMemory, a: VringAddresses, num: number, index: number, negotiated: VringFeatures): string | undefined {
    if ((num & (num - 1)) !== 0) return `vring ${index}: a split ring's size must be a power of 2, not ${num}`;
    const desc = mem.uva(a.desc, num * DESC_SIZE);
    const descRegion = mem.region;
    if (desc < 0 || desc % DESC_SIZE !== 0) return `vring ${index}: descriptor table at 0x${a.desc.toString(16)} (${num} entries) is not inside guest memory, 16-byte aligned`;
    const avail = mem.uva(a.avail, availSize(num));
    const availRegion = mem.region;
    if (avail < 0 || avail % 2 !== 0) return `vring ${index}: avail ring at 0x${a.avail.toString(16)} is not inside guest memory, 2-byte aligned`;
    const used = mem.uva(a.used, usedSize(num));
    const usedRegion = mem.region;
    if (used < 0 || used % 4 !== 0) return `vring ${index}: used ring at 0x${a.used.toString(16)} is not inside guest memory, 4-byte aligned`;
    if (mem.u32[descRegion].length === 0) return `vring ${index}: its region is not 4-byte aligned in the fd`;
    this.#d32 = mem.u32[descRegion];
    this.#d16 = mem.u16[descRegion];
    this.#descW = desc >>> 2;
    this.#a16 = mem.u16[availRegion];
    this.#availH = avail >>> 1;
    this.#u16 = mem.u16[usedRegion];
    this.#u32 = mem.u32[usedRegion];
    this.#usedH = used >>> 1;
    this.#usedW = used >>> 2;
    this.#mrg = negotiated.mrgRxbuf;
    this.#eventIdx = negotiated.eventIdx;
    this.#indirect = negotiated.indirect;
    this.#num = num;
    this.#mem = mem;
    const windows = mem.windowAddresses;
    if (windows.length > 0) {
      this.#descAt = windows[descRegion] + desc;
      this.#availAt = windows[availRegion] + avail;
      this.#usedAt = windows[usedRegion] + used;
    }
    this.#kernelStale = true;
    return undefined;
  }

  /**
   * Whether the burst that follows runs the kernel (`on`: the regions, and the log when
   * logging, are windows of `arena`'s memory); takes this thread's record the first time.
   */
  prepare(arena: Arena, on: boolean): void {
    if (!on) {
      this.#k = undefined;
      return;
    }
    let k = this.#kernel;
    if (k === undefined || k.memory !== arena.wasm.memory) {
      k = this.#kernel = new SplitKernel(arena);
      this.#kernelStale = true;
    }
    if (this.#kernelStale) {
      const mem = this.#mem!;
      const i32 = k.i32;
      i32[K_NUM >>> 2] = this.#num;
      i32[K_HDR >>> 2] = this.#copy.hdr;
      i32[K_MRG >>> 2] = this.#mrg ? 1 : 0;
      i32[K_DESC >>> 2] = this.#descAt;
      i32[K_AVAIL >>> 2] = this.#availAt;
      i32[K_USED >>> 2] = this.#usedAt;
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
  }

  begin(lastAvail: number, lastUsed: number): boolean {
    this.la = lastAvail & 0xffff;
    this.lu = lastUsed & 0xffff;
    return true;
  }

  logUsed(offset: number, length: number): void {
    const log = this.#copy.log;
    if (log.on && this.usedLog >= 0 && length > 0) log.mark(this.usedLog + offset, length);
  }

  /**
   * Without EVENT_IDX, USED_F_NO_NOTIFY says it. With EVENT_IDX the flags stay 0 (the driver
   * reads only the avail event then): arming sets the avail event to `lastAvail`, so the
   * driver's next entry kicks; disarming leaves it behind, and once the driver has passed it
   * it kicks no more (nothing else writes it: a polling backend costs the guest no kicks).
   * The store is sequentially consistent, so the caller's re-check of the avail index after
   * arming cannot be ordered before it: an entry the driver made available without kicking
   * is found there.
   */
  setNotification(on: boolean, lastAvail: number): void {
    if (!this.#eventIdx) Atomics.store(this.#u16, this.#usedH, on ? 0 : USED_F_NO_NOTIFY);
    else if (on) Atomics.store(this.#u16, this.#usedH + 2 + (USED_ELEM_SIZE >>> 1) * this.#num, lastAvail & 0xffff);
    else return;
    this.logUsed(0, usedSize(this.#num));
  }

  availCount(lastAvail: number): number {
    return (Atomics.load(this.#a16, this.#availH + 1) - lastAvail) & 0xffff;
  }

  dequeue(mem: GuestMemory, mbufs: MbufView, pool: Mempool, out: Uint32Array, n: number, offset: number): number {
    const num = this.#num;
    const mask = num - 1;
    let avail = (Atomics.load(this.#a16, this.#availH + 1) - this.la) & 0xffff;
    if (avail > num) avail = num; // an index past the ring: take at most one ring's worth
    const k = this.#k;
    let want = avail < n ? avail : n;
    if (k && want > KERNEL_SLOTS) want = KERNEL_SLOTS;
    // With the kernel, raw mbufs (the kernel sets what a reset does) go to the record's
    // slots, then to `out`.
    const buf = k ? k.slots : out;
    const at = k ? 0 : offset;
    if (want === 0 || (k ? pool.getBulk(buf, want, at) : mbufs.allocBulk(pool, buf, want, at)) !== 0) return 0;
    const copy = this.#copy;
    let delivered = 0;
    for (let i = 0; i < want; i++) {
      if (k) {
        const got = this.#kernelDequeue(k, delivered, want - i);
        delivered += got;
        i += got;
        if (i === want) break;
      }
      const head = this.#a16[this.#availH + 2 + (this.la & mask)];
      this.la = (this.la + 1) & 0xffff;
      if (k) mbufs.reset(buf[at + delivered]);
      copy.startRead(mbufs, pool, buf[at + delivered]);
      const r = this.#readChain(mem, head);
      this.#used(head, 0);
      if (r > 0 && copy.endRead() > 0) {
        delivered++;
        continue;
      }
      // Too large, no mbuf for it, or nothing past the header: dropped. Malformed: counted as an error.
      if (r >= 0) this.#v32[V_DROPPED]++;
      copy.abortRead();
    }
    if (delivered < want) mbufs.freeBulk(buf, want - delivered, at + delivered);
    if (k) for (let j = 0; j < delivered; j++) out[offset + j] = buf[j];
    this.#publish();
    return delivered;
  }

  /** The kernel's dequeue from slot `slot` on, at most `want` packets; returns how many it took. */
  #kernelDequeue(k: SplitKernel, slot: number, want: number): number {
    const i32 = k.i32;
    i32[K_LAST_AVAIL >>> 2] = this.la;
    i32[K_LAST_USED >>> 2] = this.lu;
    const got = k.dequeue(k.rec, k.rec + K_SLOTS + slot * 4, want);
    this.la = i32[K_LAST_AVAIL >>> 2];
    this.lu = i32[K_LAST_USED >>> 2];
    this.kernelPackets += got;
    return got;
  }

  enqueue(mem: GuestMemory, handles: Uint32Array, n: number, offset: number): number {
    const num = this.#num;
    const mask = num - 1;
    const mrg = this.#mrg;
    const copy = this.#copy;
    const hdr = copy.hdr;
    const availIdx = Atomics.load(this.#a16, this.#availH + 1);
    // An index more than a ring ahead is the frontend's error: take at most one ring's worth.
    const end = ((availIdx - this.la) & 0xffff) > num ? (this.la + num) & 0xffff : availIdx;
    const burstUsed = this.lu;
    const k = this.#k;
    if (k) {
      // The kernel reads the handles from the record's slots.
      if (n > KERNEL_SLOTS) n = KERNEL_SLOTS;
      for (let j = 0; j < n; j++) k.slots[j] = handles[offset + j];
      handles = k.slots;
      offset = 0;
    }
    let placed = 0;
    // The bulk-free pool of the packets placed so far: -1 before the first, 0 none.
    let bulk = -1;
    while (placed < n && this.la !== end) {
      if (k) {
        const i32 = k.i32;
        i32[K_LAST_AVAIL >>> 2] = this.la;
        i32[K_LAST_USED >>> 2] = this.lu;
        const got = k.enqueue(k.rec, k.rec + K_SLOTS + placed * 4, n - placed, end);
        placed += got;
        this.kernelPackets += got;
        this.la = i32[K_LAST_AVAIL >>> 2];
        this.lu = i32[K_LAST_USED >>> 2];
        if (got > 0) {
          const pool = i32[K_BULK_FREE_POOL >>> 2] >>> 0;
          bulk = bulk === -1 || bulk === pool ? pool : 0;
        }
        if (placed === n || this.la === end) break;
      }
      const len = copy.startWrite(handles[offset + placed]);
      const need = hdr + len;
      const firstAvail = this.la;
      const firstUsed = this.lu;
      let done = 0;
      let buffers = 0;
      while (done < need && this.la !== end) {
        const head = this.#a16[this.#availH + 2 + (this.la & mask)];
        const next = this.#writeChain(mem, head, len, done);
        if (next < 0) break;
        if (!mrg && next < need) break; // one chain must hold the packet
        this.la = (this.la + 1) & 0xffff;
        this.#used(head, next - done);
        done = next;
        buffers++;
      }
      if (done === need) {
        if (mrg) copy.setNumBuffers(buffers);
        placed++;
        bulk = 0; // a packet the TypeScript walk placed is freed as usual
        continue;
      }
      this.lu = firstUsed;
      if (this.#chainBad) {
        // A malformed chain: every chain this packet took, and the bad one, go back unused
        // (length 0); the packet is dropped (counted in errors).
        this.la = firstAvail;
        for (let k = 0; k <= buffers; k++) {
          this.#used(this.#a16[this.#availH + 2 + (this.la & mask)], 0);
          this.la = (this.la + 1) & 0xffff;
        }
        placed++;
        bulk = 0;
        continue;
      }
      // Too few chains yet (MRG_RXBUF), or one too small for the packet: leave the packet and
      // the chains for later; a chain too small is counted, as it stalls the ring.
      if (this.la !== end) this.#v32[V_DROPPED]++;
      this.la = firstAvail;
      break;
    }
    if (this.lu !== burstUsed) this.#publish();
    this.bulkFreePool = placed > 0 && bulk > 0 ? bulk : 0;
    return placed;
  }

  /** Points the table scratch at descriptor `head`'s chain; returns the first index or -1. */
  #startChain(mem: GuestMemory, head: number): number {
    if (head >= this.#num) return -1;
    this.#t32 = this.#d32;
    this.#t16 = this.#d16;
    this.#tW = this.#descW;
    this.#tNum = this.#num;
    const w = this.#descW + head * 4;
    if ((this.#d16[(w << 1) + 6] & DESC_F_INDIRECT) === 0) return head;
    if (!this.#indirect) return -1;
    const len = this.#d32[w + 2];
    if (len === 0 || len % DESC_SIZE !== 0 || len / DESC_SIZE > 0xffff) return -1;
    const addr = this.#d32[w] + this.#d32[w + 1] * 0x100000000;
    const off = mem.gpa(addr, len);
    if (off < 0 || off % DESC_SIZE !== 0 || mem.u32[mem.region].length === 0) return -1;
    this.#t32 = mem.u32[mem.region];
    this.#t16 = mem.u16[mem.region];
    this.#tW = off >>> 2;
    this.#tNum = len / DESC_SIZE;
    return 0;
  }

  /**
   * Reads the readable chain at `head` into the packet being read. Returns 1 when read, 0
   * when the packet does not fit (too large, or no mbuf left: the chain's rest is not read),
   * -1 for a malformed chain (counted in errors).
   */
  #readChain(mem: GuestMemory, head: number): number {
    let d = this.#startChain(mem, head);
    if (d < 0) return this.#bad();
    const t32 = this.#t32;
    const t16 = this.#t16;
    const copy = this.#copy;
    for (let steps = 0; ; steps++) {
      if (steps >= this.#tNum) return this.#bad();
      const w = this.#tW + d * 4;
      const flags = t16[(w << 1) + 6];
      if ((flags & (DESC_F_WRITE | DESC_F_INDIRECT)) !== 0) return this.#bad();
      const len = t32[w + 2];
      const addr = t32[w] + t32[w + 1] * 0x100000000;
      const off = mem.gpa(addr, len);
      if (off < 0) return this.#bad();
      if (!copy.read(mem.u8[mem.region], mem.u32[mem.region], off, len)) return 0;
      if ((flags & DESC_F_NEXT) === 0) return 1;
      d = t16[(w << 1) + 7];
      if (d >= this.#tNum) return this.#bad();
    }
  }

  /**
   * Continues writing the packet (`len` bytes after the header) from its stream byte `done`
   * into the writable chain at `head`, as far as the chain or the stream goes. Returns the
   * stream position reached, or -1 for a malformed chain (then {@link SplitRing.#chainBad}).
   */
  #writeChain(mem: GuestMemory, head: number, len: number, done: number): number {
    this.#chainBad = false;
    let d = this.#startChain(mem, head);
    if (d < 0) return this.#badChain();
    const t32 = this.#t32;
    const t16 = this.#t16;
    const copy = this.#copy;
    const need = copy.hdr + len;
    for (let steps = 0; done < need; steps++) {
      if (steps >= this.#tNum) return this.#badChain();
      const w = this.#tW + d * 4;
      const flags = t16[(w << 1) + 6];
      if ((flags & (DESC_F_WRITE | DESC_F_INDIRECT)) !== DESC_F_WRITE) return this.#badChain();
      const dlen = t32[w + 2];
      const addr = t32[w] + t32[w + 1] * 0x100000000;
      const off = mem.gpa(addr, dlen);
      if (off < 0) return this.#badChain();
      done = copy.write(mem.u8[mem.region], mem.u32[mem.region], off, dlen, addr, done, len);
      if (done >= need || (flags & DESC_F_NEXT) === 0) break;
      d = t16[(w << 1) + 7];
      if (d >= this.#tNum) return this.#badChain();
    }
    return done;
  }

  #badChain(): number {
    this.#chainBad = true;
    return this.#bad();
  }

  #bad(): number {
    this.#v32[V_ERRORS]++;
    return -1;
  }

  /** Writes used entry {head, len} at the next used slot (not yet published). */
  #used(head: number, len: number): void {
    const slot = this.#usedW + 1 + (this.lu & (this.#num - 1)) * 2;
    this.#u32[slot] = head;
    this.#u32[slot + 1] = len;
    this.lu = (this.lu + 1) & 0xffff;
  }

  /** Publishes the used index (a sequentially consistent store orders the entries before it) and calls the guest if it asked. */
  #publish(): void {
    const num = this.#num;
    const lastUsed = this.lu;
    const old = this.#u16[this.#usedH + 1];
    Atomics.store(this.#u16, this.#usedH + 1, lastUsed);
    this.logUsed(0, usedSize(num));
    const callFd = this.#v32[V_CALL_FD];
    if (callFd < 0) return;
    let notify: boolean;
    if (this.#eventIdx) {
      const usedEvent = this.#a16[this.#availH + 2 + num];
      notify = ((lastUsed - usedEvent - 1) & 0xffff) < ((lastUsed - old) & 0xffff);
    } else {
      notify = (this.#a16[this.#availH] & AVAIL_F_NO_INTERRUPT) === 0;
    }
    if (notify) eventfdWrite(callFd, 1);
  }
}

