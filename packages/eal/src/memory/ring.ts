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
 * slots with plain stores, (3) publishes them by storing the producer tail with
 * `Atomics.store`. A dequeue reads the producer tail with `Atomics.load` before it reads
 * the slots. JS `Atomics` operations are sequentially consistent, so a consumer that sees
 * the new tail also sees every slot written before it (the release/acquire pair DPDK uses).
 * The same holds the other way: a producer reads the consumer tail with `Atomics.load`
 * before overwriting slots the consumer has released with `Atomics.store`.
 *
 * - Multi-producer: the head moves by `Atomics.compareExchange`, retried when another
 *   producer got there first (the head is first read plainly, as DPDK reads it relaxed:
 *   an aligned u32 read never tears, and a stale value only fails the exchange). After
 *   writing its slots, a producer waits (spinning on `Atomics.load`, without
 *   `Atomics.wait`) until the tail reaches the head it started from, i.e. until every
 *   producer that claimed earlier slots has published, then moves the tail past its own.
 *   A producer preempted between claim and publish stalls the others, as in DPDK: give
 *   each MP/MC ring user its own CPU.
 * - Single-producer: only one thread moves the head, so it is read and written with plain
 *   loads and stores; the tail is still published with `Atomics.store` and the consumer's
 *   tail still read with `Atomics.load`.
 * Consumers mirror this with the consumer head and tail.
 */
import { NicError } from '@nic/native';
import type { Arena } from './arena.js';
import { copyWords } from './copy.js';
import { ERR_ENOBUFS, ERR_ENOENT } from './errno.js';
import { CACHE_LINE_SIZE, MEMZONE_NAMESIZE, memzoneFree, memzoneLookup, memzoneReserve } from './memzone.js';

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
  readonly #prodHead: number;
  readonly #prodTail: number;
  readonly #consHead: number;
  readonly #consTail: number;
  readonly #slots: number;
  readonly #sp: boolean;
  readonly #sc: boolean;
  /** Scratch for the single-object calls, so they allocate nothing. */
  readonly #one = new Uint32Array(1);

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
    return this.#enqueueOne(obj, this.#sp, freeSpace);
  }

  /** {@link Ring.enqueue} as the only producer, whatever the ring's flags. */
  spEnqueue(obj: number, freeSpace?: Uint32Array): number {
    return this.#enqueueOne(obj, true, freeSpace);
  }

  /** {@link Ring.enqueue}, safe with concurrent producers, whatever the ring's flags. */
  mpEnqueue(obj: number, freeSpace?: Uint32Array): number {
    return this.#enqueueOne(obj, false, freeSpace);
  }

  /**
   * Enqueues `objs[offset .. offset + n)` all or nothing. Returns `n`, or 0 when they do not
   * all fit. `freeSpace[0]`, when given, receives the free entries left after the call.
   * @throws NicError `NIC_EINVAL` when the range does not lie within `objs`.
   */
  enqueueBulk(objs: Uint32Array, n: number, offset = 0, freeSpace?: Uint32Array): number {
    return this.#enqueue(objs, n, offset, true, this.#sp, freeSpace);
  }

  /** {@link Ring.enqueueBulk} as the only producer. */
  spEnqueueBulk(objs: Uint32Array, n: number, offset = 0, freeSpace?: Uint32Array): number {
    return this.#enqueue(objs, n, offset, true, true, freeSpace);
  }

  /** {@link Ring.enqueueBulk}, safe with concurrent producers. */
  mpEnqueueBulk(objs: Uint32Array, n: number, offset = 0, freeSpace?: Uint32Array): number {
    return this.#enqueue(objs, n, offset, true, false, freeSpace);
  }

  /**
   * Enqueues as many of `objs[offset .. offset + n)` as fit, in order. Returns how many
   * (0 to `n`). `freeSpace[0]`, when given, receives the free entries left after the call.
   */
  enqueueBurst(objs: Uint32Array, n: number, offset = 0, freeSpace?: Uint32Array): number {
    return this.#enqueue(objs, n, offset, false, this.#sp, freeSpace);
  }

  /** {@link Ring.enqueueBurst} as the only producer. */
  spEnqueueBurst(objs: Uint32Array, n: number, offset = 0, freeSpace?: Uint32Array): number {
    return this.#enqueue(objs, n, offset, false, true, freeSpace);
  }

  /** {@link Ring.enqueueBurst}, safe with concurrent producers. */
  mpEnqueueBurst(objs: Uint32Array, n: number, offset = 0, freeSpace?: Uint32Array): number {
    return this.#enqueue(objs, n, offset, false, false, freeSpace);
  }

  /**
   * Dequeues one value with the ring's default consumer mode. Returns the value (an
   * unsigned 32-bit number, so never negative), or {@link ERR_ENOENT} when the ring is
   * empty. `available[0]`, when given, receives the entries left after the call.
   */
  dequeue(available?: Uint32Array): number {
    return this.#dequeueOne(this.#sc, available);
  }

  /** {@link Ring.dequeue} as the only consumer. */
  scDequeue(available?: Uint32Array): number {
    return this.#dequeueOne(true, available);
  }

  /** {@link Ring.dequeue}, safe with concurrent consumers. */
  mcDequeue(available?: Uint32Array): number {
    return this.#dequeueOne(false, available);
  }

  /**
   * Dequeues exactly `n` values into `objs[offset ..]`, all or nothing. Returns `n`, or 0
   * when fewer are available. `available[0]`, when given, receives the entries left.
   * @throws NicError `NIC_EINVAL` when the range does not lie within `objs`.
   */
  dequeueBulk(objs: Uint32Array, n: number, offset = 0, available?: Uint32Array): number {
    return this.#dequeue(objs, n, offset, true, this.#sc, available);
  }

  /** {@link Ring.dequeueBulk} as the only consumer. */
  scDequeueBulk(objs: Uint32Array, n: number, offset = 0, available?: Uint32Array): number {
    return this.#dequeue(objs, n, offset, true, true, available);
  }

  /** {@link Ring.dequeueBulk}, safe with concurrent consumers. */
  mcDequeueBulk(objs: Uint32Array, n: number, offset = 0, available?: Uint32Array): number {
    return this.#dequeue(objs, n, offset, true, false, available);
  }

  /**
   * Dequeues up to `n` values into `objs[offset ..]`. Returns how many (0 to `n`).
   * `available[0]`, when given, receives the entries left after the call.
   */
  dequeueBurst(objs: Uint32Array, n: number, offset = 0, available?: Uint32Array): number {
    return this.#dequeue(objs, n, offset, false, this.#sc, available);
  }

  /** {@link Ring.dequeueBurst} as the only consumer. */
  scDequeueBurst(objs: Uint32Array, n: number, offset = 0, available?: Uint32Array): number {
    return this.#dequeue(objs, n, offset, false, true, available);
  }

  /** {@link Ring.dequeueBurst}, safe with concurrent consumers. */
  mcDequeueBurst(objs: Uint32Array, n: number, offset = 0, available?: Uint32Array): number {
    return this.#dequeue(objs, n, offset, false, false, available);
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

  #enqueueOne(obj: number, single: boolean, freeSpace: Uint32Array | undefined): number {
    this.#one[0] = obj;
    return this.#enqueue(this.#one, 1, 0, true, single, freeSpace) === 1 ? 0 : ERR_ENOBUFS;
  }

  #dequeueOne(single: boolean, available: Uint32Array | undefined): number {
    return this.#dequeue(this.#one, 1, 0, true, single, available) === 1 ? this.#one[0] : ERR_ENOENT;
  }

  #enqueue(objs: Uint32Array, n: number, offset: number, fixed: boolean, single: boolean, freeSpace: Uint32Array | undefined): number {
    if (!((n >>> 0) === n && (offset >>> 0) === offset && offset + n <= objs.length)) throw badRange(`ring '${this.name}' enqueue`, objs, n, offset);
    const u32 = this.#u32;
    const capacity = this.capacity;
    let head: number;
    let free: number;
    let count: number;
    if (single) {
      head = u32[this.#prodHead];
      free = (capacity + Atomics.load(u32, this.#consTail) - head) & RING_COUNTER_MASK;
      count = n <= free ? n : fixed ? 0 : free;
      if (count !== 0) u32[this.#prodHead] = (head + count) & RING_COUNTER_MASK;
    } else {
      do {
        // A plain read is enough: a stale head only makes the compareExchange fail and retry.
        head = u32[this.#prodHead];
        free = (capacity + Atomics.load(u32, this.#consTail) - head) & RING_COUNTER_MASK;
        count = n <= free ? n : fixed ? 0 : free;
        if (count === 0) break;
      } while (Atomics.compareExchange(u32, this.#prodHead, head, (head + count) & RING_COUNTER_MASK) !== head);
    }
    if (count !== 0) {
      const slots = this.#slots;
      const start = head & this.mask;
      const first = this.size - start;
      if (count <= first) {
        copyWords(u32, slots + start, objs, offset, count);
      } else {
        copyWords(u32, slots + start, objs, offset, first);
        copyWords(u32, slots, objs, offset + first, count - first);
      }
      if (!single) {
        while (Atomics.load(u32, this.#prodTail) !== head) {
          // An earlier producer has not published yet; its slots precede ours.
        }
      }
      Atomics.store(u32, this.#prodTail, (head + count) & RING_COUNTER_MASK);
    }
    if (freeSpace !== undefined) freeSpace[0] = free - count;
    return count;
  }

  #dequeue(objs: Uint32Array, n: number, offset: number, fixed: boolean, single: boolean, available: Uint32Array | undefined): number {
    if (!((n >>> 0) === n && (offset >>> 0) === offset && offset + n <= objs.length)) throw badRange(`ring '${this.name}' dequeue`, objs, n, offset);
    const u32 = this.#u32;
    let head: number;
    let entries: number;
    let count: number;
    if (single) {
      head = u32[this.#consHead];
      entries = (Atomics.load(u32, this.#prodTail) - head) & RING_COUNTER_MASK;
      count = n <= entries ? n : fixed ? 0 : entries;
      if (count !== 0) u32[this.#consHead] = (head + count) & RING_COUNTER_MASK;
    } else {
      do {
        head = u32[this.#consHead];
        entries = (Atomics.load(u32, this.#prodTail) - head) & RING_COUNTER_MASK;
        count = n <= entries ? n : fixed ? 0 : entries;
        if (count === 0) break;
      } while (Atomics.compareExchange(u32, this.#consHead, head, (head + count) & RING_COUNTER_MASK) !== head);
    }
    if (count !== 0) {
      const slots = this.#slots;
      const start = head & this.mask;
      const first = this.size - start;
      if (count <= first) {
        copyWords(objs, offset, u32, slots + start, count);
      } else {
        copyWords(objs, offset, u32, slots + start, first);
        copyWords(objs, offset + first, u32, slots, count - first);
      }
      if (!single) {
        while (Atomics.load(u32, this.#consTail) !== head) {
          // An earlier consumer has not released its slots yet.
        }
      }
      Atomics.store(u32, this.#consTail, (head + count) & RING_COUNTER_MASK);
    }
    if (available !== undefined) available[0] = entries - count;
    return count;
  }
}
