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
 *
 * The ring indices, counters and control fields live in the device's
 * {@link VhostSharedState}: the connection's thread sets them up, and a poller on any thread
 * ({@link Virtqueue.attach}) runs bursts under the vring's access lock.
 */
import { eventfdWrite } from '@nic/native';
import type { Arena, MbufView, Mempool } from '@nic/eal';
import { MBUF_BUF_ADDR, MBUF_BUF_LEN, MBUF_DATA_LEN, MBUF_DATA_OFF, MBUF_HEADROOM, MBUF_PKT_LEN } from '@nic/eal/layout';
import { attach } from '@nic/native';
import { GuestMemory, type RegionDescription } from './guest-memory.js';
import { LOG_PAGE, VRING_F_LOG } from './protocol.js';
import {
  F_EVENT_IDX,
  F_HDR_12,
  F_INDIRECT,
  F_LOGGING,
  F_MRG_RXBUF,
  LOCK_BURST,
  LOCK_FREE,
  REGION_F64,
  R_GPA,
  R_HOST,
  R_SIZE,
  R_UVA,
  S_FLAGS,
  S_GEN,
  S_LOG_ADDR_F64,
  S_LOG_SIZE_F64,
  S_MEM_GEN,
  S_REGIONS,
  S_REGION_F64,
  V_ADDR_FLAGS,
  V_AVAIL_F64,
  V_CALL_FD,
  V_DESC_F64,
  V_DROPPED,
  V_ENABLED,
  V_ERRORS,
  V_HAS_ADDR,
  V_LAST_AVAIL,
  V_LAST_USED,
  V_LOCK,
  V_LOG_F64,
  V_NUM,
  V_USED_F64,
  VhostSharedState,
} from './shared-state.js';

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
/** The negotiated features the data path follows. */
export interface VringFeatures {
  readonly hdrSize: number;
  readonly mrgRxbuf: boolean;
  readonly eventIdx: boolean;
  readonly indirect: boolean;
}

/** A virtqueue. Control fields are set by the device's message handlers. */
export class Virtqueue {
  readonly index: number;
  addresses: VringAddresses | undefined;
  kickFd = -1;
  errFd = -1;
  /** A KICK with the no-fd bit: the frontend never kicks, the backend polls. */
  kicked = false;
  readonly #state: VhostSharedState;
  readonly #v32: Int32Array;
  readonly #v64: Float64Array;
  /** A poller's copy: it follows the shared state's generations (see {@link Virtqueue.attach}). */
  readonly #replica: boolean;
  #gen = -1;
  #memGen = 0;
  #logAddr = 0;
  // The ring indices during a burst (loaded and stored under the lock).
  #la = 0;
  #lu = 0;

  /** Vring `index` of `state` (by default a state of its own, for a device nobody else polls). */
  constructor(index: number, state: VhostSharedState = VhostSharedState.local(index + 1), replica = false) {
    this.index = index;
    this.#state = state;
    this.#v32 = state.v32[index];
    this.#v64 = state.v64[index];
    this.#replica = replica;
    if (!replica) this.#v32[V_CALL_FD] = -1;
  }

  /**
   * A poller of vring `index` of a device whose state is `state` (built over the same shared
   * bytes on this thread): its bursts follow what the connection's thread publishes,
   * attaching the guest memory on this thread.
   */
  static attach(state: VhostSharedState, index: number): Virtqueue {
    return new Virtqueue(index, state, true);
  }

  /** Ring size (SET_VRING_NUM). */
  get num(): number {
    return this.#v32[V_NUM];
  }
  set num(value: number) {
    this.#v32[V_NUM] = value;
  }
  /** Next avail entry to consume (SET_VRING_BASE / GET_VRING_BASE). */
  get lastAvail(): number {
    return this.#v32[V_LAST_AVAIL];
  }
  set lastAvail(value: number) {
    this.#v32[V_LAST_AVAIL] = value;
  }
  /** Next used index to publish. */
  get lastUsed(): number {
    return this.#v32[V_LAST_USED];
  }
  set lastUsed(value: number) {
    this.#v32[V_LAST_USED] = value;
  }
  /** SET_VRING_ENABLE state (rings start enabled unless PROTOCOL_FEATURES was negotiated). */
  get enabled(): boolean {
    return this.#v32[V_ENABLED] !== 0;
  }
  set enabled(value: boolean) {
    this.#v32[V_ENABLED] = value ? 1 : 0;
  }
  /** The call eventfd, or -1. */
  get callFd(): number {
    return this.#v32[V_CALL_FD];
  }
  set callFd(value: number) {
    this.#v32[V_CALL_FD] = value;
  }
  /** Chains refused as malformed (see the module comment). */
  get errors(): number {
    return this.#v32[V_ERRORS];
  }
  /** Packets dropped because an mbuf or guest buffer could not hold them. */
  get dropped(): number {
    return this.#v32[V_DROPPED];
  }

  /** Zeroes {@link Virtqueue.errors} and {@link Virtqueue.dropped}. */
  clearCounters(): void {
    this.#v32[V_ERRORS] = 0;
    this.#v32[V_DROPPED] = 0;
  }

  /** Stores the ring addresses (SET_VRING_ADDR) where pollers find them. */
  setAddresses(a: VringAddresses | undefined): void {
    this.addresses = a;
    const v64 = this.#v64;
    this.#v32[V_HAS_ADDR] = a ? 1 : 0;
    this.#v32[V_ADDR_FLAGS] = a ? a.flags : 0;
    v64[V_DESC_F64] = a ? a.desc : 0;
    v64[V_AVAIL_F64] = a ? a.avail : 0;
    v64[V_USED_F64] = a ? a.used : 0;
    v64[V_LOG_F64] = a ? a.log : 0;
  }

  // Translated ring locations, set by {@link Virtqueue.map}: region and word indices.
  #mem: GuestMemory | undefined;
  #num = 0;
  // Where the current packet's num_buffers bytes are (MRG_RXBUF), and whether the last chain was malformed.
  #nbLo: Uint8Array = new Uint8Array(2);
  #nbLoAt = 0;
  #nbHi: Uint8Array = new Uint8Array(2);
  #nbHiAt = 1;
  #chainBad = false;
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

  /** Whether the data path may run: mapped, kicked (or polling) and enabled. */
  get ready(): boolean {
    return this.#mem !== undefined && (this.kickFd >= 0 || this.kicked) && this.enabled;
  }

  /**
   * Starts a burst: takes the vring's access lock (false when the connection's thread holds
   * it) and, in a poller, catches up with what was published since its last burst.
   */
  #enter(): boolean {
    const v = this.#v32;
    if (Atomics.compareExchange(v, V_LOCK, LOCK_FREE, LOCK_BURST) !== LOCK_FREE) return false;
    if (this.#replica && this.#gen !== Atomics.load(this.#state.h32, S_GEN)) this.#follow();
    if (!this.#mem || v[V_ENABLED] === 0) {
      Atomics.store(v, V_LOCK, LOCK_FREE);
      return false;
    }
    this.#la = v[V_LAST_AVAIL];
    this.#lu = v[V_LAST_USED];
    return true;
  }

  /** Ends a burst: stores the ring indices and releases the lock. */
  #leave(): void {
    const v = this.#v32;
    v[V_LAST_AVAIL] = this.#la;
    v[V_LAST_USED] = this.#lu;
    Atomics.store(v, V_LOCK, LOCK_FREE);
  }

  /** A poller's catch-up: the guest memory, the rings and the log as now published. */
  #follow(): void {
    const state = this.#state;
    const h32 = state.h32;
    const h64 = state.h64;
    this.#gen = h32[S_GEN];
    this.#mem = undefined;
    if (h32[S_MEM_GEN] !== this.#memGen) {
      this.#memGen = h32[S_MEM_GEN];
      this.#attached = undefined;
      const n = h32[S_REGIONS];
      if (n > 0) {
        const regions: RegionDescription[] = [];
        const hosts: number[] = [];
        for (let i = 0; i < n; i++) {
          const r = S_REGION_F64 + i * REGION_F64;
          regions.push({ guestPhysAddr: h64[r + R_GPA], size: h64[r + R_SIZE], userspaceAddr: h64[r + R_UVA], mmapOffset: 0 });
          hosts.push(h64[r + R_HOST]);
        }
        this.#attached = new GuestMemory(regions, { hostAddresses: hosts });
      }
    }
    const flags = h32[S_FLAGS];
    const logAddr = h64[S_LOG_ADDR_F64];
    if (logAddr !== this.#logAddr) {
      this.#logAddr = logAddr;
      this.#attachedLog = logAddr === 0 ? undefined : new Uint8Array(attach(logAddr, h64[S_LOG_SIZE_F64]));
    }
    const v32 = this.#v32;
    const v64 = this.#v64;
    this.addresses =
      v32[V_HAS_ADDR] === 0 ? undefined : { flags: v32[V_ADDR_FLAGS], desc: v64[V_DESC_F64], avail: v64[V_AVAIL_F64], used: v64[V_USED_F64], log: v64[V_LOG_F64] };
    if (!this.#attached) return;
    this.map(this.#attached, {
      hdrSize: (flags & F_HDR_12) !== 0 ? NET_HDR_SIZE : NET_HDR_SIZE_LEGACY,
      mrgRxbuf: (flags & F_MRG_RXBUF) !== 0,
      eventIdx: (flags & F_EVENT_IDX) !== 0,
      indirect: (flags & F_INDIRECT) !== 0,
    });
    this.setLog(this.#attachedLog, (flags & F_LOGGING) !== 0);
  }

  #attached: GuestMemory | undefined;
  #attachedLog: Uint8Array | undefined;

  /** The data-path flags of `features` (and `logging`), as the shared state carries them. */
  static flags(features: VringFeatures, logging: boolean): number {
    return (
      (features.hdrSize === NET_HDR_SIZE ? F_HDR_12 : 0) |
      (features.mrgRxbuf ? F_MRG_RXBUF : 0) |
      (features.eventIdx ? F_EVENT_IDX : 0) |
      (features.indirect ? F_INDIRECT : 0) |
      (logging ? F_LOGGING : 0)
    );
  }

  /**
   * Translates the rings into `mem` with their full lengths. Returns an error message, or
   * undefined when the rings are mapped.
   */
  map(mem: GuestMemory, negotiated: VringFeatures): string | undefined {
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
    this.#num = num;
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

  /**
   * {@link setNotification} from any thread (a poller arming its rx interrupt): under the
   * vring's access lock, waiting while the connection's thread holds it, with a poller's
   * views brought up to date first. Returns false when the ring is not mapped or enabled.
   */
  guestNotification(on: boolean): boolean {
    const v = this.#v32;
    while (Atomics.compareExchange(v, V_LOCK, LOCK_FREE, LOCK_BURST) !== LOCK_FREE) {
      // The connection's thread is changing the device: it holds the lock briefly.
    }
    try {
      if (this.#replica && this.#gen !== Atomics.load(this.#state.h32, S_GEN)) this.#follow();
      if (!this.#mem || v[V_ENABLED] === 0) return false;
      this.setNotification(on);
      return true;
    } finally {
      Atomics.store(v, V_LOCK, LOCK_FREE);
    }
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
    if (!this.#enter()) return 0;
    const mem = this.#mem!;
    const num = this.#num;
    const mask = num - 1;
    let avail = (Atomics.load(this.#a16, this.#availH + 1) - this.#la) & 0xffff;
    if (avail > num) avail = num; // an index past the ring: take at most one ring's worth
    const want = avail < n ? avail : n;
    if (want === 0 || mbufs.allocBulk(pool, out, want, offset) !== 0) {
      this.#leave();
      return 0;
    }
    const a8 = arena.u8;
    const a16 = arena.u16;
    const a32 = arena.u32;
    let delivered = 0;
    for (let i = 0; i < want; i++) {
      const head = this.#a16[this.#availH + 2 + (this.#la & mask)];
      this.#la = (this.#la + 1) & 0xffff;
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
    if (delivered < want) mbufs.freeBulk(out, want - delivered, offset + delivered);
    this.#publish();
    this.#leave();
    return delivered;
  }

  /**
   * Host-to-guest: copies up to `n` mbufs from `handles[offset..]` into guest buffers.
   * Returns how many were placed; the caller still owns (and frees) every mbuf. With
   * MRG_RXBUF a packet spreads over as many available chains as it needs (their count in
   * the header's `num_buffers`); without it, one chain must hold it. Stops at the first
   * packet the available chains cannot hold, leaving it and them for a later burst.
   */
  enqueueBurst(arena: Arena, handles: Uint32Array, n: number, offset: number): number {
    if (!this.#enter()) return 0;
    const mem = this.#mem!;
    const num = this.#num;
    const mask = num - 1;
    const mrg = this.#mrg;
    const hdr = this.#hdr;
    const availIdx = Atomics.load(this.#a16, this.#availH + 1);
    // An index more than a ring ahead is the frontend's error: take at most one ring's worth.
    const end = ((availIdx - this.#la) & 0xffff) > num ? (this.#la + num) & 0xffff : availIdx;
    const a8 = arena.u8;
    const a16 = arena.u16;
    const a32 = arena.u32;
    const burstUsed = this.#lu;
    let placed = 0;
    while (placed < n && this.#la !== end) {
      const h = handles[offset + placed];
      const src = a32[(h + MBUF_BUF_ADDR) >>> 2] + a16[(h + MBUF_DATA_OFF) >>> 1];
      const len = a16[(h + MBUF_DATA_LEN) >>> 1];
      const need = hdr + len;
      const firstAvail = this.#la;
      const firstUsed = this.#lu;
      let done = 0;
      let buffers = 0;
      while (done < need && this.#la !== end) {
        const head = this.#a16[this.#availH + 2 + (this.#la & mask)];
        const next = this.#writeChain(mem, head, a8, a32, src, len, done);
        if (next < 0) break;
        if (!mrg && next < need) break; // one chain must hold the packet
        this.#la = (this.#la + 1) & 0xffff;
        this.#used(head, next - done);
        done = next;
        buffers++;
      }
      if (done === need) {
        if (mrg) {
          this.#nbLo[this.#nbLoAt] = buffers & 0xff;
          this.#nbHi[this.#nbHiAt] = buffers >>> 8;
        }
        placed++;
        continue;
      }
      this.#lu = firstUsed;
      if (this.#chainBad) {
        // A malformed chain: every chain this packet took, and the bad one, go back unused
        // (length 0); the packet is dropped (counted in errors).
        this.#la = firstAvail;
        for (let k = 0; k <= buffers; k++) {
          this.#used(this.#a16[this.#availH + 2 + (this.#la & mask)], 0);
          this.#la = (this.#la + 1) & 0xffff;
        }
        placed++;
        continue;
      }
      // Too few chains yet (MRG_RXBUF), or one too small for the packet: leave the packet and
      // the chains for later; a chain too small is counted, as it stalls the ring.
      if (this.#la !== end) this.#v32[V_DROPPED]++;
      this.#la = firstAvail;
      break;
    }
    if (this.#lu !== burstUsed) this.#publish();
    this.#leave();
    return placed;
  }

  /** Points the table scratch at descriptor table `head`'s chain; returns the first index or -1. */
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
          this.#v32[V_DROPPED]++;
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
      this.#v32[V_DROPPED]++;
      return 0;
    }
    return total;
  }

  /**
   * Continues writing the packet stream (a zeroed net header, then `len` bytes from
   * `a8[src..]`) from its byte `done` into the writable chain at `head`, as far as the
   * chain or the stream goes. Returns the stream position reached, or -1 for a malformed
   * chain (then {@link Virtqueue.#chainBad} is set). Remembers where the header's
   * `num_buffers` bytes went, for the caller to fill.
   */
  #writeChain(mem: GuestMemory, head: number, a8: Uint8Array, a32: Uint32Array, src: number, len: number, done: number): number {
    this.#chainBad = false;
    let d = this.#startChain(mem, head);
    if (d < 0) return this.#badChain();
    const t32 = this.#t32;
    const t16 = this.#t16;
    const hdr = this.#hdr;
    const need = hdr + len;
    for (let steps = 0; done < need; steps++) {
      if (steps >= this.#tNum) return this.#badChain();
      const w = this.#tW + d * 4;
      const flags = t16[(w << 1) + 6];
      if ((flags & (DESC_F_WRITE | DESC_F_INDIRECT)) !== DESC_F_WRITE) return this.#badChain();
      const dlen = t32[w + 2];
      const addr = t32[w] + t32[w + 1] * 0x100000000;
      const off = mem.gpa(addr, dlen);
      if (off < 0) return this.#badChain();
      const g8 = mem.u8[mem.region];
      let pos = 0;
      const g32 = mem.u32[mem.region];
      if (done === 0 && hdr === NET_HDR_SIZE && dlen >= NET_HDR_SIZE && (off & 3) === 0 && g32.length > 0) {
        // The usual case: the whole 12-byte header at an aligned start, three zero words.
        const w = off >>> 2;
        g32[w] = 0;
        g32[w + 1] = 0;
        g32[w + 2] = 0;
        this.#nbLo = g8;
        this.#nbLoAt = off + NET_HDR_NUM_BUFFERS;
        this.#nbHi = g8;
        this.#nbHiAt = off + NET_HDR_NUM_BUFFERS + 1;
        pos = NET_HDR_SIZE;
        done = NET_HDR_SIZE;
      }
      // Header bytes first (they may span descriptors), then packet bytes.
      while (done < hdr && pos < dlen) {
        if (done === NET_HDR_NUM_BUFFERS) {
          this.#nbLo = g8;
          this.#nbLoAt = off + pos;
        } else if (done === NET_HDR_NUM_BUFFERS + 1) {
          this.#nbHi = g8;
          this.#nbHiAt = off + pos;
        }
        g8[off + pos] = 0;
        pos++;
        done++;
      }
      if (pos < dlen && done < need) {
        const c = need - done < dlen - pos ? need - done : dlen - pos;
        copyOut(a8, a32, src + done - hdr, g8, g32, off + pos, c);
        done += c;
        pos += c;
      }
      if (this.#logging) this.#logRange(addr, pos);
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
    const slot = this.#usedW + 1 + (this.#lu & (this.#num - 1)) * 2;
    this.#u32[slot] = head;
    this.#u32[slot + 1] = len;
    this.#lu = (this.#lu + 1) & 0xffff;
  }

  /** Publishes the used index (a sequentially consistent store orders the entries before it) and calls the guest if it asked. */
  #publish(): void {
    const num = this.#num;
    const lastUsed = this.#lu;
    const old = this.#u16[this.#usedH + 1];
    Atomics.store(this.#u16, this.#usedH + 1, lastUsed);
    if (this.#eventIdx) this.#u16[this.#usedH + 2 + (USED_ELEM_SIZE >>> 1) * num] = this.#la;
    if (this.#logging && this.#usedLog >= 0) this.#logRange(this.#usedLog, usedSize(num));
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
