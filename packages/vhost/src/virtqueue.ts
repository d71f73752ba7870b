/**
 * One virtqueue as the frontend set it up (SET_VRING_NUM/ADDR/BASE/KICK/CALL/ENABLE), and
 * its data path in either format: split ({@link SplitRing}) or packed ({@link PackedRing},
 * with VIRTIO_F_RING_PACKED). Even vrings carry packets to the guest (enqueue), odd ones from
 * it (dequeue); {@link PacketCopy} moves the bytes, chaining mbufs for packets larger than one.
 *
 * Every guest address is translated with its length before use, and every chain is walked
 * with its indices, lengths and loop bounds checked (see the formats); a malformed chain is
 * returned to the guest unused and counted in {@link Virtqueue.errors}. The per-packet code
 * allocates nothing and makes no addon call.
 *
 * The ring indices, counters and control fields live in the device's
 * {@link VhostSharedState}: the connection's thread sets them up, and a poller on any thread
 * ({@link Virtqueue.attach}) runs bursts under the vring's access lock.
 *
 * Bursts of either format run in a WebAssembly kernel when the guest's regions are windows of
 * the burst's arena memory (the device was given the arena, and for a poller, the shared
 * state lies in that arena), and while LOG_ALL is on, the log too; otherwise in TypeScript.
 */
import type { Arena, MbufView, Mempool } from '@nic/eal';
import { attach } from '@nic/native';
import { DirtyLog } from './dirty-log.js';
import { GuestMemory, type RegionDescription } from './guest-memory.js';
import { PackedRing } from './packed-ring.js';
import { NET_HDR_SIZE, NET_HDR_SIZE_LEGACY, PacketCopy } from './packet-copy.js';
import { VRING_F_LOG } from './protocol.js';
import type { RingFormat, VringAddresses, VringFeatures } from './ring-format.js';
import {
  F_EVENT_IDX,
  F_HDR_12,
  F_INDIRECT,
  F_IN_ORDER,
  F_LOGGING,
  F_MRG_RXBUF,
  F_PACKED,
  LOCK_BURST,
  LOCK_FREE,
  REGION_F64,
  R_GPA,
  R_HOST,
  R_SIZE,
  R_UVA,
  R_WINDOW,
  S_FLAGS,
  S_GEN,
  S_LOG_ADDR_F64,
  S_LOG_SIZE_F64,
  S_LOG_WINDOW_F64,
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
import { SplitRing } from './split-ring.js';

export { DESC_F_INDIRECT, DESC_F_NEXT, DESC_F_WRITE, DESC_SIZE, type VringAddresses, type VringFeatures } from './ring-format.js';
export { AVAIL_F_NO_INTERRUPT, USED_ELEM_SIZE, USED_F_NO_NOTIFY, availSize, usedSize } from './split-ring.js';
export { DESC_F_AVAIL, DESC_F_USED, EVENT_AREA_SIZE, RING_EVENT_FLAGS_DESC, RING_EVENT_FLAGS_DISABLE, RING_EVENT_FLAGS_ENABLE, WRAP_BIT } from './packed-ring.js';
export { MAX_PACKET, NET_HDR_NUM_BUFFERS, NET_HDR_SIZE, NET_HDR_SIZE_LEGACY } from './packet-copy.js';

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
  readonly #log = new DirtyLog();
  readonly #copy = new PacketCopy(this.#log);
  readonly #split: SplitRing;
  readonly #packedRing: PackedRing;
  /** The format the rings were mapped in, while mapped. */
  #ring: RingFormat | undefined;
  #mem: GuestMemory | undefined;
  #attached: GuestMemory | undefined;
  #attachedLog: Uint8Array | undefined;
  #bulkFreePool = 0;

  /** Vring `index` of `state` (by default a state of its own, for a device nobody else polls). */
  constructor(index: number, state: VhostSharedState = VhostSharedState.local(index + 1), replica = false) {
    this.index = index;
    this.#state = state;
    this.#v32 = state.v32[index];
    this.#v64 = state.v64[index];
    this.#replica = replica;
    this.#split = new SplitRing(this.#copy, this.#v32);
    this.#packedRing = new PackedRing(this.#copy, this.#v32);
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
  /**
   * Next avail entry to consume (SET_VRING_BASE / GET_VRING_BASE): a free-running 16-bit
   * index for a split ring; for a packed ring, the descriptor index with the avail wrap
   * counter in bit 15.
   */
  get lastAvail(): number {
    return this.#v32[V_LAST_AVAIL];
  }
  set lastAvail(value: number) {
    this.#v32[V_LAST_AVAIL] = value;
  }
  /** Next used index to publish, in the form of {@link Virtqueue.lastAvail}. */
  get lastUsed(): number {
    return this.#v32[V_LAST_USED];
  }
  set lastUsed(value: number) {
    this.#v32[V_LAST_USED] = value;
  }
  /** Whether the rings are mapped as a packed ring. */
  get packed(): boolean {
    return this.#ring === this.#packedRing;
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
  /** Packets dropped because no mbuf or guest buffer could hold them. */
  get dropped(): number {
    return this.#v32[V_DROPPED];
  }
  /** Packets this object's bursts moved through the WebAssembly kernel (the rest took the TypeScript walk). */
  get kernelPackets(): number {
    return this.#split.kernelPackets + this.#packedRing.kernelPackets;
  }

  /**
   * After {@link Virtqueue.enqueueBurst}: the pool (its arena offset, the mbufs' pool field)
   * that every mbuf the burst placed came from, when each is one direct segment with refcnt
   * 1 (checked by the split ring's kernel as it read them), so that freeing them is putting
   * them back in bulk (`Mempool.putBulk`) with nothing to do per mbuf; 0 otherwise (a packet
   * the TypeScript walk took, a packed ring, an mbuf not so, mbufs of two pools, none placed).
   */
  get bulkFreePool(): number {
    return this.#bulkFreePool;
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

  /** Whether the data path may run: mapped, kicked (or polling) and enabled. */
  get ready(): boolean {
    return this.#mem !== undefined && (this.kickFd >= 0 || this.kicked) && this.enabled;
  }

  /**
   * Starts a burst: takes the vring's access lock (false when the connection's thread holds
   * it) and, in a poller, catches up with what was published since its last burst.
   */
  #enter(): RingFormat | undefined {
    const v = this.#v32;
    if (Atomics.compareExchange(v, V_LOCK, LOCK_FREE, LOCK_BURST) !== LOCK_FREE) return undefined;
    // A plain read: the generation changes only under every vring's lock (unlockAll), and
    // the exchange that took this one orders the read after the last change.
    if (this.#replica && this.#gen !== this.#state.h32[S_GEN]) this.#follow();
    const ring = this.#ring;
    if (!this.#mem || !ring || v[V_ENABLED] === 0 || !ring.begin(v[V_LAST_AVAIL], v[V_LAST_USED])) {
      Atomics.store(v, V_LOCK, LOCK_FREE);
      return undefined;
    }
    return ring;
  }

  /**
   * Whether a burst with `arena` may run the kernel: the guest's regions are windows of its
   * memory (mapped there by this device, or, for a poller, published by a device whose state
   * lies in this arena), and so is the log while logging.
   */
  #kernelUsable(arena: Arena): boolean {
    const mem = this.#mem!;
    if (mem.windowAddresses.length === 0 || (this.#log.on && this.#log.window < 0)) return false;
    return this.#replica ? this.#state.location.buffer === arena.buffer : mem.memory === arena.wasm.memory;
  }

  /** Ends a burst: stores the ring indices and releases the lock. */
  #leave(ring: RingFormat): void {
    const v = this.#v32;
    v[V_LAST_AVAIL] = ring.la;
    v[V_LAST_USED] = ring.lu;
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
        const windows: number[] = [];
        for (let i = 0; i < n; i++) {
          const r = S_REGION_F64 + i * REGION_F64;
          regions.push({ guestPhysAddr: h64[r + R_GPA], size: h64[r + R_SIZE], userspaceAddr: h64[r + R_UVA], mmapOffset: 0 });
          hosts.push(h64[r + R_HOST]);
          if (h64[r + R_WINDOW] >= 0) windows.push(h64[r + R_WINDOW]);
        }
        this.#attached = new GuestMemory(regions, { hostAddresses: hosts, windowAddresses: windows.length === n ? windows : undefined });
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
      packed: (flags & F_PACKED) !== 0,
      inOrder: (flags & F_IN_ORDER) !== 0,
    });
    this.setLog(this.#attachedLog, (flags & F_LOGGING) !== 0, h64[S_LOG_WINDOW_F64]);
  }

  /** The data-path flags of `features` (and `logging`), as the shared state carries them. */
  static flags(features: VringFeatures, logging: boolean): number {
    return (
      (features.hdrSize === NET_HDR_SIZE ? F_HDR_12 : 0) |
      (features.mrgRxbuf ? F_MRG_RXBUF : 0) |
      (features.eventIdx ? F_EVENT_IDX : 0) |
      (features.indirect ? F_INDIRECT : 0) |
      (features.packed === true ? F_PACKED : 0) |
      (features.inOrder === true ? F_IN_ORDER : 0) |
      (logging ? F_LOGGING : 0)
    );
  }

  /**
   * Translates the rings into `mem` with their full lengths, in the format `negotiated`
   * names. Returns an error message, or undefined when the rings are mapped.
   */
  map(mem: GuestMemory, negotiated: VringFeatures): string | undefined {
    this.#mem = undefined;
    this.#ring = undefined;
    const a = this.addresses;
    if (!a || this.num === 0) return undefined;
    const ring = negotiated.packed === true ? this.#packedRing : this.#split;
    const error = ring.map(mem, a, this.num, this.index, negotiated);
    if (error) return error;
    this.#copy.hdr = negotiated.hdrSize;
    this.#ring = ring;
    this.#mem = mem;
    return undefined;
  }

  /**
   * Turns dirty logging on (`log` mapped and LOG_ALL negotiated) or off; `window` is the
   * log's address in the arena's WebAssembly memory when it is mapped there, else -1. Used-ring
   * writes are logged when SET_VRING_ADDR had VRING_F_LOG, at its `log` address.
   */
  setLog(log: Uint8Array | undefined, on: boolean, window = -1): void {
    this.#log.set(log, on, window);
    const a = this.addresses;
    const usedLog = a && (a.flags & VRING_F_LOG) !== 0 ? a.log : -1;
    this.#split.usedLog = usedLog;
    this.#packedRing.usedLog = usedLog;
  }

  /**
   * Marks `length` bytes at `offset` of the used ring dirty, while logging is on and
   * SET_VRING_ADDR gave the used ring's log address (`rte_vhost_log_used_vring`): for a
   * device (vDPA) that wrote the ring itself. For a packed ring, `offset` is into the
   * descriptor ring, where used descriptors are written.
   */
  logUsed(offset: number, length: number): void {
    (this.#ring ?? this.#split).logUsed(offset, length);
  }

  /** Forgets the ring translation (memory table replaced, ring stopped). */
  unmap(): void {
    this.#mem = undefined;
    this.#ring = undefined;
  }

  /** Asks the frontend not to kick (polling) or to kick (interrupt mode). */
  setNotification(on: boolean): void {
    if (this.#mem) this.#ring!.setNotification(on, this.lastAvail);
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

  /** Entries (split) or descriptors (packed) the frontend has made available and the backend not yet consumed. */
  availCount(): number {
    return this.#mem ? this.#ring!.availCount(this.lastAvail) : 0;
  }

  /**
   * Guest-to-host: takes up to `n` packets from the ring into mbufs allocated from
   * `pool` (stored at `out[offset..]`; a packet larger than one mbuf gets a chain of them).
   * Returns how many were delivered; malformed chains and packets that fit no mbufs are
   * returned to the guest and counted.
   */
  dequeueBurst(arena: Arena, mbufs: MbufView, pool: Mempool, out: Uint32Array, n: number, offset: number): number {
    const ring = this.#enter();
    if (!ring) return 0;
    this.#copy.bind(arena);
    ring.prepare(arena, this.#kernelUsable(arena));
    const got = ring.dequeue(this.#mem!, mbufs, pool, out, n, offset);
    this.#leave(ring);
    return got;
  }

  /**
   * Host-to-guest: copies up to `n` mbufs (one segment or a chain each) from
   * `handles[offset..]` into guest buffers. Returns how many were placed; the caller still
   * owns (and frees) every mbuf. With MRG_RXBUF a packet spreads over as many available
   * chains as it needs (their count in the header's `num_buffers`); without it, one chain
   * must hold it. Stops at the first packet the available chains cannot hold, leaving it
   * and them for a later burst.
   */
  enqueueBurst(arena: Arena, handles: Uint32Array, n: number, offset: number): number {
    this.#bulkFreePool = 0;
    const ring = this.#enter();
    if (!ring) return 0;
    this.#copy.bind(arena);
    ring.prepare(arena, this.#kernelUsable(arena));
    const placed = ring.enqueue(this.#mem!, handles, n, offset);
    if (ring === this.#split) this.#bulkFreePool = this.#split.bulkFreePool;
    this.#leave(ring);
    return placed;
  }
}
