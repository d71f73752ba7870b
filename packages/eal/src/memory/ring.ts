/**
 * A lockless FIFO of 32-bit values (mbuf handles) in arena memory, DPDK's `rte_ring`: fixed
 * size, multi- or single-producer, multi- or single-consumer, usable from every thread that
 * shares the arena. The `Ring` object is a thin per-thread view; the state is all in the
 * memzone `RG_<name>`.
 *
 * Layout (byte offsets in the memzone; u32 fields): header line {@link RG_MAGIC},
 * {@link RG_FLAGS}, {@link RG_SIZE}, {@link RG_MASK}, {@link RG_CAPACITY}; then the
 * producer head, producer tail, consumer head and consumer tail, each alone on its own
 * 64-byte line ({@link RG_PROD_HEAD}, {@link RG_PROD_TAIL}, {@link RG_CONS_HEAD},
 * {@link RG_CONS_TAIL}) so that producers and consumers do not bounce each other's lines;
 * then `size` u32 slots at {@link RG_SLOTS}.
 *
 * Heads and tails are free-running counters that wrap at 2^30 ({@link RING_COUNTER_MASK});
 * a slot index is `counter & mask`; entries in use = `(prodTail - consTail) & RING_COUNTER_MASK`.
 * DPDK lets them wrap at 2^32, but V8 (as of Node 20) runs `Atomics` as builtin calls that
 * box any number outside the small-integer range (±2^30) into a new heap object: counters
 * of 2^30 or more would allocate on every operation. The price is a
 * smaller largest ring ({@link RING_SIZE_MAX} slots).
 *
 * Memory ordering. An enqueue (1) claims slots by moving the producer head, (2) writes the
 * slots, (3) publishes them by storing the producer tail. A dequeue reads the producer tail
 * before it reads the slots, and releases them by storing the consumer tail after reading
 * them; a producer reads the consumer tail before overwriting released slots. These are
 * DPDK's release/acquire pairs. How they are made depends on the CPU:
 *
 * - x86 (`process.arch` x64 or ia32): tails are read and written with plain typed-array
 *   loads and stores, and no fence is issued. Relied on, and nothing else:
 *   1. x86-TSO (Intel SDM vol. 3A, "Memory Ordering in P6 and More Recent Processor
 *      Families"): loads are not reordered with other loads, stores not with other stores,
 *      stores not with older loads, and visibility is transitive (causality). The one
 *      relaxation, a load passing an older store to another address, is never relied on:
 *      no side stores a value and then needs to read the other side's answer to it.
 *   2. V8 (Node 20) compiles a typed-array element load or store to one aligned 32-bit
 *      `mov` (which never tears), emitted in program order: TurboFan keeps these accesses
 *      on its effect chain, does not merge or hoist loads of typed-array elements (even in
 *      a loop), and does not move them across a call (an `Atomics` or `set` builtin).
     This is V8's codegen, not a promise of the JavaScript memory model (which makes
     non-atomic accesses to shared memory unordered): the cross-thread stress tests
     (ring.test.ts) therefore also run with `--always-turbofan` and check that the ring's
     methods ran as TurboFan code, so a V8 that reorders them fails CI.
 *   Then: slot stores, tail store (store/store in order) against tail load, slot loads
 *   (load/load in order) gives release/acquire for the slots; slot loads, consumer-tail
 *   store (a store does not pass an older load) against consumer-tail load, slot stores
 *   gives it the other way. `Atomics.store` would add a full fence (`xchg`, ~15 ns as a V8
 *   builtin call) that TSO does not need here.
 * - Elsewhere (arm64...): tails are read with `Atomics.load` and stored with
 *   `Atomics.store`, which are sequentially consistent.
 *
 * - Multi-producer: the head moves by `Atomics.compareExchange` (a locked instruction, a
 *   full fence on x86), retried when another producer got there first (the head is first
 *   read plainly, as DPDK reads it relaxed: a stale value only fails the exchange). After
 *   writing its slots, a producer waits until the tail reaches the head it started from,
 *   i.e. until every producer that claimed earlier slots has published, then moves the tail
 *   past its own (one plain read first on x86, then {@link waitForValue}: a spin on
 *   `Atomics.load` that yields the CPU in short sleeps when it lasts; causality makes the
 *   earlier producer's slots visible to whoever sees the later tail). A producer preempted
 *   between claim and publish stalls the others until it runs again. DPDK's waiters only
 *   spin, and so want one CPU per ring user; here a waiter gives its CPU to the preempted
 *   thread after some microseconds, so more threads than CPUs stay correct and make steady
 *   progress, though one CPU per ring user remains the fast arrangement.
 * - Single-producer: only one thread moves the head, so it is read and written with plain
 *   loads and stores.
 * Consumers mirror this with the consumer head and tail.
 *
 * Cached room. Each view remembers, per side, the head it left after its last operation
 * and how many free entries (producer) or entries (consumer) remained at that head by the
 * other side's tail as it last read it. The next operation reads the head (it does
 * anyway) and trusts the remembered count, without reading the other side's tail (a cache
 * line the other side keeps writing), when the head is still where this view left it and
 * the count covers the request. The other side's tail only moves forward, so the count
 * can only under-report; while the head has not moved, nobody else claimed slots in
 * between, so the count is still measured from the right place, for MP/MC too. When the
 * count falls short, when the head moved (another producer, or another view of the same
 * ring in any thread), or when the caller asks for `freeSpace`/`available`, the tail is
 * read afresh. An operation therefore succeeds or fails, and moves as many entries, exactly
 * as one that had read the tail at a slightly earlier moment. Blind spot: if other views
 * move the head by an exact multiple of 2^30 between two operations of this view, it
 * cannot tell, like the compare-and-swap on a head that moved by a multiple of 2^32 in
 * DPDK.
 */
import { NicError } from '@nic/native';
import type { Arena } from './arena.js';
import { copyWords } from './copy.js';
import { ERR_ENOBUFS, ERR_ENOENT } from './errno.js';
import { CACHE_LINE_SIZE, MEMZONE_NAMESIZE, memzoneFree, memzoneLookup, memzoneReserve } from './memzone.js';
import { waitForValue } from './spin-wait.js';

/** Flag: the default enqueue is single-producer. */
export const RING_F_SP_ENQ = 0x0001;
/** Flag: the default dequeue is single-consumer. */
export const RING_F_SC_DEQ = 0x0002;
/** Flag: `count` need not be a power of two; the ring holds exactly `count` entries. */
export const RING_F_EXACT_SZ = 0x0004;
/** Every flag {@link Ring.create} accepts. */
export const RING_F_VALID = RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ;
/** Heads and tails count modulo 2^30, so they stay V8 small integers (see the module notes). */
export const RING_COUNTER_MASK = 0x3fffffff;
/** Largest number of slots (DPDK allows 2^30; half the counter range keeps full and empty apart). */
export const RING_SIZE_MAX = 2 ** 29;
/** Prefix of the memzone that holds a ring. */
export const RING_MZ_PREFIX = 'RG_';
/** Longest ring name in UTF-8 bytes (a memzone name less the prefix). */
export const RING_NAMESIZE = MEMZONE_NAMESIZE - RING_MZ_PREFIX.length;
/** Value of {@link RG_MAGIC} in a live ring ("RNG1"). */
export const RING_MAGIC = 0x524e4731;

/** Header: {@link RING_MAGIC}, stored last at creation. */
export const RG_MAGIC = 0;
/** Header: creation flags. */
export const RG_FLAGS = 4;
/** Header: number of slots (a power of two). */
export const RG_SIZE = 8;
/** Header: `size - 1`. */
export const RG_MASK = 12;
/** Header: how many entries the ring holds (`size - 1`, or `count` with {@link RING_F_EXACT_SZ}). */
export const RG_CAPACITY = 16;
/** Producer head: next slot a producer claims. */
export const RG_PROD_HEAD = 1 * CACHE_LINE_SIZE;
/** Producer tail: slots before it are visible to consumers. */
export const RG_PROD_TAIL = 2 * CACHE_LINE_SIZE;
/** Consumer head: next slot a consumer claims. */
export const RG_CONS_HEAD = 3 * CACHE_LINE_SIZE;
/** Consumer tail: slots before it are free for producers. */
export const RG_CONS_TAIL = 4 * CACHE_LINE_SIZE;
/** First slot. */
export const RG_SLOTS = 5 * CACHE_LINE_SIZE;

/**
 * Whether plain typed-array loads and stores are ordered enough to publish and observe ring
 * indices (x86 TSO, see the module notes). Elsewhere the ring uses `Atomics` loads and stores.
 */
const PLAIN_ORDERED = process.arch === 'x64' || process.arch === 'ia32';

const encoder = new TextEncoder();

function checkName(name: unknown): string {
  if (typeof name !== 'string') throw new TypeError(`ring name must be a string, got ${typeof name}`);
  const length = encoder.encode(name).length;
  if (length === 0 || length > RING_NAMESIZE) {
    throw new NicError('NIC_EINVAL', `ring name '${name}' must be 1 to ${RING_NAMESIZE} UTF-8 bytes, it is ${length}`);
  }
  return name;
}

function nextPowerOfTwo(n: number): number {
  return n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n));
}

function badRange(what: string, array: Uint32Array, n: number, offset: number): NicError {
  return new NicError('NIC_EINVAL', `${what}: ${n} entries at offset ${offset} do not fit an array of ${array.length}`);
}

/** A view of a ring in arena memory. Build one per thread with {@link Ring.create} or {@link Ring.lookup}. */
export class Ring {
  readonly arena: Arena;
  readonly name: string;
  /** Arena offset of the ring header (its memzone). */
  readonly offset: number;
  /** Creation flags ({@link RING_F_SP_ENQ}, {@link RING_F_SC_DEQ}, {@link RING_F_EXACT_SZ}). */
  readonly flags: number;
  /** Number of slots, a power of two. */
  readonly size: number;
  /** `size - 1`. */
  readonly mask: number;
  /** Entries the ring holds when full. */
  readonly capacity: number;
  readonly #u32: Uint32Array;
  /** The same words signed, for `Atomics.wait` (counters stay below 2^30, so the values agree). */
  readonly #i32: Int32Array;
  readonly #prodHead: number;
  readonly #prodTail: number;
  readonly #consHead: number;
  readonly #consTail: number;
  readonly #slots: number;
  readonly #sp: boolean;
  readonly #sc: boolean;
  /** Scratch for the single-object calls, so they allocate nothing. */
  readonly #one = new Uint32Array(1);
  /**
   * 1 when plain loads and stores give the ordering the ring needs here (see the module
   * notes), else 0 (a number, which V8 tests more cheaply than a boolean field).
   */
  readonly #plain = PLAIN_ORDERED ? 1 : 0;
  /** Producer head after this view's last enqueue, or -1: {@link Ring.#prodFree} is valid while the head is still there. */
  #prodSeen = -1;
  /** Free entries at {@link Ring.#prodSeen} by the consumer tail this view last read (never more than the truth). */
  #prodFree = 0;
  /** Consumer head after this view's last dequeue, or -1. */
  #consSeen = -1;
  /** Entries at {@link Ring.#consSeen} by the producer tail this view last read (never more than the truth). */
  #consAvail = 0;

  private constructor(arena: Arena, name: string, offset: number) {
    const u32 = arena.u32;
    const word = offset >>> 2;
    this.arena = arena;
    this.name = name;
    this.offset = offset;
    this.flags = u32[word + (RG_FLAGS >>> 2)];
    this.size = u32[word + (RG_SIZE >>> 2)];
    this.mask = u32[word + (RG_MASK >>> 2)];
    this.capacity = u32[word + (RG_CAPACITY >>> 2)];
    this.#u32 = u32;
    this.#i32 = arena.i32;
    this.#prodHead = word + (RG_PROD_HEAD >>> 2);
    this.#prodTail = word + (RG_PROD_TAIL >>> 2);
    this.#consHead = word + (RG_CONS_HEAD >>> 2);
    this.#consTail = word + (RG_CONS_TAIL >>> 2);
    this.#slots = word + (RG_SLOTS >>> 2);
    this.#sp = (this.flags & RING_F_SP_ENQ) !== 0;
    this.#sc = (this.flags & RING_F_SC_DEQ) !== 0;
  }

  /**
   * Creates a ring of `count` slots in memzone `RG_<name>`. Without
   * {@link RING_F_EXACT_SZ}, `count` must be a power of two and the ring holds `count - 1`
   * entries; with it, any `count` works, the size is rounded up and the ring holds exactly
   * `count`.
   * @throws NicError `NIC_EINVAL` for count 0, a count that is not a power of two (without
   *   EXACT_SZ), a size beyond {@link RING_SIZE_MAX}, unknown flags or a bad name; `NIC_EEXIST` when the
   *   name is taken; `NIC_ENOMEM` when the arena has no room. `TypeError` for wrong types.
   */
  static create(arena: Arena, name: string, count: number, flags = 0): Ring {
    checkName(name);
    if (typeof count !== 'number') throw new TypeError(`ring count must be a number, got ${typeof count}`);
    if (typeof flags !== 'number') throw new TypeError(`ring flags must be a number, got ${typeof flags}`);
    if ((flags & ~RING_F_VALID) !== 0) throw new NicError('NIC_EINVAL', `ring '${name}': unknown flags 0x${flags.toString(16)}`);
    if (!Number.isInteger(count) || count <= 0) throw new NicError('NIC_EINVAL', `ring '${name}': count ${count} is not a positive integer`);
    const exact = (flags & RING_F_EXACT_SZ) !== 0;
    const size = exact ? nextPowerOfTwo(count + 1) : count;
    if (!exact && nextPowerOfTwo(count) !== count) {
      throw new NicError('NIC_EINVAL', `ring '${name}': count ${count} is not a power of two (use RING_F_EXACT_SZ for any count)`);
    }
    if (size > RING_SIZE_MAX) throw new NicError('NIC_EINVAL', `ring '${name}': size ${size} exceeds the limit ${RING_SIZE_MAX}`);
    const zone = memzoneReserve(arena, RING_MZ_PREFIX + name, RG_SLOTS + size * 4);
    const u32 = arena.u32;
    const word = zone.offset >>> 2;
    u32[word + (RG_FLAGS >>> 2)] = flags;
    u32[word + (RG_SIZE >>> 2)] = size;
    u32[word + (RG_MASK >>> 2)] = size - 1;
    u32[word + (RG_CAPACITY >>> 2)] = exact ? count : size - 1;
    Atomics.store(u32, word + (RG_MAGIC >>> 2), RING_MAGIC);
    return new Ring(arena, name, zone.offset);
  }

  /**
   * The ring called `name`, created by any thread sharing `arena`.
   * @throws NicError `NIC_ENOENT` when there is no such ring.
   */
  static lookup(arena: Arena, name: string): Ring {
    checkName(name);
    const zone = memzoneLookup(arena, RING_MZ_PREFIX + name);
    if (Atomics.load(arena.u32, (zone.offset + RG_MAGIC) >>> 2) !== RING_MAGIC) {
      throw new NicError('NIC_ENOENT', `memzone '${zone.name}' does not hold a ring`);
    }
    return new Ring(arena, name, zone.offset);
  }

  /** Destroys the ring and frees its memzone. Every view of it, in any thread, becomes invalid. */
  free(): void {
    Atomics.store(this.#u32, (this.offset + RG_MAGIC) >>> 2, 0);
    memzoneFree(this.arena, RING_MZ_PREFIX + this.name);
  }

  /**
   * Enqueues one value (taken modulo 2^32) with the ring's default producer mode.
   * Returns 0, or {@link ERR_ENOBUFS} when the ring is full. `freeSpace[0]`, when given,
   * receives the free entries left after the call.
   */
  enqueue(obj: number, freeSpace?: Uint32Array): number {
    this.#one[0] = obj;
    return (this.#sp ? this.#spEnqueue(this.#one, 1, 0, true, freeSpace) : this.#mpEnqueue(this.#one, 1, 0, true, freeSpace)) === 1 ? 0 : ERR_ENOBUFS;
  }

  /** {@link Ring.enqueue} as the only producer, whatever the ring's flags. */
  spEnqueue(obj: number, freeSpace?: Uint32Array): number {
    this.#one[0] = obj;
    return this.#spEnqueue(this.#one, 1, 0, true, freeSpace) === 1 ? 0 : ERR_ENOBUFS;
  }

  /** {@link Ring.enqueue}, safe with concurrent producers, whatever the ring's flags. */
  mpEnqueue(obj: number, freeSpace?: Uint32Array): number {
    this.#one[0] = obj;
    return this.#mpEnqueue(this.#one, 1, 0, true, freeSpace) === 1 ? 0 : ERR_ENOBUFS;
  }

  /**
   * Enqueues `objs[offset .. offset + n)` all or nothing. Returns `n`, or 0 when they do not
   * all fit. `freeSpace[0]`, when given, receives the free entries left after the call.
   * @throws NicError `NIC_EINVAL` when the range does not lie within `objs`.
   */
  enqueueBulk(objs: Uint32Array, n: number, offset = 0, freeSpace?: Uint32Array): number {
    return this.#sp ? this.#spEnqueue(objs, n, offset, true, freeSpace) : this.#mpEnqueue(objs, n, offset, true, freeSpace);
  }

  /** {@link Ring.enqueueBulk} as the only producer. */
  spEnqueueBulk(objs: Uint32Array, n: number, offset = 0, freeSpace?: Uint32Array): number {
    return this.#spEnqueue(objs, n, offset, true, freeSpace);
  }

  /** {@link Ring.enqueueBulk}, safe with concurrent producers. */
  mpEnqueueBulk(objs: Uint32Array, n: number, offset = 0, freeSpace?: Uint32Array): number {
    return this.#mpEnqueue(objs, n, offset, true, freeSpace);
  }

  /**
   * Enqueues as many of `objs[offset .. offset + n)` as fit, in order. Returns how many
   * (0 to `n`). `freeSpace[0]`, when given, receives the free entries left after the call.
   */
  enqueueBurst(objs: Uint32Array, n: number, offset = 0, freeSpace?: Uint32Array): number {
    return this.#sp ? this.#spEnqueue(objs, n, offset, false, freeSpace) : this.#mpEnqueue(objs, n, offset, false, freeSpace);
  }

  /** {@link Ring.enqueueBurst} as the only producer. */
  spEnqueueBurst(objs: Uint32Array, n: number, offset = 0, freeSpace?: Uint32Array): number {
    return this.#spEnqueue(objs, n, offset, false, freeSpace);
  }

  /** {@link Ring.enqueueBurst}, safe with concurrent producers. */
  mpEnqueueBurst(objs: Uint32Array, n: number, offset = 0, freeSpace?: Uint32Array): number {
    return this.#mpEnqueue(objs, n, offset, false, freeSpace);
  }

  /**
   * Dequeues one value with the ring's default consumer mode. Returns the value (an
   * unsigned 32-bit number, so never negative), or {@link ERR_ENOENT} when the ring is
   * empty. `available[0]`, when given, receives the entries left after the call.
   */
  dequeue(available?: Uint32Array): number {
    return (this.#sc ? this.#scDequeue(this.#one, 1, 0, true, available) : this.#mcDequeue(this.#one, 1, 0, true, available)) === 1 ? this.#one[0] : ERR_ENOENT;
  }

  /** {@link Ring.dequeue} as the only consumer. */
  scDequeue(available?: Uint32Array): number {
    return this.#scDequeue(this.#one, 1, 0, true, available) === 1 ? this.#one[0] : ERR_ENOENT;
  }

  /** {@link Ring.dequeue}, safe with concurrent consumers. */
  mcDequeue(available?: Uint32Array): number {
    return this.#mcDequeue(this.#one, 1, 0, true, available) === 1 ? this.#one[0] : ERR_ENOENT;
  }

  /**
   * Dequeues exactly `n` values into `objs[offset ..]`, all or nothing. Returns `n`, or 0
   * when fewer are available. `available[0]`, when given, receives the entries left.
   * @throws NicError `NIC_EINVAL` when the range does not lie within `objs`.
   */
  dequeueBulk(objs: Uint32Array, n: number, offset = 0, available?: Uint32Array): number {
    return this.#sc ? this.#scDequeue(objs, n, offset, true, available) : this.#mcDequeue(objs, n, offset, true, available);
  }

  /** {@link Ring.dequeueBulk} as the only consumer. */
  scDequeueBulk(objs: Uint32Array, n: number, offset = 0, available?: Uint32Array): number {
    return this.#scDequeue(objs, n, offset, true, available);
  }

  /** {@link Ring.dequeueBulk}, safe with concurrent consumers. */
  mcDequeueBulk(objs: Uint32Array, n: number, offset = 0, available?: Uint32Array): number {
    return this.#mcDequeue(objs, n, offset, true, available);
  }

  /**
   * Dequeues up to `n` values into `objs[offset ..]`. Returns how many (0 to `n`).
   * `available[0]`, when given, receives the entries left after the call.
   */
  dequeueBurst(objs: Uint32Array, n: number, offset = 0, available?: Uint32Array): number {
    return this.#sc ? this.#scDequeue(objs, n, offset, false, available) : this.#mcDequeue(objs, n, offset, false, available);
  }

  /** {@link Ring.dequeueBurst} as the only consumer. */
  scDequeueBurst(objs: Uint32Array, n: number, offset = 0, available?: Uint32Array): number {
    return this.#scDequeue(objs, n, offset, false, available);
  }

  /** {@link Ring.dequeueBurst}, safe with concurrent consumers. */
  mcDequeueBurst(objs: Uint32Array, n: number, offset = 0, available?: Uint32Array): number {
    return this.#mcDequeue(objs, n, offset, false, available);
  }

  /** Entries in the ring (a snapshot when others are enqueueing or dequeueing). */
  count(): number {
    const used = (Atomics.load(this.#u32, this.#prodTail) - Atomics.load(this.#u32, this.#consTail)) & RING_COUNTER_MASK;
    return used > this.capacity ? this.capacity : used;
  }

  /** Free entries: `capacity - count()`. */
  freeCount(): number {
    return this.capacity - this.count();
  }

  /** Whether no more entries fit. */
  full(): boolean {
    return this.freeCount() === 0;
  }

  /** Whether there is nothing to dequeue. */
  empty(): boolean {
    return Atomics.load(this.#u32, this.#prodTail) === Atomics.load(this.#u32, this.#consTail);
  }

  /**
   * The entry `index` places from the consumer end, without removing it (`index <
   * count()`). Meaningful only while no consumer runs, e.g. in an audit.
   */
  peek(index: number): number {
    return this.#u32[this.#slots + ((Atomics.load(this.#u32, this.#consTail) + index) & this.mask)];
  }

  /** A human-readable account of the ring's state (DPDK's `rte_ring_dump`). */
  dump(): string {
    const u32 = this.#u32;
    return [
      `ring <${this.name}>@0x${this.offset.toString(16)}`,
      `  flags=0x${this.flags.toString(16)} size=${this.size} capacity=${this.capacity}`,
      `  ct=${u32[this.#consTail]} ch=${u32[this.#consHead]} pt=${u32[this.#prodTail]} ph=${u32[this.#prodHead]}`,
      `  used=${this.count()} avail=${this.freeCount()}`,
    ].join('\n');
  }

  // The hot paths below write RING_COUNTER_MASK as the literal 0x3fffffff: the bundler turns
  // the module constant into a `var`, which V8 would reload and type-check on every use.

  /** Free entries at producer head `head`, by a fresh read of the consumer tail. */
  #freeAt(head: number): number {
    const u32 = this.#u32;
    return (this.capacity + (this.#plain !== 0 ? u32[this.#consTail] : Atomics.load(u32, this.#consTail)) - head) & 0x3fffffff;
  }

  /** Entries at consumer head `head`, by a fresh read of the producer tail. */
  #entriesAt(head: number): number {
    const u32 = this.#u32;
    return ((this.#plain !== 0 ? u32[this.#prodTail] : Atomics.load(u32, this.#prodTail)) - head) & 0x3fffffff;
  }

  /** Copies `objs[offset .. offset + count)` into the slots claimed from counter `head`. */
  #put(objs: Uint32Array, offset: number, head: number, count: number): void {
    const start = head & this.mask;
    if (count > this.size - start) {
      this.#putWrapped(objs, offset, start, count);
      return;
    }
    // A whole array of 32 or more goes faster through the builtin (a fixed cost of about 40 ns,
    // then a memcpy) than through the loop (about 1.3 ns per element); `set` allocates nothing.
    // Into a SharedArrayBuffer, V8 copies with plain word stores (never non-temporal ones,
    // which x86 would not keep in order with the tail store); the 4096 bound keeps any
    // memcpy far below the sizes where a C library switches to non-temporal stores.
    if (count >= 32 && count <= 4096 && count === objs.length) this.#u32.set(objs, this.#slots + start);
    else copyWords(this.#u32, this.#slots + start, objs, offset, count);
  }

  /** {@link Ring.#put} when the slots wrap past the end of the ring (kept out of line, it is rare). */
  #putWrapped(objs: Uint32Array, offset: number, start: number, count: number): void {
    const first = this.size - start;
    copyWords(this.#u32, this.#slots + start, objs, offset, first);
    copyWords(this.#u32, this.#slots, objs, offset + first, count - first);
  }

  /** Copies the slots claimed from counter `head` into `objs[offset .. offset + count)`. */
  #take(objs: Uint32Array, offset: number, head: number, count: number): void {
    const start = head & this.mask;
    if (count > this.size - start) this.#takeWrapped(objs, offset, start, count);
    else copyWords(objs, offset, this.#u32, this.#slots + start, count);
  }

  /** {@link Ring.#take} when the slots wrap past the end of the ring. */
  #takeWrapped(objs: Uint32Array, offset: number, start: number, count: number): void {
    const first = this.size - start;
    copyWords(objs, offset, this.#u32, this.#slots + start, first);
    copyWords(objs, offset + first, this.#u32, this.#slots, count - first);
  }

  /** The error for a range outside `objs` (out of line, to keep the hot paths small for inlining). */
  #badRange(what: string, objs: Uint32Array, n: number, offset: number): NicError {
    return badRange(`ring '${this.name}' ${what}`, objs, n, offset);
  }

  #spEnqueue(objs: Uint32Array, n: number, offset: number, fixed: boolean, freeSpace: Uint32Array | undefined): number {
    if (!((n >>> 0) === n && (offset >>> 0) === offset && offset + n <= objs.length)) throw this.#badRange('enqueue', objs, n, offset);
    const u32 = this.#u32;
    // Only this thread writes the producer head: a plain read is exact.
    const head = u32[this.#prodHead];
    let free = this.#prodFree;
    if (head !== this.#prodSeen || free < n || freeSpace !== undefined) free = this.#freeAt(head);
    const count = n <= free ? n : fixed ? 0 : free;
    const next = (head + count) & 0x3fffffff;
    this.#prodSeen = next;
    this.#prodFree = free - count;
    if (count !== 0) {
      u32[this.#prodHead] = next;
      this.#put(objs, offset, head, count);
      if (this.#plain !== 0) u32[this.#prodTail] = next;
      else Atomics.store(u32, this.#prodTail, next);
    }
    if (freeSpace !== undefined) freeSpace[0] = free - count;
    return count;
  }

  #mpEnqueue(objs: Uint32Array, n: number, offset: number, fixed: boolean, freeSpace: Uint32Array | undefined): number {
    if (!((n >>> 0) === n && (offset >>> 0) === offset && offset + n <= objs.length)) throw this.#badRange('enqueue', objs, n, offset);
    const u32 = this.#u32;
    let head: number;
    let free: number;
    let count: number;
    let next: number;
    do {
      // A plain read is enough: a stale head only makes the compareExchange fail and retry.
      head = u32[this.#prodHead];
      free = this.#prodFree;
      if (head !== this.#prodSeen || free < n || freeSpace !== undefined) free = this.#freeAt(head);
      count = n <= free ? n : fixed ? 0 : free;
      next = (head + count) & 0x3fffffff;
      if (count === 0) break;
    } while (Atomics.compareExchange(u32, this.#prodHead, head, next) !== head);
    this.#prodSeen = next;
    this.#prodFree = free - count;
    if (count !== 0) {
      this.#put(objs, offset, head, count);
      if (this.#plain !== 0) {
        // An earlier producer has not published yet; its slots precede ours.
        if (u32[this.#prodTail] !== head) waitForValue(this.#i32, this.#prodTail, head);
        u32[this.#prodTail] = next;
      } else {
        waitForValue(this.#i32, this.#prodTail, head);
        Atomics.store(u32, this.#prodTail, next);
      }
    }
    if (freeSpace !== undefined) freeSpace[0] = free - count;
    return count;
  }

  #scDequeue(objs: Uint32Array, n: number, offset: number, fixed: boolean, available: Uint32Array | undefined): number {
    if (!((n >>> 0) === n && (offset >>> 0) === offset && offset + n <= objs.length)) throw this.#badRange('dequeue', objs, n, offset);
    const u32 = this.#u32;
    const head = u32[this.#consHead];
    let entries = this.#consAvail;
    if (head !== this.#consSeen || entries < n || available !== undefined) entries = this.#entriesAt(head);
    const count = n <= entries ? n : fixed ? 0 : entries;
    const next = (head + count) & 0x3fffffff;
    this.#consSeen = next;
    this.#consAvail = entries - count;
    if (count !== 0) {
      u32[this.#consHead] = next;
      this.#take(objs, offset, head, count);
      if (this.#plain !== 0) u32[this.#consTail] = next;
      else Atomics.store(u32, this.#consTail, next);
    }
    if (available !== undefined) available[0] = entries - count;
    return count;
  }

  #mcDequeue(objs: Uint32Array, n: number, offset: number, fixed: boolean, available: Uint32Array | undefined): number {
    if (!((n >>> 0) === n && (offset >>> 0) === offset && offset + n <= objs.length)) throw this.#badRange('dequeue', objs, n, offset);
    const u32 = this.#u32;
    let head: number;
    let entries: number;
    let count: number;
    let next: number;
    do {
      head = u32[this.#consHead];
      entries = this.#consAvail;
      if (head !== this.#consSeen || entries < n || available !== undefined) entries = this.#entriesAt(head);
      count = n <= entries ? n : fixed ? 0 : entries;
      next = (head + count) & 0x3fffffff;
      if (count === 0) break;
    } while (Atomics.compareExchange(u32, this.#consHead, head, next) !== head);
    this.#consSeen = next;
    this.#consAvail = entries - count;
    if (count !== 0) {
      this.#take(objs, offset, head, count);
      if (this.#plain !== 0) {
        // An earlier consumer has not released its slots yet.
        if (u32[this.#consTail] !== head) waitForValue(this.#i32, this.#consTail, head);
        u32[this.#consTail] = next;
      } else {
        waitForValue(this.#i32, this.#consTail, head);
        Atomics.store(u32, this.#consTail, next);
      }
    }
    if (available !== undefined) available[0] = entries - count;
    return count;
  }
}
