/**
 * Packet buffers (DPDK's `rte_mbuf` and `rte_pktmbuf_*`): pools of mbufs and the
 * operations on them. A mbuf is a handle, the arena offset of its header (see
 * `mbuf-layout.ts`); {@link MbufView} reads and writes headers through the arena's typed
 * arrays, one view per thread, and allocates nothing per packet.
 *
 * Functions that return a position in DPDK return an arena byte offset here (read the
 * bytes with `arena.u8`), and -1 where DPDK returns NULL.
 *
 * Keep the arena under 1 GiB where you can: handles and offsets below 2^30 are V8 small
 * integers. Larger arenas work, but a number of 2^30 or more returned by a function V8
 * did not inline is boxed into a heap object, an allocation per call. For the same reason
 * a driver writing descriptors copies the IOVA words ({@link MBUF_BUF_IOVA_LO},
 * {@link MBUF_BUF_IOVA_HI}) rather than calling {@link MbufView.dataIova}.
 */
import { NicError } from '@nic/native';
import type { Arena } from './arena.js';
import { ERR_ENOENT, ERR_EOVERFLOW } from './errno.js';
import {
  MBUF_BUF_ADDR,
  MBUF_BUF_IOVA_HI,
  MBUF_BUF_IOVA_LO,
  MBUF_BUF_LEN,
  MBUF_DATA_LEN,
  MBUF_DATA_OFF,
  MBUF_DEFAULT_BUF_SIZE,
  MBUF_DYNFIELD,
  MBUF_DYNFIELD_SIZE,
  MBUF_F_INDIRECT_HI,
  MBUF_HDR_SIZE,
  MBUF_HEADROOM,
  MBUF_MAX_BUF_LEN,
  MBUF_MAX_NB_SEGS,
  MBUF_NB_SEGS,
  MBUF_NEXT,
  MBUF_OL_FLAGS_HI,
  MBUF_OL_FLAGS_LO,
  MBUF_PACKET_TYPE,
  MBUF_PKT_LEN,
  MBUF_POOL,
  MBUF_POOL_DATA_ROOM_SIZE,
  MBUF_POOL_PRIV_SIZE,
  MBUF_POOL_PRIVATE_SIZE,
  MBUF_PORT,
  MBUF_PORT_INVALID,
  MBUF_PRIV_ALIGN,
  MBUF_PRIV_SIZE,
  MBUF_REFCNT,
  MBUF_RSS_HASH,
  MBUF_VLAN_TCI,
  MBUF_VLAN_TCI_OUTER,
} from './mbuf-layout.js';
import { Mempool, MP_SERIAL } from './mempool.js';
import { ArenaViews, wasmKernel } from './wasm-kernel.js';
import freeKernel from './mbuf-free.wat';

/** How many mbufs {@link MbufView.freeBulk} hands back to a pool at once. */
export const MBUF_FREE_BULK_SIZE = 64;
/** Bytes of a handle. */
const HANDLE_BYTES = 4;

/** The exports of `mbuf-free.wat`. */
interface FreeKernel {
  /**
   * How many of the `n` handles at arena offset `at`, from the first on, are plain mbufs
   * (direct, refcnt 1, one segment, no next) of the first one's pool.
   */
  plain(at: number, n: number): number;
}

/**
 * Creates a pool of `n` packet mbufs (DPDK's `rte_pktmbuf_pool_create`): each has a
 * {@link MBUF_HDR_SIZE}-byte header, `privSize` bytes of application area and a buffer
 * of `dataRoomSize` bytes, headroom included. Every mbuf starts with refcnt 1, one
 * segment, no port, and the IOVA of its buffer recorded.
 * @throws NicError `NIC_EINVAL` for a private size that is not a multiple of
 *   {@link MBUF_PRIV_ALIGN} or a buffer beyond {@link MBUF_MAX_BUF_LEN}, and as
 *   `Mempool.create`.
 */
export function pktmbufPoolCreate(
  arena: Arena,
  name: string,
  n: number,
  cacheSize = 0,
  privSize = 0,
  dataRoomSize = MBUF_DEFAULT_BUF_SIZE,
  flags = 0,
): Mempool {
  if (typeof privSize !== 'number' || typeof dataRoomSize !== 'number') throw new TypeError('mbuf private and data room sizes must be numbers');
  if (!Number.isInteger(privSize) || privSize < 0 || privSize > MBUF_MAX_BUF_LEN || privSize % MBUF_PRIV_ALIGN !== 0) {
    throw new NicError('NIC_EINVAL', `pktmbuf pool '${name}': private size ${privSize} is not a multiple of ${MBUF_PRIV_ALIGN} up to ${MBUF_MAX_BUF_LEN}`);
  }
  if (!Number.isInteger(dataRoomSize) || dataRoomSize < 0 || dataRoomSize > MBUF_MAX_BUF_LEN) {
    throw new NicError('NIC_EINVAL', `pktmbuf pool '${name}': data room size ${dataRoomSize} is outside 0..${MBUF_MAX_BUF_LEN}`);
  }
  const { u16, u32 } = arena;
  return Mempool.create(arena, name, n, MBUF_HDR_SIZE + privSize + dataRoomSize, {
    cacheSize,
    flags,
    privateDataSize: MBUF_POOL_PRIVATE_SIZE,
    poolInit: (pool) => {
      u32[(pool.privOffset + MBUF_POOL_DATA_ROOM_SIZE) >>> 2] = dataRoomSize;
      u32[(pool.privOffset + MBUF_POOL_PRIV_SIZE) >>> 2] = privSize;
    },
    objInit: (pool, h) => {
      const buf = h + MBUF_HDR_SIZE + privSize;
      const iova = pool.objectIova(h) + MBUF_HDR_SIZE + privSize;
      u32[(h + MBUF_BUF_ADDR) >>> 2] = buf;
      u32[(h + MBUF_BUF_IOVA_LO) >>> 2] = iova % 2 ** 32;
      u32[(h + MBUF_BUF_IOVA_HI) >>> 2] = Math.floor(iova / 2 ** 32);
      u16[(h + MBUF_BUF_LEN) >>> 1] = dataRoomSize;
      u16[(h + MBUF_PRIV_SIZE) >>> 1] = privSize;
      u16[(h + MBUF_DATA_OFF) >>> 1] = Math.min(MBUF_HEADROOM, dataRoomSize);
      u32[(h + MBUF_POOL) >>> 2] = pool.offset;
      u16[(h + MBUF_NB_SEGS) >>> 1] = 1;
      u16[(h + MBUF_PORT) >>> 1] = MBUF_PORT_INVALID;
      u16[(h + MBUF_REFCNT) >>> 1] = 1;
    },
  });
}

/** Buffer size (headroom included) of the mbufs of a pktmbuf pool (`rte_pktmbuf_data_room_size`). */
export function pktmbufDataRoomSize(pool: Mempool): number {
  return pool.arena.u32[(pool.privOffset + MBUF_POOL_DATA_ROOM_SIZE) >>> 2];
}

/** Private area size of the mbufs of a pktmbuf pool (`rte_pktmbuf_priv_size`). */
export function pktmbufPrivSize(pool: Mempool): number {
  return pool.arena.u32[(pool.privOffset + MBUF_POOL_PRIV_SIZE) >>> 2];
}

/**
 * Per-thread access to the mbufs of an arena. Field getters and setters take a handle; the
 * packet operations follow `rte_pktmbuf_*`. Handle 0 means "no mbuf" everywhere. Like
 * DPDK's inline accessors they do not validate handles (that would cost on every packet):
 * pass handles this API gave you, and use {@link MbufView.check} when in doubt.
 */
export class MbufView {
  readonly arena: Arena;
  readonly #u8: Uint8Array;
  readonly #u16: Uint16Array;
  readonly #u32: Uint32Array;
  /** Pools met so far by this view, to find a mbuf's pool without a lookup. */
  readonly #pools: Mempool[] = [];
  #lastPool: Mempool | undefined;
  readonly #batch = new Uint32Array(MBUF_FREE_BULK_SIZE);
  readonly #views: ArenaViews;
  readonly #plain: FreeKernel['plain'];

  constructor(arena: Arena) {
    this.arena = arena;
    this.#u8 = arena.u8;
    this.#u16 = arena.u16;
    this.#u32 = arena.u32;
    this.#views = new ArenaViews(arena.buffer);
    this.#plain = wasmKernel<FreeKernel>(freeKernel, arena).plain;
  }

  /** Arena offset of the buffer. */
  bufAddr(h: number): number {
    return this.#u32[(h + MBUF_BUF_ADDR) >>> 2];
  }

  /** IOVA of the buffer. */
  bufIova(h: number): number {
    return this.#u32[(h + MBUF_BUF_IOVA_HI) >>> 2] * 2 ** 32 + this.#u32[(h + MBUF_BUF_IOVA_LO) >>> 2];
  }

  /** IOVA of the first data byte (`rte_mbuf_data_iova`): what a driver writes in a descriptor. */
  dataIova(h: number): number {
    return this.bufIova(h) + this.dataOff(h);
  }

  /** Buffer length, headroom included. */
  bufLen(h: number): number {
    return this.#u16[(h + MBUF_BUF_LEN) >>> 1];
  }

  /** Offset of the data in the buffer (= headroom). */
  dataOff(h: number): number {
    return this.#u16[(h + MBUF_DATA_OFF) >>> 1];
  }

  /** Sets the data offset (taken modulo 2^16). */
  setDataOff(h: number, value: number): void {
    this.#u16[(h + MBUF_DATA_OFF) >>> 1] = value;
  }

  /** Bytes of data in this segment. */
  dataLen(h: number): number {
    return this.#u16[(h + MBUF_DATA_LEN) >>> 1];
  }

  /** Sets the segment's data length (taken modulo 2^16). */
  setDataLen(h: number, value: number): void {
    this.#u16[(h + MBUF_DATA_LEN) >>> 1] = value;
  }

  /** Bytes in the whole packet (first segment). */
  pktLen(h: number): number {
    return this.#u32[(h + MBUF_PKT_LEN) >>> 2];
  }

  /** Sets the packet length (taken modulo 2^32). */
  setPktLen(h: number, value: number): void {
    this.#u32[(h + MBUF_PKT_LEN) >>> 2] = value;
  }

  /** Input port, {@link MBUF_PORT_INVALID} when none. */
  port(h: number): number {
    return this.#u16[(h + MBUF_PORT) >>> 1];
  }

  /** Sets the input port. */
  setPort(h: number, value: number): void {
    this.#u16[(h + MBUF_PORT) >>> 1] = value;
  }

  /** Offload flags, bits 0-31. */
  olFlagsLo(h: number): number {
    return this.#u32[(h + MBUF_OL_FLAGS_LO) >>> 2];
  }

  /** Offload flags, bits 32-63. */
  olFlagsHi(h: number): number {
    return this.#u32[(h + MBUF_OL_FLAGS_HI) >>> 2];
  }

  /** Sets offload flags bits 0-31. */
  setOlFlagsLo(h: number, value: number): void {
    this.#u32[(h + MBUF_OL_FLAGS_LO) >>> 2] = value;
  }

  /** Sets offload flags bits 32-63 (keep {@link MBUF_F_INDIRECT_HI} as it is). */
  setOlFlagsHi(h: number, value: number): void {
    this.#u32[(h + MBUF_OL_FLAGS_HI) >>> 2] = value;
  }

  /** Packet type. */
  packetType(h: number): number {
    return this.#u32[(h + MBUF_PACKET_TYPE) >>> 2];
  }

  /** Sets the packet type. */
  setPacketType(h: number, value: number): void {
    this.#u32[(h + MBUF_PACKET_TYPE) >>> 2] = value;
  }

  /** RSS hash. */
  rssHash(h: number): number {
    return this.#u32[(h + MBUF_RSS_HASH) >>> 2];
  }

  /** Sets the RSS hash. */
  setRssHash(h: number, value: number): void {
    this.#u32[(h + MBUF_RSS_HASH) >>> 2] = value;
  }

  /** VLAN TCI. */
  vlanTci(h: number): number {
    return this.#u16[(h + MBUF_VLAN_TCI) >>> 1];
  }

  /** Sets the VLAN TCI. */
  setVlanTci(h: number, value: number): void {
    this.#u16[(h + MBUF_VLAN_TCI) >>> 1] = value;
  }

  /** Outer VLAN TCI. */
  vlanTciOuter(h: number): number {
    return this.#u16[(h + MBUF_VLAN_TCI_OUTER) >>> 1];
  }

  /** Sets the outer VLAN TCI. */
  setVlanTciOuter(h: number, value: number): void {
    this.#u16[(h + MBUF_VLAN_TCI_OUTER) >>> 1] = value;
  }

  /** Number of segments (first segment). */
  nbSegs(h: number): number {
    return this.#u16[(h + MBUF_NB_SEGS) >>> 1];
  }

  /** Sets the number of segments. */
  setNbSegs(h: number, value: number): void {
    this.#u16[(h + MBUF_NB_SEGS) >>> 1] = value;
  }

  /** Next segment, 0 for the last. */
  next(h: number): number {
    return this.#u32[(h + MBUF_NEXT) >>> 2];
  }

  /** Sets the next segment. */
  setNext(h: number, value: number): void {
    this.#u32[(h + MBUF_NEXT) >>> 2] = value;
  }

  /** Arena offset of the mempool the mbuf belongs to (0 when none). */
  poolOffset(h: number): number {
    return this.#u32[(h + MBUF_POOL) >>> 2];
  }

  /** Bytes of private area after the header. */
  privSize(h: number): number {
    return this.#u16[(h + MBUF_PRIV_SIZE) >>> 1];
  }

  /** Arena offset of the private area (`rte_mbuf_to_priv`). */
  priv(h: number): number {
    return h + MBUF_HDR_SIZE;
  }

  /** Arena offset of the driver and application area in the header. */
  dynfield(h: number): number {
    return h + MBUF_DYNFIELD;
  }

  /** Reference count. */
  refcnt(h: number): number {
    return Atomics.load(this.#u16, (h + MBUF_REFCNT) >>> 1);
  }

  /** Sets the reference count (only while no other thread holds a reference). */
  setRefcnt(h: number, value: number): void {
    Atomics.store(this.#u16, (h + MBUF_REFCNT) >>> 1, value);
  }

  /**
   * Adds `delta` (may be negative) to the reference count and returns the new count. A
   * count of 1 means the caller is the only holder, so it is updated without an atomic
   * read-modify-write, as DPDK does; otherwise `Atomics.add` makes concurrent updates safe.
   */
  refcntUpdate(h: number, delta: number): number {
    const index = (h + MBUF_REFCNT) >>> 1;
    const u16 = this.#u16;
    if (u16[index] === 1) {
      u16[index] = 1 + delta;
      return u16[index];
    }
    return (Atomics.add(u16, index, delta) + delta) & 0xffff;
  }

  /** Arena offset of the first data byte (`rte_pktmbuf_mtod`). */
  mtod(h: number): number {
    return this.bufAddr(h) + this.dataOff(h);
  }

  /** Arena offset of data byte `offset` of this segment (`rte_pktmbuf_mtod_offset`, unchecked). */
  mtodOffset(h: number, offset: number): number {
    return this.bufAddr(h) + this.dataOff(h) + offset;
  }

  /** Bytes free before the data. */
  headroom(h: number): number {
    return this.dataOff(h);
  }

  /** Bytes free after the data in this segment. */
  tailroom(h: number): number {
    return this.bufLen(h) - this.dataOff(h) - this.dataLen(h);
  }

  /** Whether the mbuf owns its buffer (is no clone). */
  isDirect(h: number): boolean {
    return (this.olFlagsHi(h) & MBUF_F_INDIRECT_HI) === 0;
  }

  /** Whether the packet is one segment. */
  isContiguous(h: number): boolean {
    return this.nbSegs(h) === 1;
  }

  /** The last segment of the chain starting at `h`. */
  lastSeg(h: number): number {
    let seg = h;
    for (let next = this.next(seg); next !== 0; next = this.next(seg)) seg = next;
    return seg;
  }

  /** The pool the mbuf returns to. @throws NicError `NIC_EINVAL` when its pool field names no pool. */
  pool(h: number): Mempool {
    const offset = this.#u32[(h + MBUF_POOL) >>> 2];
    const last = this.#lastPool;
    if (last !== undefined && last.offset === offset && this.#u32[(offset + MP_SERIAL) >>> 2] === last.serial) return last;
    return this.#findPool(offset);
  }

  /** Resets a mbuf to one empty segment with default headroom (`rte_pktmbuf_reset`). */
  reset(h: number): void {
    const u16 = this.#u16;
    const u32 = this.#u32;
    u32[(h + MBUF_NEXT) >>> 2] = 0;
    u32[(h + MBUF_PKT_LEN) >>> 2] = 0;
    u16[(h + MBUF_VLAN_TCI) >>> 1] = 0;
    u16[(h + MBUF_VLAN_TCI_OUTER) >>> 1] = 0;
    u16[(h + MBUF_NB_SEGS) >>> 1] = 1;
    u16[(h + MBUF_PORT) >>> 1] = MBUF_PORT_INVALID;
    u32[(h + MBUF_OL_FLAGS_LO) >>> 2] = 0;
    u32[(h + MBUF_OL_FLAGS_HI) >>> 2] = 0;
    u32[(h + MBUF_PACKET_TYPE) >>> 2] = 0;
    u16[(h + MBUF_DATA_LEN) >>> 1] = 0;
    this.resetHeadroom(h);
  }

  /** Sets the data offset to the default headroom, or the buffer length if shorter. */
  resetHeadroom(h: number): void {
    const bufLen = this.bufLen(h);
    this.#u16[(h + MBUF_DATA_OFF) >>> 1] = bufLen < MBUF_HEADROOM ? bufLen : MBUF_HEADROOM;
  }

  /** Allocates and resets a mbuf from `pool`. Returns its handle, or 0 when the pool is empty. */
  alloc(pool: Mempool): number {
    const h = pool.get();
    if (h !== 0) this.reset(h);
    return h;
  }

  /**
   * Allocates `n` reset mbufs into `out[offset ..]`, all or nothing. Returns 0, or
   * {@link ERR_ENOENT} when the pool has fewer.
   */
  allocBulk(pool: Mempool, out: Uint32Array, n: number, offset = 0): number {
    if (pool.getBulk(out, n, offset) !== 0) return ERR_ENOENT;
    for (let i = 0; i < n; i++) this.reset(out[offset + i]);
    return 0;
  }

  /**
   * Drops a reference to one segment (`rte_pktmbuf_free_seg`): when it was the last, the
   * segment is detached if indirect, its `next` and `nbSegs` are reset, and it returns to
   * its pool. The rest of a chain is left alone.
   */
  freeSeg(h: number): void {
    if (this.#prefree(h)) this.pool(h).put(h);
  }

  /** Frees every segment of the packet `h` (`rte_pktmbuf_free`); 0 is ignored. */
  free(h: number): void {
    let seg = h;
    while (seg !== 0) {
      const next = this.next(seg);
      this.freeSeg(seg);
      seg = next;
    }
  }

  /**
   * Frees the packets `objs[offset .. offset + n)` (0 entries are skipped), handing
   * segments back to their pools in bulk (`rte_pktmbuf_free_bulk`). Packets may come from
   * different pools. When `objs` is a view of the arena, the leading packets that are plain
   * (direct, refcnt 1, one segment, of the first one's pool: what an rx burst or a refused
   * tx burst holds) are found by a WebAssembly loop (`mbuf-free.wat`) and go back to their
   * pool as they are, with no per-mbuf work in JavaScript.
   */
  freeBulk(objs: Uint32Array, n: number, offset = 0): void {
    const at = n > 0 && (n >>> 0) === n && (offset >>> 0) === offset && offset + n <= objs.length ? this.#views.offset(objs) : -1;
    if (at >= 0) {
      const plain = this.#plain(at + offset * HANDLE_BYTES, n);
      if (plain !== 0) {
        this.pool(objs[offset]).putBulk(objs, plain, offset);
        if (plain === n) return;
        n -= plain;
        offset += plain;
      }
    }
    const u32 = this.#u32;
    const batch = this.#batch;
    let pending = 0;
    let pendingPool: Mempool | undefined;
    // The pool field of the segments in the batch (0: none yet): a segment naming the same
    // offset goes to the same pool (no pool is replaced while its mbufs are being freed).
    let pendingOffset = 0;
    for (let i = 0; i < n; i++) {
      let seg = objs[offset + i];
      while (seg !== 0) {
        const next = u32[(seg + MBUF_NEXT) >>> 2];
        if (this.#prefree(seg, next)) {
          const poolOffset = u32[(seg + MBUF_POOL) >>> 2];
          if (poolOffset !== pendingOffset || pending === MBUF_FREE_BULK_SIZE) {
            if (pending !== 0) pendingPool?.putBulk(batch, pending);
            pending = 0;
            pendingPool = this.pool(seg);
            pendingOffset = poolOffset;
          }
          batch[pending++] = seg;
        }
        seg = next;
      }
    }
    if (pending !== 0) pendingPool?.putBulk(batch, pending);
  }

  /**
   * Makes `mi` an indirect mbuf sharing the data of `m` (`rte_pktmbuf_attach`): the
   * mbuf that owns the buffer gains a reference; `mi` takes `m`'s metadata and becomes one
   * segment of `m`'s data length.
   * @throws NicError `NIC_EINVAL` when `mi` is not a direct mbuf with refcnt 1.
   */
  attach(mi: number, m: number): void {
    if (!this.isDirect(mi) || this.refcnt(mi) !== 1) {
      throw new NicError('NIC_EINVAL', `mbuf 0x${mi.toString(16)} cannot be attached: it must be direct with refcnt 1`);
    }
    this.refcntUpdate(this.isDirect(m) ? m : this.#directOf(m), 1);
    const u16 = this.#u16;
    const u32 = this.#u32;
    u16[(mi + MBUF_PRIV_SIZE) >>> 1] = this.privSize(m);
    u32[(mi + MBUF_OL_FLAGS_LO) >>> 2] = this.olFlagsLo(m);
    u32[(mi + MBUF_OL_FLAGS_HI) >>> 2] = this.olFlagsHi(m) | MBUF_F_INDIRECT_HI;
    this.#copyHeader(mi, m);
    u16[(mi + MBUF_DATA_OFF) >>> 1] = this.dataOff(m);
    u16[(mi + MBUF_DATA_LEN) >>> 1] = this.dataLen(m);
    u32[(mi + MBUF_BUF_IOVA_LO) >>> 2] = u32[(m + MBUF_BUF_IOVA_LO) >>> 2];
    u32[(mi + MBUF_BUF_IOVA_HI) >>> 2] = u32[(m + MBUF_BUF_IOVA_HI) >>> 2];
    u32[(mi + MBUF_BUF_ADDR) >>> 2] = this.bufAddr(m);
    u16[(mi + MBUF_BUF_LEN) >>> 1] = this.bufLen(m);
    u32[(mi + MBUF_NEXT) >>> 2] = 0;
    u32[(mi + MBUF_PKT_LEN) >>> 2] = this.dataLen(m);
    u16[(mi + MBUF_NB_SEGS) >>> 1] = 1;
  }

  /**
   * Gives an indirect mbuf its own buffer back (`rte_pktmbuf_detach`), dropping its
   * reference to the mbuf that owns the shared buffer (freed when that was the last).
   * A direct mbuf is left as it is.
   */
  detach(m: number): void {
    if (this.isDirect(m)) return;
    const md = this.#directOf(m);
    if (this.refcntUpdate(md, -1) === 0) {
      this.setNext(md, 0);
      this.setNbSegs(md, 1);
      this.setRefcnt(md, 1);
      this.pool(md).put(md);
    }
    const pool = this.pool(m);
    const privSize = pktmbufPrivSize(pool);
    const iova = pool.objectIova(m) + MBUF_HDR_SIZE + privSize;
    const u32 = this.#u32;
    this.#u16[(m + MBUF_PRIV_SIZE) >>> 1] = privSize;
    u32[(m + MBUF_BUF_ADDR) >>> 2] = m + MBUF_HDR_SIZE + privSize;
    u32[(m + MBUF_BUF_IOVA_LO) >>> 2] = iova % 2 ** 32;
    u32[(m + MBUF_BUF_IOVA_HI) >>> 2] = Math.floor(iova / 2 ** 32);
    this.#u16[(m + MBUF_BUF_LEN) >>> 1] = pktmbufDataRoomSize(pool);
    this.resetHeadroom(m);
    this.#u16[(m + MBUF_DATA_LEN) >>> 1] = 0;
    u32[(m + MBUF_OL_FLAGS_LO) >>> 2] = 0;
    u32[(m + MBUF_OL_FLAGS_HI) >>> 2] = 0;
  }

  /**
   * A clone of packet `md` made of indirect mbufs from `pool`, one per segment, sharing
   * `md`'s data (`rte_pktmbuf_clone`). Returns the clone, or 0 when `pool` ran out (then
   * nothing is left allocated).
   */
  clone(md: number, pool: Mempool): number {
    const mc = this.alloc(pool);
    if (mc === 0) return 0;
    const pktLen = this.pktLen(md);
    let mi = mc;
    let seg = md;
    let segs = 0;
    for (;;) {
      this.attach(mi, seg);
      segs++;
      seg = this.next(seg);
      if (seg === 0) break;
      const next = this.alloc(pool);
      if (next === 0) {
        this.free(mc);
        return 0;
      }
      this.setNext(mi, next);
      mi = next;
    }
    this.setNbSegs(mc, segs);
    this.setPktLen(mc, pktLen);
    return mc;
  }

  /**
   * A deep copy of `length` bytes (default: all) of packet `m` from byte `offset`, into
   * direct mbufs from `pool`, chained as needed (`rte_pktmbuf_copy`). The metadata is
   * copied too. Returns the copy (empty when `offset` is the packet length), or 0 when
   * `offset` is past the end or `pool` ran out.
   */
  copy(m: number, pool: Mempool, offset = 0, length = 0xffffffff): number {
    const pktLen = this.pktLen(m);
    if (!(offset >= 0 && offset <= pktLen)) return 0;
    const mc = this.alloc(pool);
    if (mc === 0) return 0;
    let remaining = Math.min(length, pktLen - offset);
    this.#copyHeader(mc, m);
    this.setOlFlagsLo(mc, this.olFlagsLo(m));
    this.setOlFlagsHi(mc, this.olFlagsHi(m) & ~MBUF_F_INDIRECT_HI);
    let last = mc;
    let seg = m;
    let off = offset;
    while (remaining > 0) {
      while (off >= this.dataLen(seg)) {
        off -= this.dataLen(seg);
        seg = this.next(seg);
      }
      if (this.tailroom(last) === 0) {
        const next = this.alloc(pool);
        if (next === 0) {
          this.free(mc);
          return 0;
        }
        this.setNbSegs(mc, this.nbSegs(mc) + 1);
        this.setNext(last, next);
        last = next;
      }
      const n = Math.min(this.dataLen(seg) - off, remaining, this.tailroom(last));
      const from = this.mtodOffset(seg, off);
      this.#u8.copyWithin(this.mtodOffset(last, this.dataLen(last)), from, from + n);
      this.setDataLen(last, this.dataLen(last) + n);
      this.setPktLen(mc, this.pktLen(mc) + n);
      off += n;
      remaining -= n;
    }
    return mc;
  }

  /**
   * Appends packet `tail` to packet `head` (`rte_pktmbuf_chain`). Returns 0, or
   * {@link ERR_EOVERFLOW} when the chain would exceed {@link MBUF_MAX_NB_SEGS} segments.
   */
  chain(head: number, tail: number): number {
    const segs = this.nbSegs(head) + this.nbSegs(tail);
    if (segs > MBUF_MAX_NB_SEGS) return ERR_EOVERFLOW;
    this.setNext(this.lastSeg(head), tail);
    this.setNbSegs(head, segs);
    this.setPktLen(head, this.pktLen(head) + this.pktLen(tail));
    this.setPktLen(tail, this.dataLen(tail));
    return 0;
  }

  /**
   * Grows the data at the front by `len` bytes (`rte_pktmbuf_prepend`). Returns the arena
   * offset of the new first byte, or -1 when the headroom is smaller than `len`.
   */
  prepend(h: number, len: number): number {
    const dataOff = this.dataOff(h);
    if (!(len >= 0 && len <= dataOff)) return -1;
    this.setDataOff(h, dataOff - len);
    this.setDataLen(h, this.dataLen(h) + len);
    this.setPktLen(h, this.pktLen(h) + len);
    return this.bufAddr(h) + dataOff - len;
  }

  /**
   * Grows the data at the end of the last segment by `len` bytes (`rte_pktmbuf_append`).
   * Returns the arena offset of the first added byte, or -1 when the last segment's
   * tailroom is smaller than `len`.
   */
  append(h: number, len: number): number {
    const last = this.lastSeg(h);
    if (!(len >= 0 && len <= this.tailroom(last))) return -1;
    const tail = this.mtodOffset(last, this.dataLen(last));
    this.setDataLen(last, this.dataLen(last) + len);
    this.setPktLen(h, this.pktLen(h) + len);
    return tail;
  }

  /**
   * Removes `len` bytes from the front of the first segment (`rte_pktmbuf_adj`). Returns
   * the arena offset of the new first byte, or -1 when the segment holds fewer bytes.
   */
  adj(h: number, len: number): number {
    const dataLen = this.dataLen(h);
    if (!(len >= 0 && len <= dataLen)) return -1;
    this.setDataLen(h, dataLen - len);
    this.setDataOff(h, this.dataOff(h) + len);
    this.setPktLen(h, this.pktLen(h) - len);
    return this.mtod(h);
  }

  /**
   * Removes `len` bytes from the end of the last segment (`rte_pktmbuf_trim`). Returns 0,
   * or -1 when that segment holds fewer bytes.
   */
  trim(h: number, len: number): number {
    const last = this.lastSeg(h);
    const dataLen = this.dataLen(last);
    if (!(len >= 0 && len <= dataLen)) return -1;
    this.setDataLen(last, dataLen - len);
    this.setPktLen(h, this.pktLen(h) - len);
    return 0;
  }

  /**
   * Moves all of the packet's data into its first segment and frees the others
   * (`rte_pktmbuf_linearize`). Returns 0, or -1 (changing nothing) when the first segment
   * lacks the tailroom, or when it is indirect or shared (its buffer is not only ours to
   * write, a check DPDK leaves to the caller).
   */
  linearize(h: number): number {
    if (this.isContiguous(h)) return 0;
    if (!this.isDirect(h) || this.refcnt(h) !== 1) return -1;
    const dataLen = this.dataLen(h);
    const pktLen = this.pktLen(h);
    if (pktLen - dataLen > this.tailroom(h)) return -1;
    let dst = this.mtodOffset(h, dataLen);
    let seg = this.next(h);
    while (seg !== 0) {
      const next = this.next(seg);
      const from = this.mtod(seg);
      const n = this.dataLen(seg);
      this.#u8.copyWithin(dst, from, from + n);
      dst += n;
      this.freeSeg(seg);
      seg = next;
    }
    this.setDataLen(h, pktLen);
    this.setNext(h, 0);
    this.setNbSegs(h, 1);
    return 0;
  }

  /**
   * Copies `len` packet bytes from byte `offset`, across segments, into `out[outOffset ..]`
   * (`rte_pktmbuf_read`, always copying). Returns `len`, or -1 when the range passes the
   * end of the packet or of `out`.
   */
  read(h: number, offset: number, len: number, out: Uint8Array, outOffset = 0): number {
    if (!(offset >= 0 && len >= 0 && offset + len <= this.pktLen(h) && outOffset >= 0 && outOffset + len <= out.length)) return -1;
    const u8 = this.#u8;
    let seg = h;
    let off = offset;
    while (seg !== 0 && off >= this.dataLen(seg)) {
      off -= this.dataLen(seg);
      seg = this.next(seg);
    }
    let done = 0;
    while (done < len && seg !== 0) {
      const n = Math.min(this.dataLen(seg) - off, len - done);
      const from = this.mtodOffset(seg, off);
      for (let i = 0; i < n; i++) out[outOffset + done + i] = u8[from + i];
      done += n;
      off = 0;
      seg = this.next(seg);
    }
    return done === len ? len : -1;
  }

  /**
   * Checks a mbuf's header for consistency (`rte_mbuf_check`). Returns `null` when sane,
   * else the reason. With `isHeader`, also checks the lengths and segment count of the
   * whole chain.
   */
  check(h: number, isHeader = true): string | null {
    if (h === 0) return 'mbuf is NULL';
    if (!(Number.isInteger(h) && h > 0 && h + MBUF_HDR_SIZE <= this.arena.size)) return 'mbuf is outside the arena';
    if (this.poolOffset(h) === 0) return 'bad mbuf pool';
    if (this.bufIova(h) === 0) return 'bad IO addr';
    if (this.bufAddr(h) === 0) return 'bad virt addr';
    const refcnt = this.refcnt(h);
    if (refcnt === 0 || refcnt === 0xffff) return 'bad ref cnt';
    if (!isHeader) return null;
    if (this.dataLen(h) > this.pktLen(h)) return 'bad data_len';
    let segs = this.nbSegs(h);
    let pktLen = this.pktLen(h);
    for (let seg = h; seg !== 0; seg = this.next(seg)) {
      if (this.dataOff(seg) > this.bufLen(seg)) return 'data offset too big in mbuf segment';
      if (this.dataOff(seg) + this.dataLen(seg) > this.bufLen(seg)) return 'data length too big in mbuf segment';
      segs--;
      pktLen -= this.dataLen(seg);
      if (segs < 0) return 'bad nb_segs';
    }
    if (segs !== 0) return 'bad nb_segs';
    if (pktLen !== 0) return 'bad pkt_len';
    return null;
  }

  /** The direct mbuf whose buffer an indirect mbuf uses (`rte_mbuf_from_indirect`). */
  #directOf(m: number): number {
    return this.bufAddr(m) - MBUF_HDR_SIZE - this.privSize(m);
  }

  /** Metadata a clone or copy inherits (DPDK's `__rte_pktmbuf_copy_hdr`). */
  #copyHeader(dst: number, src: number): void {
    this.setPort(dst, this.port(src));
    this.setVlanTci(dst, this.vlanTci(src));
    this.setVlanTciOuter(dst, this.vlanTciOuter(src));
    this.setRssHash(dst, this.rssHash(src));
    this.setPacketType(dst, this.packetType(src));
    this.#u8.copyWithin(dst + MBUF_DYNFIELD, src + MBUF_DYNFIELD, src + MBUF_DYNFIELD + MBUF_DYNFIELD_SIZE);
  }

  /**
   * Drops one reference (`rte_pktmbuf_prefree_seg`). True when it was the last: the
   * segment is then detached, unlinked, has refcnt 1 and may go back to its pool.
   */
  #prefree(h: number, next = this.next(h)): boolean {
    const index = (h + MBUF_REFCNT) >>> 1;
    const u16 = this.#u16;
    if (u16[index] !== 1) {
      if (Atomics.sub(u16, index, 1) !== 1) return false;
      Atomics.store(u16, index, 1);
    }
    if (!this.isDirect(h)) this.detach(h);
    if (next !== 0) this.#u32[(h + MBUF_NEXT) >>> 2] = 0;
    if (u16[(h + MBUF_NB_SEGS) >>> 1] !== 1) u16[(h + MBUF_NB_SEGS) >>> 1] = 1;
    return true;
  }

  #findPool(offset: number): Mempool {
    const pools = this.#pools;
    for (let i = 0; i < pools.length; i++) {
      if (pools[i].offset === offset && this.#u32[(offset + MP_SERIAL) >>> 2] === pools[i].serial) {
        this.#lastPool = pools[i];
        return pools[i];
      }
    }
    const pool = Mempool.fromOffset(this.arena, offset);
    if (pool === undefined) throw new NicError('NIC_EINVAL', `mbuf pool field 0x${offset.toString(16)} names no mempool`);
    const stale = pools.findIndex((p) => p.offset === offset);
    if (stale >= 0) pools[stale] = pool;
    else pools.push(pool);
    this.#lastPool = pool;
    return pool;
  }
}
