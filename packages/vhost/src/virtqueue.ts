/**
 * One split virtqueue as the frontend set it up (SET_VRING_NUM/ADDR/BASE/KICK/CALL/ENABLE),
 * and its data path: walking descriptor chains and copying between guest buffers and arena
 * mbufs. Even vrings carry packets to the guest (enqueue), odd ones from it (dequeue).
 *
 * Every guest address is translated with its length before use; a descriptor index at or
 * past the ring size, a chain longer than the ring, an indirect table whose length is not a
 * multiple of 16 or that is nested, or a buffer outside guest memory marks the chain bad:
 * it is returned to the guest unused (length 0) and counted in {@link Virtqueue.errors}.
 * The per-packet code allocates nothing and makes no addon call.
 */
import { eventfdWrite } from '@nic/native';
import type { Arena, MbufView, Mempool } from '@nic/eal';
import { MBUF_BUF_ADDR, MBUF_BUF_LEN, MBUF_DATA_LEN, MBUF_DATA_OFF, MBUF_HEADROOM, MBUF_PKT_LEN } from '@nic/eal/layout';
import type { GuestMemory } from './guest-memory.js';
import { LOG_PAGE, VRING_F_LOG } from './protocol.js';

/** Descriptor: u64 addr, u32 len, u16 flags, u16 next. */
export const DESC_SIZE = 16;
export const DESC_F_NEXT = 1;
export const DESC_F_WRITE = 2;
export const DESC_F_INDIRECT = 4;
/** avail: u16 flags, u16 idx, u16 ring[num], u16 used_event. */
export const AVAIL_F_NO_INTERRUPT = 1;
/** used: u16 flags, u16 idx, {u32 id, u32 len}[num], u16 avail_event. */
export const USED_F_NO_NOTIFY = 1;
export const USED_ELEM_SIZE = 8;
/** The virtio-net header: 12 bytes with VERSION_1 or MRG_RXBUF, 10 without. */
export const NET_HDR_SIZE = 12;
export const NET_HDR_SIZE_LEGACY = 10;
/** Offset of `num_buffers` in the 12-byte header. */
export const NET_HDR_NUM_BUFFERS = 10;

/** Bytes of the avail ring of `num` entries (with used_event). */
export function availSize(num: number): number {
  return 4 + 2 * num + 2;
}
/** Bytes of the used ring of `num` entries (with avail_event). */
export function usedSize(num: number): number {
  return 4 + USED_ELEM_SIZE * num + 2;
}

/** Ring addresses from SET_VRING_ADDR (frontend virtual addresses). */
export interface VringAddresses {
  readonly desc: number;
  readonly avail: number;
  readonly used: number;
  readonly flags: number;
  readonly log: number;
}

/** A virtqueue. Control fields are set by the device's message handlers. */
export class Virtqueue {
  readonly index: number;
  /** Ring size (SET_VRING_NUM). */
  num = 0;
  /** Next avail entry to consume (SET_VRING_BASE / GET_VRING_BASE). */
  lastAvail = 0;
  /** Next used index to publish. */
  lastUsed = 0;
  addresses: VringAddresses | undefined;
  kickFd = -1;
  callFd = -1;
  errFd = -1;
  /** A KICK with the no-fd bit: the frontend never kicks, the backend polls. */
  kicked = false;
  /** SET_VRING_ENABLE state (rings start enabled unless PROTOCOL_FEATURES was negotiated). */
  enabled = false;
  /** Chains refused as malformed (see the module comment). */
  errors = 0;
  /** Packets dropped because an mbuf or guest buffer could not hold them. */
  dropped = 0;

  // Translated ring locations, set by {@link Virtqueue.map}: region and word indices.
  #mem: GuestMemory | undefined;
  #d32: Uint32Array = new Uint32Array(0);
  #d16: Uint16Array = new Uint16Array(0);
  #descW = 0;
  #a16: Uint16Array = new Uint16Array(0);
  #availH = 0;
  #u16: Uint16Array = new Uint16Array(0);
  #u32: Uint32Array = new Uint32Array(0);
  #usedH = 0;
  #usedW = 0;
  #hdr = NET_HDR_SIZE;
  #mrg = false;
  #eventIdx = false;
  #indirect = false;
  // Chain walk scratch: the current descriptor table (region views and first word).
  #t32: Uint32Array = new Uint32Array(0);
  #t16: Uint16Array = new Uint16Array(0);
  #tW = 0;
  #tNum = 0;
  // Dirty logging (LOG_ALL): the log, whether it is on, and the used ring's guest address.
  #log: Uint8Array = new Uint8Array(0);
  #logging = false;
  #usedLog = -1;

  constructor(index: number) {
    this.index = index;
  }

  /** Whether the data path may run: mapped, kicked (or polling) and enabled. */
  get ready(): boolean {
    return this.#mem !== undefined && (this.kickFd >= 0 || this.kicked) && this.enabled;
  }

  /**
   * Translates the rings into `mem` with their full lengths. Returns an error message, or
   * undefined when the rings are mapped.
   */
  map(mem: GuestMemory, negotiated: { hdrSize: number; mrgRxbuf: boolean; eventIdx: boolean; indirect: boolean }): string | undefined {
    this.#mem = undefined;
    const a = this.addresses;
    if (!a || this.num === 0) return undefined;
    const num = this.num;
    const desc = mem.uva(a.desc, num * DESC_SIZE);
    const descRegion = mem.region;
    if (desc < 0 || desc % DESC_SIZE !== 0) return `vring ${this.index}: descriptor table at 0x${a.desc.toString(16)} (${num} entries) is not inside guest memory, 16-byte aligned`;
    const avail = mem.uva(a.avail, availSize(num));
    const availRegion = mem.region;
    if (avail < 0 || avail % 2 !== 0) return `vring ${this.index}: avail ring at 0x${a.avail.toString(16)} is not inside guest memory, 2-byte aligned`;
    const used = mem.uva(a.used, usedSize(num));
    const usedRegion = mem.region;
    if (used < 0 || used % 4 !== 0) return `vring ${this.index}: used ring at 0x${a.used.toString(16)} is not inside guest memory, 4-byte aligned`;
    if (mem.u32[descRegion].length === 0) return `vring ${this.index}: its region is not 4-byte aligned in the fd`;
    this.#d32 = mem.u32[descRegion];
    this.#d16 = mem.u16[descRegion];
    this.#descW = desc >>> 2;
    this.#a16 = mem.u16[availRegion];
    this.#availH = avail >>> 1;
    this.#u16 = mem.u16[usedRegion];
    this.#u32 = mem.u32[usedRegion];
    this.#usedH = used >>> 1;
    this.#usedW = used >>> 2;
    this.#hdr = negotiated.hdrSize;
    this.#mrg = negotiated.mrgRxbuf;
    this.#eventIdx = negotiated.eventIdx;
    this.#indirect = negotiated.indirect;
    this.#mem = mem;
    return undefined;
  }

  /**
   * Turns dirty logging on (`log` mapped and LOG_ALL negotiated) or off. Used-ring writes
   * are logged when SET_VRING_ADDR had VRING_F_LOG, at its `log` address.
   */
  setLog(log: Uint8Array | undefined, on: boolean): void {
    this.#log = log ?? new Uint8Array(0);
    this.#logging = on && log !== undefined;
    const a = this.addresses;
    this.#usedLog = a && (a.flags & VRING_F_LOG) !== 0 ? a.log : -1;
  }

  /**
   * Marks `length` bytes at `offset` of the used ring dirty, while logging is on and
   * SET_VRING_ADDR gave the used ring's log address (`rte_vhost_log_used_vring`): for a
   * device (vDPA) that wrote the ring itself.
   */
  logUsed(offset: number, length: number): void {
    if (this.#logging && this.#usedLog >= 0 && length > 0) this.#logRange(this.#usedLog + offset, length);
  }

  /**
   * Marks the pages of guest range `[gpa, gpa + len)` in the log (one bit per 4 KiB page,
   * set with an atomic OR); a page past the log's end is skipped, never written.
   */
  #logRange(gpa: number, len: number): void {
    if (len === 0) return;
    const log = this.#log;
    const last = Math.floor((gpa + len - 1) / LOG_PAGE);
    for (let page = Math.floor(gpa / LOG_PAGE); page <= last; page++) {
      const byte = Math.floor(page / 8);
      if (byte >= log.length) return;
      Atomics.or(log, byte, 1 << page % 8);
    }
  }

  /** Forgets the ring translation (memory table replaced, ring stopped). */
  unmap(): void {
    this.#mem = undefined;
  }

  /** Asks the frontend not to kick (polling) or to kick (interrupt mode). */
  setNotification(on: boolean): void {
    if (!this.#mem) return;
    const flags = this.#usedH;
    this.#u16[flags] = on ? 0 : USED_F_NO_NOTIFY;
    if (this.#eventIdx) this.#u16[this.#usedH + 2 + (USED_ELEM_SIZE >>> 1) * this.num] = this.lastAvail;
    if (this.#logging && this.#usedLog >= 0) this.#logRange(this.#usedLog, usedSize(this.num));
  }

  /** Entries the frontend has made available and the backend not yet consumed. */
  availCount(): number {
    if (!this.#mem) return 0;
    return (Atomics.load(this.#a16, this.#availH + 1) - this.lastAvail) & 0xffff;
  }

  /**
   * Guest-to-host: takes up to `n` packets from the ring into mbufs allocated from
   * `pool` (stored at `out[offset..]`). Returns how many were delivered; malformed chains
   * and packets larger than an mbuf are returned to the guest and counted.
   */
  dequeueBurst(arena: Arena, mbufs: MbufView, pool: Mempool, out: Uint32Array, n: number, offset: number): number {
    if (!this.#mem || !this.enabled) return 0;
    const mem = this.#mem;
    const num = this.num;
    const mask = num - 1;
    let avail = (Atomics.load(this.#a16, this.#availH + 1) - this.lastAvail) & 0xffff;
    if (avail > num) avail = num; // an index past the ring: take at most one ring's worth
    if (avail === 0) return 0;
    const want = avail < n ? avail : n;
    if (mbufs.allocBulk(pool, out, want, offset) !== 0) return 0;
    const got = want;
    const a8 = arena.u8;
    const a16 = arena.u16;
    const a32 = arena.u32;
    let delivered = 0;
    let last = this.lastAvail;
    for (let i = 0; i < got; i++) {
      const head = this.#a16[this.#availH + 2 + (last & mask)];
      last = (last + 1) & 0xffff;
      const h = out[offset + delivered];
      const room = a16[(h + MBUF_BUF_LEN) >>> 1] - MBUF_HEADROOM;
      const dst = a32[(h + MBUF_BUF_ADDR) >>> 2] + MBUF_HEADROOM;
      const len = this.#readChain(mem, head, a8, a32, dst, room);
      this.#used(head, 0);
      if (len <= 0) continue;
      a16[(h + MBUF_DATA_OFF) >>> 1] = MBUF_HEADROOM;
      a16[(h + MBUF_DATA_LEN) >>> 1] = len;
      a32[(h + MBUF_PKT_LEN) >>> 2] = len;
      delivered++;
    }
    this.lastAvail = last;
    if (delivered < got) mbufs.freeBulk(out, got - delivered, offset + delivered);
    this.#publish();
    return delivered;
  }

  /**
   * Host-to-guest: copies up to `n` mbufs from `handles[offset..]` into guest buffers.
   * Returns how many were placed; the caller still owns (and frees) every mbuf. Stops at the
   * first packet the next available chain cannot hold.
   */
  enqueueBurst(arena: Arena, handles: Uint32Array, n: number, offset: number): number {
    if (!this.#mem || !this.enabled) return 0;
    const mem = this.#mem;
    const mask = this.num - 1;
    let avail = (Atomics.load(this.#a16, this.#availH + 1) - this.lastAvail) & 0xffff;
    if (avail > this.num) avail = this.num;
    const k = avail < n ? avail : n;
    const a8 = arena.u8;
    const a16 = arena.u16;
    const a32 = arena.u32;
    let placed = 0;
    while (placed < k) {
      const h = handles[offset + placed];
      const head = this.#a16[this.#availH + 2 + (this.lastAvail & mask)];
      const src = a32[(h + MBUF_BUF_ADDR) >>> 2] + a16[(h + MBUF_DATA_OFF) >>> 1];
      const len = this.#writeChain(mem, head, a8, a32, src, a16[(h + MBUF_DATA_LEN) >>> 1]);
      if (len === -2) break; // the chain is too small for this packet: leave it for later
      this.lastAvail = (this.lastAvail + 1) & 0xffff;
      this.#used(head, len < 0 ? 0 : len);
      placed++;
    }
    if (placed > 0) this.#publish();
    return placed;
  }

  /** Points the table scratch at descriptor table `head`'s chain; returns the first index or -1. */
  #startChain(mem: GuestMemory, head: number): number {
    if (head >= this.num) return -1;
    this.#t32 = this.#d32;
    this.#t16 = this.#d16;
    this.#tW = this.#descW;
    this.#tNum = this.num;
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
   * Copies the readable chain at `head`, minus the net header, to `a8[dst..dst+room)`.
   * Returns the packet length, 0 for an empty or oversized packet (dropped), -1 for a
   * malformed chain.
   */
  #readChain(mem: GuestMemory, head: number, a8: Uint8Array, a32: Uint32Array, dst: number, room: number): number {
    let d = this.#startChain(mem, head);
    if (d < 0) return this.#bad();
    const t32 = this.#t32;
    const t16 = this.#t16;
    let skip = this.#hdr;
    let total = 0;
    for (let steps = 0; ; steps++) {
      if (steps >= this.#tNum) return this.#bad();
      const w = this.#tW + d * 4;
      const flags = t16[(w << 1) + 6];
      if ((flags & (DESC_F_WRITE | DESC_F_INDIRECT)) !== 0) return this.#bad();
      let len = t32[w + 2];
      const addr = t32[w] + t32[w + 1] * 0x100000000;
      let off = mem.gpa(addr, len);
      if (off < 0) return this.#bad();
      // The header may span any number of descriptors (CVE-2022-2132).
      if (skip > 0) {
        const s = skip < len ? skip : len;
        skip -= s;
        off += s;
        len -= s;
      }
      if (len > 0) {
        if (total + len > room) {
          this.dropped++;
          return 0;
        }
        copyIn(mem.u8[mem.region], mem.u32[mem.region], off, a8, a32, dst + total, len);
        total += len;
      }
      if ((flags & DESC_F_NEXT) === 0) break;
      d = t16[(w << 1) + 7];
      if (d >= this.#tNum) return this.#bad();
    }
    if (skip > 0 || total === 0) {
      this.dropped++;
      return 0;
    }
    return total;
  }

  /**
   * Writes a zeroed net header (num_buffers 1 with MRG_RXBUF) and `len` bytes from
   * `a8[src..]` into the writable chain at `head`. Returns the bytes written (header
   * included), -1 for a malformed chain (consumed unused), -2 when the chain is too small.
   */
  #writeChain(mem: GuestMemory, head: number, a8: Uint8Array, a32: Uint32Array, src: number, len: number): number {
    let d = this.#startChain(mem, head);
    if (d < 0) return this.#bad();
    const t32 = this.#t32;
    const t16 = this.#t16;
    const hdr = this.#hdr;
    const need = hdr + len;
    let done = 0;
    for (let steps = 0; done < need; steps++) {
      if (steps >= this.#tNum) return this.#bad();
      const w = this.#tW + d * 4;
      const flags = t16[(w << 1) + 6];
      if ((flags & (DESC_F_WRITE | DESC_F_INDIRECT)) !== DESC_F_WRITE) return this.#bad();
      const dlen = t32[w + 2];
      const addr = t32[w] + t32[w + 1] * 0x100000000;
      const off = mem.gpa(addr, dlen);
      if (off < 0) return this.#bad();
      const g8 = mem.u8[mem.region];
      let pos = 0;
      // Header bytes first (they may span descriptors), then packet bytes.
      while (done < hdr && pos < dlen) {
        g8[off + pos] = done === NET_HDR_NUM_BUFFERS && this.#mrg ? 1 : 0;
        pos++;
        done++;
      }
      if (pos < dlen && done < need) {
        const c = need - done < dlen - pos ? need - done : dlen - pos;
        copyOut(a8, a32, src + done - hdr, g8, mem.u32[mem.region], off + pos, c);
        done += c;
        pos += c;
      }
      if (this.#logging) this.#logRange(addr, pos);
      if (done >= need) break;
      if ((flags & DESC_F_NEXT) === 0) {
        this.dropped++;
        return -2;
      }
      d = t16[(w << 1) + 7];
      if (d >= this.#tNum) return this.#bad();
    }
    return done;
  }

  #bad(): number {
    this.errors++;
    return -1;
  }

  /** Writes used entry {head, len} at lastUsed (not yet published). */
  #used(head: number, len: number): void {
    const slot = this.#usedW + 1 + (this.lastUsed & (this.num - 1)) * 2;
    this.#u32[slot] = head;
    this.#u32[slot + 1] = len;
    this.lastUsed = (this.lastUsed + 1) & 0xffff;
  }

  /** Publishes the used index (a sequentially consistent store orders the entries before it) and calls the guest if it asked. */
  #publish(): void {
    const old = this.#u16[this.#usedH + 1];
    Atomics.store(this.#u16, this.#usedH + 1, this.lastUsed);
    if (this.#eventIdx) this.#u16[this.#usedH + 2 + (USED_ELEM_SIZE >>> 1) * this.num] = this.lastAvail;
    if (this.#logging && this.#usedLog >= 0) this.#logRange(this.#usedLog, usedSize(this.num));
    if (this.callFd < 0) return;
    let notify: boolean;
    if (this.#eventIdx) {
      const usedEvent = this.#a16[this.#availH + 2 + this.num];
      notify = ((this.lastUsed - usedEvent - 1) & 0xffff) < ((this.lastUsed - old) & 0xffff);
    } else {
      notify = (this.#a16[this.#availH] & AVAIL_F_NO_INTERRUPT) === 0;
    }
    if (notify) eventfdWrite(this.callFd, 1);
  }
}

/**
 * Copies `len` guest bytes `g8[src..]` to the arena at `dst`, by words when both offsets are
 * 4-byte aligned (the usual case: buffers start after a 12-byte header in aligned memory).
 * `g32` is the u32 view of the same region (empty when the region itself is unaligned).
 */
function copyIn(g8: Uint8Array, g32: Uint32Array, src: number, a8: Uint8Array, a32: Uint32Array, dst: number, len: number): void {
  let i = 0;
  if (((src | dst) & 3) === 0 && g32.length > 0) {
    const sw = src >>> 2;
    const dw = dst >>> 2;
    const words = len >>> 2;
    for (let w = 0; w < words; w++) a32[dw + w] = g32[sw + w];
    i = words << 2;
  }
  for (; i < len; i++) a8[dst + i] = g8[src + i];
}

/** Copies `len` arena bytes `a8[src..]` into guest memory at `g8[dst..]`, as {@link copyIn}. */
function copyOut(a8: Uint8Array, a32: Uint32Array, src: number, g8: Uint8Array, g32: Uint32Array, dst: number, len: number): void {
  let i = 0;
  if (((src | dst) & 3) === 0 && g32.length > 0) {
    const sw = src >>> 2;
    const dw = dst >>> 2;
    const words = len >>> 2;
    for (let w = 0; w < words; w++) g32[dw + w] = a32[sw + w];
    i = words << 2;
  }
  for (; i < len; i++) g8[dst + i] = a8[src + i];
}
