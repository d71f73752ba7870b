/**
 * A pool of fixed-size objects in arena memory, DPDK's `rte_mempool`: the objects are
 * carved once from the memzone `MP_<name>`; the free ones wait in a ring (`RG_MP_<name>`,
 * DPDK's default ring ops), in front of which every lcore has a cache it uses without
 * atomics. An object is named by its handle: the arena offset of its first byte.
 *
 * Memzone layout (byte offsets from the pool's offset):
 * - header line: {@link MP_MAGIC}, {@link MP_FLAGS}, {@link MP_SIZE}, {@link MP_ELT_SIZE},
 *   {@link MP_HEADER_SIZE}, {@link MP_STRIDE}, {@link MP_CACHE_SIZE},
 *   {@link MP_FLUSH_THRESH}, {@link MP_PRIV_SIZE}, {@link MP_CACHES},
 *   {@link MP_CACHE_STRIDE}, {@link MP_OBJ_START}, {@link MP_OBJ_END}, {@link MP_SERIAL};
 * - the private data area at {@link MP_HDR_SIZE} (`privateDataSize` rounded to a line);
 * - with a cache, {@link MAX_LCORE} caches of `MP_CACHE_STRIDE` bytes: the length
 *   ({@link MPC_LEN}) alone on a line, then room for `2 * cacheSize` handles at
 *   {@link MPC_OBJS};
 * - the elements: each an object header then the object. The header ends right before the
 *   object, so its fields sit at fixed negative offsets from the handle:
 *   {@link OBJHDR_IOVA_LO}, {@link OBJHDR_IOVA_HI}, {@link OBJHDR_STATE},
 *   {@link OBJHDR_INDEX}, {@link OBJHDR_POOL}. Unless {@link MEMPOOL_F_NO_IOVA_CONTIG} is
 *   set, no element crosses a page boundary in PA mode (the rest of the page is skipped).
 *
 * Caches follow DPDK 24.11: a put of up to `flushThresh = cacheSize * 1.5`
 * objects goes to the caller's lcore cache, flushing the whole cache to the ring first when
 * it would pass the threshold; larger puts go to the ring. A get takes what it can from
 * the top of the cache, then refills the cache with `cacheSize + remaining` objects from
 * the ring and serves the rest from it (or, when the ring is short of that, or more than
 * `cacheSize` remain, takes the rest straight from the ring; failing that, it gives
 * everything back). A thread that is no lcore (`setCurrentLcore(-1)`) uses the ring only.
 *
 * Debug mode ({@link MEMPOOL_F_DEBUG}): every get and put also checks and flips a state
 * word in the object's header with `Atomics.compareExchange`, so a double free, a foreign
 * handle or a corrupted pool throws at once. It costs one atomic read-modify-write on a
 * cache line the pool otherwise never touches, per object per get and per put: about
 * 45 ns per object for a get and a put on the reference machine (bench/mempool.bench.mjs),
 * ten times a cached get+put at bulk 32.
 */
import { NicError } from '@nic/native';
import type { Arena } from './arena.js';
import { copyWords } from './copy.js';
import { lcoreIndex, MAX_LCORE } from './current-lcore.js';
import { ERR_ENOENT } from './errno.js';
import { CACHE_LINE_SIZE, memzoneAt, memzoneFree, memzoneLookup, memzoneReserve, type MemzoneInfo } from './memzone.js';
import { Ring, RING_F_EXACT_SZ, RING_F_SC_DEQ, RING_F_SP_ENQ, RING_NAMESIZE } from './ring.js';

/** Prefix of the memzone and ring names of a pool. */
export const MEMPOOL_MZ_PREFIX = 'MP_';
/** Longest pool name in UTF-8 bytes (its ring's name is `MP_<name>`). */
export const MEMPOOL_NAMESIZE = RING_NAMESIZE - MEMPOOL_MZ_PREFIX.length;
/** Largest per-lcore cache (DPDK's `RTE_MEMPOOL_CACHE_MAX_SIZE`). */
export const MEMPOOL_CACHE_MAX_SIZE = 512;
/** Default object alignment: a cache line (DPDK's `RTE_MEMPOOL_ALIGN`). */
export const MEMPOOL_ALIGN = CACHE_LINE_SIZE;
/** Object alignment with {@link MEMPOOL_F_NO_CACHE_ALIGN}. */
export const MEMPOOL_MIN_ALIGN = 8;

/** Flag: align objects to 8 bytes instead of a cache line. */
export const MEMPOOL_F_NO_CACHE_ALIGN = 0x0002;
/** Flag: only one thread puts (the ring is single-producer). */
export const MEMPOOL_F_SP_PUT = 0x0004;
/** Flag: only one thread gets (the ring is single-consumer). */
export const MEMPOOL_F_SC_GET = 0x0008;
/** Flag: objects may cross page boundaries (they need no IOVA-contiguous memory). */
export const MEMPOOL_F_NO_IOVA_CONTIG = 0x0020;
/** Flag: check every get and put against a per-object state word (see the module notes). */
export const MEMPOOL_F_DEBUG = 0x10000;
/** Every flag {@link Mempool.create} accepts. */
export const MEMPOOL_F_VALID = MEMPOOL_F_NO_CACHE_ALIGN | MEMPOOL_F_SP_PUT | MEMPOOL_F_SC_GET | MEMPOOL_F_NO_IOVA_CONTIG | MEMPOOL_F_DEBUG;
/** Value of {@link MP_MAGIC} in a live pool ("MPL1"). */
export const MEMPOOL_MAGIC = 0x4d504c31;

/** Header: {@link MEMPOOL_MAGIC}, stored once the pool is populated. */
export const MP_MAGIC = 0;
/** Header: creation flags. */
export const MP_FLAGS = 4;
/** Header: number of objects. */
export const MP_SIZE = 8;
/** Header: object size requested. */
export const MP_ELT_SIZE = 12;
/** Header: size of the object header before each object. */
export const MP_HEADER_SIZE = 16;
/** Header: distance between consecutive elements (header plus padded object). */
export const MP_STRIDE = 20;
/** Header: per-lcore cache size (0 = no cache). */
export const MP_CACHE_SIZE = 24;
/** Header: cache flush threshold. */
export const MP_FLUSH_THRESH = 28;
/** Header: private data size requested. */
export const MP_PRIV_SIZE = 32;
/** Header: arena offset of lcore 0's cache. */
export const MP_CACHES = 36;
/** Header: bytes per lcore cache. */
export const MP_CACHE_STRIDE = 40;
/** Header: arena offset of the first element. */
export const MP_OBJ_START = 44;
/** Header: one past the last element. */
export const MP_OBJ_END = 48;
/** Header: serial of the pool's memzone (tells a pool from an earlier one at the same offset). */
export const MP_SERIAL = 52;
/** Size of the header; the private data area follows. */
export const MP_HDR_SIZE = 64;

/** Cache: number of handles held (u32). */
export const MPC_LEN = 0;
/** Cache: the handles, a stack (u32 each). */
export const MPC_OBJS = CACHE_LINE_SIZE;

/** Object header, from the handle: IOVA of the object, low 32 bits. */
export const OBJHDR_IOVA_LO = -20;
/** Object header: IOVA of the object, high bits. */
export const OBJHDR_IOVA_HI = -16;
/** Object header: {@link OBJ_STATE_FREE} or {@link OBJ_STATE_ALLOCATED} (debug mode). */
export const OBJHDR_STATE = -12;
/** Object header: index of the object in its pool. */
export const OBJHDR_INDEX = -8;
/** Object header: arena offset of the pool that owns the object. */
export const OBJHDR_POOL = -4;
/** Bytes the object header fields need; the header is this rounded up to the object alignment. */
export const OBJHDR_MIN_SIZE = 20;
/** Object state: in the pool (ring or a cache). */
export const OBJ_STATE_FREE = 1;
/** Object state: handed out by a get (tracked in debug mode only). */
export const OBJ_STATE_ALLOCATED = 2;

/** Called once per object at creation, before it enters the pool. */
export type MempoolObjInit = (pool: Mempool, handle: number, index: number) => void;

/** Options of {@link Mempool.create}. */
export interface MempoolOptions {
  /** Per-lcore cache size, 0 (the default) to {@link MEMPOOL_CACHE_MAX_SIZE}; at most `n / 1.5`. */
  readonly cacheSize?: number;
  /** Bytes of private data after the pool header (see {@link Mempool.privOffset}). */
  readonly privateDataSize?: number;
  /** `MEMPOOL_F_*` flags. */
  readonly flags?: number;
  /** Initialises the private data area, before any object (DPDK's `mp_init`). */
  readonly poolInit?: (pool: Mempool) => void;
  /** Initialises each object (its bytes are zero before). */
  readonly objInit?: MempoolObjInit;
}

/** What {@link Mempool.audit} found. Run it while no thread uses the pool. */
export interface MempoolAuditReport {
  /** Objects the pool was created with. */
  readonly objects: number;
  /** Handles in the ring. */
  readonly inRing: number;
  /** Handles in the per-lcore caches. */
  readonly inCaches: number;
  /** Objects of the pool found in neither: handed out. */
  readonly inUse: number;
  /** Handles of this pool found more than once (each extra sighting is listed). */
  readonly doubleFree: readonly number[];
  /** Values in the ring or caches that are no object of this pool. */
  readonly foreign: readonly number[];
  /** Debug mode: objects whose state word disagrees with where they were found. */
  readonly badState: readonly number[];
  /** No double frees, foreign handles or bad states. */
  readonly ok: boolean;
}

/** The objects' address range, as {@link Mempool.memRange} reports it. */
export interface MempoolMemRange {
  /** Arena offset of the first element (its object header). */
  readonly offset: number;
  readonly length: number;
  /** Whether the range is IOVA-contiguous. */
  readonly contiguous: boolean;
}

const encoder = new TextEncoder();

function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

function checkInteger(what: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number') throw new TypeError(`${what} must be a number, got ${typeof value}`);
  if (!Number.isInteger(value) || value < min || value > max) throw new NicError('NIC_EINVAL', `${what} ${value} is outside ${min}..${max}`);
  return value;
}

function checkName(name: unknown): string {
  if (typeof name !== 'string') throw new TypeError(`mempool name must be a string, got ${typeof name}`);
  const length = encoder.encode(name).length;
  if (length === 0 || length > MEMPOOL_NAMESIZE) {
    throw new NicError('NIC_EINVAL', `mempool name '${name}' must be 1 to ${MEMPOOL_NAMESIZE} UTF-8 bytes, it is ${length}`);
  }
  return name;
}

/** DPDK's `CALC_CACHE_FLUSHTHRESH`: a cache may grow to 1.5 times its size before it flushes. */
export function cacheFlushThreshold(cacheSize: number): number {
  return Math.floor((cacheSize * 3) / 2);
}

/** A view of a mempool in arena memory. Build one per thread with {@link Mempool.create} or {@link Mempool.lookup}. */
export class Mempool {
  readonly arena: Arena;
  readonly name: string;
  /** Arena offset of the pool header (its memzone); mbufs record it to find their pool. */
  readonly offset: number;
  /** Serial of the pool's memzone. */
  readonly serial: number;
  /** Number of objects. */
  readonly size: number;
  /** Object size requested at creation. */
  readonly eltSize: number;
  /** Bytes of the object header before each object. */
  readonly headerSize: number;
  /** Distance between consecutive elements. */
  readonly stride: number;
  /** Alignment of every handle. */
  readonly objAlign: number;
  readonly cacheSize: number;
  /** Cache length at which a put flushes the cache to the ring. */
  readonly flushThresh: number;
  readonly flags: number;
  /** Arena offset of the private data area (DPDK's `rte_mempool_get_priv`). */
  readonly privOffset: number;
  /** Bytes of private data asked for at creation. */
  readonly privSize: number;
  readonly #ring: Ring;
  readonly #u32: Uint32Array;
  readonly #cacheBase: number;
  readonly #cacheStride: number;
  readonly #objStart: number;
  readonly #objEnd: number;
  readonly #debug: boolean;
  readonly #one = new Uint32Array(1);

  private constructor(arena: Arena, name: string, offset: number, ring: Ring) {
    const u32 = arena.u32;
    const field = (f: number): number => u32[(offset + f) >>> 2];
    this.arena = arena;
    this.name = name;
    this.offset = offset;
    this.serial = field(MP_SERIAL);
    this.flags = field(MP_FLAGS);
    this.size = field(MP_SIZE);
    this.eltSize = field(MP_ELT_SIZE);
    this.headerSize = field(MP_HEADER_SIZE);
    this.stride = field(MP_STRIDE);
    this.objAlign = (this.flags & MEMPOOL_F_NO_CACHE_ALIGN) !== 0 ? MEMPOOL_MIN_ALIGN : MEMPOOL_ALIGN;
    this.cacheSize = field(MP_CACHE_SIZE);
    this.flushThresh = field(MP_FLUSH_THRESH);
    this.privSize = field(MP_PRIV_SIZE);
    this.privOffset = offset + MP_HDR_SIZE;
    this.#ring = ring;
    this.#u32 = u32;
    this.#cacheBase = field(MP_CACHES) >>> 2;
    this.#cacheStride = field(MP_CACHE_STRIDE) >>> 2;
    this.#objStart = field(MP_OBJ_START);
    this.#objEnd = field(MP_OBJ_END);
    this.#debug = (this.flags & MEMPOOL_F_DEBUG) !== 0;
  }

  /**
   * Creates a pool of `n` objects of `eltSize` bytes, all free, and returns this thread's
   * view of it.
   * @throws NicError `NIC_EINVAL` for a bad name, count, size, cache size (above
   *   {@link MEMPOOL_CACHE_MAX_SIZE} or with a flush threshold above `n`) or unknown flags,
   *   or, in PA mode without {@link MEMPOOL_F_NO_IOVA_CONTIG}, an element larger than a
   *   page; `NIC_EEXIST` when the name is taken; `NIC_ENOMEM` when the arena has no room.
   *   `TypeError` for wrong types.
   */
  static create(arena: Arena, name: string, n: number, eltSize: number, options: MempoolOptions = {}): Mempool {
    checkName(name);
    checkInteger(`mempool '${name}': object count`, n, 1, 2 ** 30 - 1);
    checkInteger(`mempool '${name}': object size`, eltSize, 1, 2 ** 31);
    const cacheSize = checkInteger(`mempool '${name}': cache size`, options.cacheSize ?? 0, 0, MEMPOOL_CACHE_MAX_SIZE);
    const privSize = checkInteger(`mempool '${name}': private data size`, options.privateDataSize ?? 0, 0, 2 ** 31);
    const flags = checkInteger(`mempool '${name}': flags`, options.flags ?? 0, 0, 2 ** 31);
    if ((flags & ~MEMPOOL_F_VALID) !== 0) throw new NicError('NIC_EINVAL', `mempool '${name}': unknown flags 0x${flags.toString(16)}`);
    const flushThresh = cacheFlushThreshold(cacheSize);
    if (flushThresh > n) throw new NicError('NIC_EINVAL', `mempool '${name}': cache size ${cacheSize} needs at least ${flushThresh} objects, not ${n}`);

    const objAlign = (flags & MEMPOOL_F_NO_CACHE_ALIGN) !== 0 ? MEMPOOL_MIN_ALIGN : MEMPOOL_ALIGN;
    const headerSize = alignUp(OBJHDR_MIN_SIZE, objAlign);
    const stride = headerSize + alignUp(eltSize, objAlign);
    const cacheStride = cacheSize === 0 ? 0 : MPC_OBJS + alignUp(2 * cacheSize * 4, CACHE_LINE_SIZE);
    const cachesAt = MP_HDR_SIZE + alignUp(privSize, CACHE_LINE_SIZE);
    const objectsAt = cachesAt + MAX_LCORE * cacheStride;
    const pageSize = (flags & MEMPOOL_F_NO_IOVA_CONTIG) === 0 && arena.iovaMode === 'pa' ? arena.handle().iova.pageSize : 0;
    let objBytes = n * stride;
    if (pageSize !== 0) {
      if (stride > pageSize) throw new NicError('NIC_EINVAL', `mempool '${name}': elements of ${stride} bytes do not fit ${pageSize}-byte pages`);
      const perPage = Math.floor(pageSize / stride);
      objBytes = (Math.ceil(n / perPage) + 1) * pageSize;
    }

    const zone = memzoneReserve(arena, MEMPOOL_MZ_PREFIX + name, objectsAt + objBytes);
    let ring: Ring;
    try {
      const ringFlags = RING_F_EXACT_SZ | ((flags & MEMPOOL_F_SP_PUT) !== 0 ? RING_F_SP_ENQ : 0) | ((flags & MEMPOOL_F_SC_GET) !== 0 ? RING_F_SC_DEQ : 0);
      ring = Ring.create(arena, MEMPOOL_MZ_PREFIX + name, n, ringFlags);
    } catch (err) {
      memzoneFree(arena, zone.name);
      throw err;
    }
    const u32 = arena.u32;
    const set = (f: number, v: number): void => {
      u32[(zone.offset + f) >>> 2] = v;
    };
    set(MP_FLAGS, flags);
    set(MP_SIZE, n);
    set(MP_ELT_SIZE, eltSize);
    set(MP_HEADER_SIZE, headerSize);
    set(MP_STRIDE, stride);
    set(MP_CACHE_SIZE, cacheSize);
    set(MP_FLUSH_THRESH, flushThresh);
    set(MP_PRIV_SIZE, privSize);
    set(MP_CACHES, zone.offset + cachesAt);
    set(MP_CACHE_STRIDE, cacheStride);
    set(MP_OBJ_START, zone.offset + objectsAt);
    set(MP_SERIAL, zone.serial);
    let objEnd = 0;
    walkElements(arena, zone.offset + objectsAt, n, stride, pageSize, (element) => {
      objEnd = element + stride;
    });
    set(MP_OBJ_END, objEnd);
    const pool = new Mempool(arena, name, zone.offset, ring);
    try {
      options.poolInit?.(pool);
      pool.#populate(options.objInit);
    } catch (err) {
      ring.free();
      memzoneFree(arena, zone.name);
      throw err;
    }
    Atomics.store(u32, (zone.offset + MP_MAGIC) >>> 2, MEMPOOL_MAGIC);
    return pool;
  }

  /**
   * The pool called `name`, created by any thread sharing `arena`.
   * @throws NicError `NIC_ENOENT` when there is no such pool.
   */
  static lookup(arena: Arena, name: string): Mempool {
    checkName(name);
    return Mempool.#open(arena, memzoneLookup(arena, MEMPOOL_MZ_PREFIX + name));
  }

  /**
   * The pool that owns object `handle` (DPDK's `rte_mempool_from_obj`).
   * @throws NicError `NIC_EINVAL` when `handle` is no pool object.
   */
  static fromObject(arena: Arena, handle: number): Mempool {
    const bad = (): NicError => new NicError('NIC_EINVAL', `handle 0x${handle.toString(16)} is not a mempool object`);
    if (!(Number.isInteger(handle) && handle >= OBJHDR_MIN_SIZE && handle < arena.size)) throw bad();
    const pool = Mempool.fromOffset(arena, arena.u32[(handle + OBJHDR_POOL) >>> 2]);
    if (pool === undefined || pool.objectIndex(handle) < 0) throw bad();
    return pool;
  }

  /** @internal The pool whose header is at arena offset `offset`, or `undefined`. */
  static fromOffset(arena: Arena, offset: number): Mempool | undefined {
    const zone = memzoneAt(arena, offset);
    if (zone === undefined || !zone.name.startsWith(MEMPOOL_MZ_PREFIX)) return undefined;
    try {
      return Mempool.#open(arena, zone);
    } catch {
      return undefined;
    }
  }

  static #open(arena: Arena, zone: MemzoneInfo): Mempool {
    const name = zone.name.slice(MEMPOOL_MZ_PREFIX.length);
    if (Atomics.load(arena.u32, (zone.offset + MP_MAGIC) >>> 2) !== MEMPOOL_MAGIC) {
      throw new NicError('NIC_ENOENT', `memzone '${zone.name}' does not hold a mempool`);
    }
    return new Mempool(arena, name, zone.offset, Ring.lookup(arena, MEMPOOL_MZ_PREFIX + name));
  }

  /** Destroys the pool: its ring and memzone are freed. Every view and handle becomes invalid. */
  free(): void {
    Atomics.store(this.#u32, (this.offset + MP_MAGIC) >>> 2, 0);
    this.#ring.free();
    memzoneFree(this.arena, MEMPOOL_MZ_PREFIX + this.name);
  }

  /** Takes one object. Returns its handle, or 0 when the pool is empty. */
  get(): number {
    return this.getBulk(this.#one, 1, 0) === 0 ? this.#one[0] : 0;
  }

  /**
   * Takes `n` objects into `out[offset ..]`, all or nothing. Returns 0, or
   * {@link ERR_ENOENT} (and takes none) when that many are not available.
   * @throws NicError `NIC_EINVAL` when the range does not lie within `out`; in debug mode
   *   also when an object taken was not free (a corrupted pool).
   */
  getBulk(out: Uint32Array, n: number, offset = 0): number {
    if (!((n >>> 0) === n && (offset >>> 0) === offset && offset + n <= out.length)) throw this.#badRange(out, n, offset);
    const lcore = lcoreIndex;
    const got = lcore >= 0 && this.cacheSize !== 0 ? this.#getCached(out, n, offset, lcore) : this.#ring.dequeueBulk(out, n, offset) === n;
    if (!got) return ERR_ENOENT;
    if (this.#debug) this.#markAllocated(out, n, offset);
    return 0;
  }

  /**
   * Returns object `handle` to the pool.
   * @throws NicError `NIC_EINVAL` in debug mode for a double free or a foreign handle;
   *   always when the pool would hold more objects than it was created with.
   */
  put(handle: number): void {
    this.#one[0] = handle;
    this.putBulk(this.#one, 1, 0);
  }

  /**
   * Returns the `n` objects `objs[offset ..]` to the pool (in debug mode all are checked
   * before any is returned).
   * @throws NicError as {@link Mempool.put}, or when the range does not lie within `objs`.
   */
  putBulk(objs: Uint32Array, n: number, offset = 0): void {
    if (!((n >>> 0) === n && (offset >>> 0) === offset && offset + n <= objs.length)) throw this.#badRange(objs, n, offset);
    if (this.#debug) this.#markFree(objs, n, offset);
    const lcore = lcoreIndex;
    if (lcore >= 0 && this.cacheSize !== 0 && n <= this.flushThresh) {
      this.#putToCache(objs, n, offset, lcore);
    } else if (this.#ring.enqueueBulk(objs, n, offset) !== n) {
      throw this.#overflow();
    }
  }

  /** Free objects: in the ring and every lcore cache. A snapshot while others use the pool. */
  availCount(): number {
    let count = this.#ring.count();
    if (this.cacheSize !== 0) {
      for (let lcore = 0; lcore < MAX_LCORE; lcore++) count += this.#u32[this.#cacheBase + lcore * this.#cacheStride];
    }
    return count > this.size ? this.size : count;
  }

  /** Objects handed out: `size - availCount()`. */
  inUseCount(): number {
    return this.size - this.availCount();
  }

  /** Whether every object is in the pool. */
  full(): boolean {
    return this.availCount() === this.size;
  }

  /** Whether no object is in the pool. */
  empty(): boolean {
    return this.availCount() === 0;
  }

  /** Handles held by the cache of `lcore` (0 without a cache). */
  cacheCount(lcore: number): number {
    checkInteger('lcore', lcore, 0, MAX_LCORE - 1);
    return this.cacheSize === 0 ? 0 : this.#u32[this.#cacheBase + lcore * this.#cacheStride];
  }

  /**
   * Moves every handle of `lcore`'s cache (default: the calling thread's) back to the
   * ring. Call it from the thread that is that lcore, or once that thread stopped.
   */
  cacheFlush(lcore = lcoreIndex): void {
    if (this.cacheSize === 0 || lcore < 0) return;
    checkInteger('lcore', lcore, 0, MAX_LCORE - 1);
    const u32 = this.#u32;
    const len = this.#cacheBase + lcore * this.#cacheStride;
    if (this.#ring.enqueueBulk(u32, u32[len], len + (MPC_OBJS >>> 2)) !== u32[len]) throw this.#overflow();
    u32[len] = 0;
  }

  /** Index (0 to `size - 1`) of object `handle`, or -1 when it is no object of this pool. */
  objectIndex(handle: number): number {
    if (!(handle >= this.#objStart + this.headerSize && handle < this.#objEnd)) return -1;
    const u32 = this.#u32;
    if (u32[(handle + OBJHDR_POOL) >>> 2] !== this.offset) return -1;
    const index = u32[(handle + OBJHDR_INDEX) >>> 2];
    return index < this.size ? index : -1;
  }

  /** The IOVA of object `handle`, recorded at creation. */
  objectIova(handle: number): number {
    return this.#u32[(handle + OBJHDR_IOVA_HI) >>> 2] * 2 ** 32 + this.#u32[(handle + OBJHDR_IOVA_LO) >>> 2];
  }

  /** Calls `fn` for every object, free or not, in creation order; returns how many. */
  objIter(fn: (handle: number, index: number) => void): number {
    let index = 0;
    walkElements(this.arena, this.#objStart, this.size, this.stride, this.#pageSize(), (element) => {
      fn(element + this.headerSize, index++);
    });
    return index;
  }

  /** Where the elements lie in the arena. */
  memRange(): MempoolMemRange {
    const length = this.#objEnd - this.#objStart;
    return { offset: this.#objStart, length, contiguous: this.arena.iovaContiguous(this.#objStart, length) };
  }

  /**
   * Counts the free objects and checks every handle in the ring and the caches: each must
   * be an object of this pool, seen once; in debug mode each object's state must match.
   * Meaningful only while no thread gets or puts.
   */
  audit(): MempoolAuditReport {
    const handles = new Uint32Array(this.size);
    this.objIter((handle, index) => {
      handles[index] = handle;
    });
    const seen = new Uint8Array(this.size);
    const doubleFree: number[] = [];
    const foreign: number[] = [];
    const visit = (handle: number): void => {
      const index = this.objectIndex(handle);
      if (index < 0 || handles[index] !== handle) foreign.push(handle);
      else if (seen[index]++ !== 0) doubleFree.push(handle);
    };
    const inRing = this.#ring.count();
    for (let i = 0; i < inRing; i++) visit(this.#ring.peek(i));
    let inCaches = 0;
    if (this.cacheSize !== 0) {
      for (let lcore = 0; lcore < MAX_LCORE; lcore++) {
        const len = this.#cacheBase + lcore * this.#cacheStride;
        for (let i = 0; i < this.#u32[len]; i++) visit(this.#u32[len + (MPC_OBJS >>> 2) + i]);
        inCaches += this.#u32[len];
      }
    }
    const badState: number[] = [];
    let found = 0;
    for (let index = 0; index < this.size; index++) {
      if (seen[index] !== 0) found++;
      if (this.#debug) {
        const expected = seen[index] !== 0 ? OBJ_STATE_FREE : OBJ_STATE_ALLOCATED;
        if (this.#u32[(handles[index] + OBJHDR_STATE) >>> 2] !== expected) badState.push(handles[index]);
      }
    }
    const ok = doubleFree.length === 0 && foreign.length === 0 && badState.length === 0;
    return { objects: this.size, inRing, inCaches, inUse: this.size - found, doubleFree, foreign, badState, ok };
  }

  /** A human-readable account of the pool (DPDK's `rte_mempool_dump`). */
  dump(): string {
    return [
      `mempool <${this.name}>@0x${this.offset.toString(16)}`,
      `  flags=0x${this.flags.toString(16)} size=${this.size} elt_size=${this.eltSize} header_size=${this.headerSize} stride=${this.stride}`,
      `  private_data_size=${this.privSize} cache_size=${this.cacheSize} flush_thresh=${this.flushThresh}`,
      `  avail=${this.availCount()} in_use=${this.inUseCount()}`,
    ].join('\n');
  }

  #pageSize(): number {
    return (this.flags & MEMPOOL_F_NO_IOVA_CONTIG) === 0 && this.arena.iovaMode === 'pa' ? this.arena.handle().iova.pageSize : 0;
  }

  #populate(objInit: MempoolObjInit | undefined): void {
    const u32 = this.#u32;
    this.objIter((handle, index) => {
      const iova = this.arena.iova(handle);
      u32[(handle + OBJHDR_IOVA_LO) >>> 2] = iova % 2 ** 32;
      u32[(handle + OBJHDR_IOVA_HI) >>> 2] = Math.floor(iova / 2 ** 32);
      u32[(handle + OBJHDR_STATE) >>> 2] = OBJ_STATE_FREE;
      u32[(handle + OBJHDR_INDEX) >>> 2] = index;
      u32[(handle + OBJHDR_POOL) >>> 2] = this.offset;
      objInit?.(this, handle, index);
      this.#ring.enqueue(handle);
    });
  }

  /**
   * DPDK's cached get: the most recently put objects (the top of the cache stack) first,
   * the rest through a refill from the ring.
   */
  #getCached(out: Uint32Array, n: number, offset: number, lcore: number): boolean {
    const u32 = this.#u32;
    const lenWord = this.#cacheBase + lcore * this.#cacheStride;
    const cached = lenWord + (MPC_OBJS >>> 2);
    const len = u32[lenWord];
    const fromCache = n < len ? n : len;
    copyWords(out, offset, u32, cached + len - fromCache, fromCache);
    u32[lenWord] = len - fromCache;
    const remaining = n - fromCache;
    if (remaining === 0) return true;
    const fill = this.cacheSize + remaining;
    if (remaining <= this.cacheSize && this.#ring.dequeueBulk(u32, fill, cached) === fill) {
      copyWords(out, offset + fromCache, u32, cached + fill - remaining, remaining);
      u32[lenWord] = this.cacheSize;
      return true;
    }
    if (this.#ring.dequeueBulk(out, remaining, offset + fromCache) === remaining) return true;
    // Nothing overwrote the cache slots, so putting the length back returns what was taken.
    u32[lenWord] = fromCache;
    return false;
  }

  #putToCache(objs: Uint32Array, n: number, offset: number, lcore: number): void {
    const u32 = this.#u32;
    const lenWord = this.#cacheBase + lcore * this.#cacheStride;
    const cached = lenWord + (MPC_OBJS >>> 2);
    const len = u32[lenWord];
    let dst = cached + len;
    if (len + n <= this.flushThresh) {
      u32[lenWord] = len + n;
    } else {
      if (this.#ring.enqueueBulk(u32, len, cached) !== len) throw this.#overflow();
      dst = cached;
      u32[lenWord] = n;
    }
    copyWords(u32, dst, objs, offset, n);
  }

  #markFree(objs: Uint32Array, n: number, offset: number): void {
    for (let i = 0; i < n; i++) {
      const handle = objs[offset + i];
      const state = this.objectIndex(handle) < 0 ? -1 : Atomics.compareExchange(this.#u32, (handle + OBJHDR_STATE) >>> 2, OBJ_STATE_ALLOCATED, OBJ_STATE_FREE);
      if (state !== OBJ_STATE_ALLOCATED) {
        for (let j = 0; j < i; j++) Atomics.store(this.#u32, (objs[offset + j] + OBJHDR_STATE) >>> 2, OBJ_STATE_ALLOCATED);
        const what = state === OBJ_STATE_FREE ? 'double free of' : 'foreign handle';
        throw new NicError('NIC_EINVAL', `mempool '${this.name}': ${what} 0x${handle.toString(16)}`);
      }
    }
  }

  #markAllocated(objs: Uint32Array, n: number, offset: number): void {
    for (let i = 0; i < n; i++) {
      const handle = objs[offset + i];
      if (Atomics.compareExchange(this.#u32, (handle + OBJHDR_STATE) >>> 2, OBJ_STATE_FREE, OBJ_STATE_ALLOCATED) !== OBJ_STATE_FREE) {
        throw new NicError('NIC_EINVAL', `mempool '${this.name}': object 0x${handle.toString(16)} was handed out while not free (corrupted pool)`);
      }
    }
  }

  #overflow(): NicError {
    return new NicError('NIC_EINVAL', `mempool '${this.name}': more objects returned than it holds (double free or foreign handle)`);
  }

  #badRange(array: Uint32Array, n: number, offset: number): NicError {
    return new NicError('NIC_EINVAL', `mempool '${this.name}': ${n} handles at offset ${offset} do not fit an array of ${array.length}`);
  }
}

/**
 * Calls `fn` with the arena offset of each of `n` elements laid out from `start`, `stride`
 * bytes apart, moving to the next page when an element would cross one (`pageSize` 0: never).
 */
function walkElements(arena: Arena, start: number, n: number, stride: number, pageSize: number, fn: (element: number) => void): void {
  let element = start;
  for (let i = 0; i < n; i++) {
    if (pageSize !== 0 && !arena.iovaContiguous(element, stride)) element = (Math.floor(element / pageSize) + 1) * pageSize;
    fn(element);
    element += stride;
  }
}
