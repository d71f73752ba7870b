/**
 * Memzones: named, aligned blocks of the arena, the unit every other structure (rings,
 * mempools, descriptor rings) is carved from, as DPDK's `rte_memzone`. The table that
 * describes them lives at the start of the arena, so any thread finds a zone by name.
 *
 * Table layout (byte offsets from {@link MEMZONE_TABLE_OFFSET}, all fields u32):
 *
 * | offset                   | what                                                        |
 * |--------------------------|-------------------------------------------------------------|
 * | {@link MZT_LOCK}         | spinlock word guarding the whole table                      |
 * | {@link MZT_STATE}        | 0 before set-up, {@link MZT_READY} once usable              |
 * | {@link MZT_ZONE_COUNT}   | zones in use                                                |
 * | {@link MZT_FREE_COUNT}   | entries in the free-block list                              |
 * | {@link MZT_HEAP_START}   | first byte the allocator hands out                          |
 * | {@link MZT_HEAP_END}     | one past the last byte it hands out                         |
 * | {@link MZT_NEXT_SERIAL}  | serial number the next reserved zone gets                   |
 * | {@link MZT_ENTRIES}      | {@link MEMZONE_MAX} zone entries of {@link MZ_ENTRY_SIZE}   |
 * | {@link MZT_FREE_BLOCKS}  | free blocks (offset, length), sorted by offset, coalesced   |
 *
 * Zone entry layout (from the entry's start): {@link MZE_FLAGS}, {@link MZE_OFFSET},
 * {@link MZE_LENGTH}, {@link MZE_BLOCK_LENGTH}, {@link MZE_ALIGN}, {@link MZE_SERIAL},
 * {@link MZE_NAME_LENGTH} (u32 each), then the UTF-8 name at {@link MZE_NAME}.
 *
 * The allocator is first fit over the free-block list. A zone takes a block starting at
 * its aligned offset and a whole number of cache lines long; padding before it stays free,
 * and freeing a zone merges its block with free neighbours. Reservations are zero-filled.
 * Offsets are u32, so only the first 4 GiB of an arena can hold memzones.
 */
import { NicError } from '@nic/native';
import type { Arena } from './arena.js';
import { spinLock, spinUnlock } from './spinlock.js';
import { waitForValue } from './spin-wait.js';

/** CPU cache line size: the default and minimum memzone alignment. */
export const CACHE_LINE_SIZE = 64;
/** Where the memzone table starts in the arena. */
export const MEMZONE_TABLE_OFFSET = 0;
/** Bytes the memzone table occupies; memzones start after it. */
export const MEMZONE_TABLE_SIZE = 64 * 1024;
/** Longest memzone name, in UTF-8 bytes (DPDK's `RTE_MEMZONE_NAMESIZE` minus its NUL). */
export const MEMZONE_NAMESIZE = 31;
/** How many memzones can exist at once. */
export const MEMZONE_MAX = 768;
/** Largest alignment a memzone may ask for. */
export const MEMZONE_MAX_ALIGN = 2 ** 30;

/** Table header: spinlock word. */
export const MZT_LOCK = 0;
/** Table header: set-up state (0, {@link MZT_SETTING_UP} or {@link MZT_READY}). */
export const MZT_STATE = 4;
/** Table header: number of zones in use. */
export const MZT_ZONE_COUNT = 8;
/** Table header: number of entries in the free-block list. */
export const MZT_FREE_COUNT = 12;
/** Table header: first allocatable byte. */
export const MZT_HEAP_START = 16;
/** Table header: one past the last allocatable byte. */
export const MZT_HEAP_END = 20;
/** Table header: serial number for the next zone. */
export const MZT_NEXT_SERIAL = 24;
/** Size of the table header. */
export const MZT_HEADER_SIZE = 64;
/** {@link MZT_STATE} while one thread sets the table up. */
export const MZT_SETTING_UP = 1;
/** {@link MZT_STATE} once the table is usable ("MZT1"). */
export const MZT_READY = 0x4d5a5431;

/** Offset of the first zone entry in the table. */
export const MZT_ENTRIES = MZT_HEADER_SIZE;
/** Size of one zone entry. */
export const MZ_ENTRY_SIZE = 64;
/** Entry: flags ({@link MZE_F_USED}, {@link MZE_F_CONTIGUOUS}). */
export const MZE_FLAGS = 0;
/** Entry: arena offset of the zone. */
export const MZE_OFFSET = 4;
/** Entry: requested length in bytes. */
export const MZE_LENGTH = 8;
/** Entry: length of the block taken (length rounded up to a cache line). */
export const MZE_BLOCK_LENGTH = 12;
/** Entry: alignment of the zone. */
export const MZE_ALIGN = 16;
/** Entry: serial number, unique per reservation for the life of the arena. */
export const MZE_SERIAL = 20;
/** Entry: length of the name in bytes. */
export const MZE_NAME_LENGTH = 24;
/** Entry: the name's UTF-8 bytes ({@link MEMZONE_NAMESIZE} at most). */
export const MZE_NAME = 28;
/** Entry flag: the entry describes a live zone. */
export const MZE_F_USED = 1;
/** Entry flag: the zone lies within one IOVA-contiguous page. */
export const MZE_F_CONTIGUOUS = 2;

/** Offset of the free-block list in the table. */
export const MZT_FREE_BLOCKS = MZT_ENTRIES + MEMZONE_MAX * MZ_ENTRY_SIZE;
/** Size of one free-block entry: offset (u32) then length (u32). */
export const MZ_FREE_BLOCK_SIZE = 8;
/**
 * Capacity of the free-block list. Free blocks are coalesced, so two of them always have a
 * zone between them: there are never more than zones + 1.
 */
export const MEMZONE_FREE_BLOCK_MAX = MEMZONE_MAX + 1;

/** A reserved memzone, as {@link memzoneReserve} and {@link memzoneLookup} report it. */
export interface MemzoneInfo {
  readonly name: string;
  /** Arena offset of the first byte (a multiple of `align`). */
  readonly offset: number;
  /** Length requested, in bytes. */
  readonly length: number;
  readonly align: number;
  /** Whether the zone was reserved to lie within one IOVA-contiguous page. */
  readonly contiguous: boolean;
  /** Device-visible address of the first byte. */
  readonly iova: number;
  /** Slot of the zone in the table (0 to {@link MEMZONE_MAX} - 1). */
  readonly id: number;
  /** Unique per reservation: tells this zone from an earlier one at the same offset. */
  readonly serial: number;
}

/** Options of {@link memzoneReserve}. */
export interface MemzoneReserveOptions {
  /** Power of two; values below {@link CACHE_LINE_SIZE} are raised to it (the default). */
  readonly align?: number;
  /**
   * Keep the zone inside one page, so its IOVA range is contiguous in PA mode (device
   * descriptor rings need this). Without it a zone may cross hugepage boundaries.
   */
  readonly contiguous?: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function word(byteOffset: number): number {
  return (MEMZONE_TABLE_OFFSET + byteOffset) >>> 2;
}

function entryWord(slot: number, field: number): number {
  return word(MZT_ENTRIES + slot * MZ_ENTRY_SIZE + field);
}

function freeWord(index: number): number {
  return word(MZT_FREE_BLOCKS + index * MZ_FREE_BLOCK_SIZE);
}

function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

/** Sets the table up on first use; concurrent first users wait for the one that won. */
function ensureTable(arena: Arena): void {
  const i32 = arena.i32;
  const state = word(MZT_STATE);
  if (Atomics.load(i32, state) === MZT_READY) return;
  if (arena.size < MEMZONE_TABLE_SIZE + CACHE_LINE_SIZE) {
    throw new NicError('NIC_ENOMEM', `arena of ${arena.size} bytes is too small for the ${MEMZONE_TABLE_SIZE}-byte memzone table`);
  }
  if (Atomics.compareExchange(i32, state, 0, MZT_SETTING_UP) === 0) {
    const u32 = arena.u32;
    const heapStart = MEMZONE_TABLE_OFFSET + MEMZONE_TABLE_SIZE;
    const heapEnd = Math.floor(Math.min(arena.size, 2 ** 32 - CACHE_LINE_SIZE) / CACHE_LINE_SIZE) * CACHE_LINE_SIZE;
    u32[word(MZT_ZONE_COUNT)] = 0;
    u32[word(MZT_HEAP_START)] = heapStart;
    u32[word(MZT_HEAP_END)] = heapEnd;
    u32[word(MZT_NEXT_SERIAL)] = 1;
    u32[word(MZT_FREE_COUNT)] = 1;
    u32[freeWord(0)] = heapStart;
    u32[freeWord(0) + 1] = heapEnd - heapStart;
    Atomics.store(i32, state, MZT_READY);
    return;
  }
  // Another thread is writing the table header; it takes microseconds.
  waitForValue(i32, state, MZT_READY);
}

function withTable<T>(arena: Arena, body: () => T): T {
  ensureTable(arena);
  spinLock(arena.i32, word(MZT_LOCK));
  try {
    return body();
  } finally {
    spinUnlock(arena.i32, word(MZT_LOCK));
  }
}

function encodeName(name: unknown): Uint8Array {
  if (typeof name !== 'string') throw new TypeError(`memzone name must be a string, got ${typeof name}`);
  const bytes = encoder.encode(name);
  if (bytes.length === 0 || bytes.length > MEMZONE_NAMESIZE) {
    throw new NicError('NIC_EINVAL', `memzone name '${name}' must be 1 to ${MEMZONE_NAMESIZE} UTF-8 bytes, it is ${bytes.length}`);
  }
  return bytes;
}

function slotMatches(arena: Arena, slot: number, name: Uint8Array): boolean {
  const u32 = arena.u32;
  if ((u32[entryWord(slot, MZE_FLAGS)] & MZE_F_USED) === 0) return false;
  if (u32[entryWord(slot, MZE_NAME_LENGTH)] !== name.length) return false;
  const base = MEMZONE_TABLE_OFFSET + MZT_ENTRIES + slot * MZ_ENTRY_SIZE + MZE_NAME;
  for (let i = 0; i < name.length; i++) if (arena.u8[base + i] !== name[i]) return false;
  return true;
}

function findSlot(arena: Arena, name: Uint8Array): number {
  for (let slot = 0; slot < MEMZONE_MAX; slot++) if (slotMatches(arena, slot, name)) return slot;
  return -1;
}

function readInfo(arena: Arena, slot: number): MemzoneInfo {
  const u32 = arena.u32;
  const nameStart = MEMZONE_TABLE_OFFSET + MZT_ENTRIES + slot * MZ_ENTRY_SIZE + MZE_NAME;
  const nameBytes = arena.u8.slice(nameStart, nameStart + u32[entryWord(slot, MZE_NAME_LENGTH)]);
  const offset = u32[entryWord(slot, MZE_OFFSET)];
  return {
    name: decoder.decode(nameBytes),
    offset,
    length: u32[entryWord(slot, MZE_LENGTH)],
    align: u32[entryWord(slot, MZE_ALIGN)],
    contiguous: (u32[entryWord(slot, MZE_FLAGS)] & MZE_F_CONTIGUOUS) !== 0,
    iova: arena.iova(offset),
    id: slot,
    serial: u32[entryWord(slot, MZE_SERIAL)],
  };
}

/** Free space of the memzone allocator. */
export interface MemzoneFreeStats {
  /** Free bytes in total. */
  readonly free: number;
  /** Bytes in the largest free block. */
  readonly largest: number;
  /** Number of free blocks. */
  readonly blocks: number;
}

function freeStats(arena: Arena): MemzoneFreeStats {
  const u32 = arena.u32;
  const blocks = u32[word(MZT_FREE_COUNT)];
  let free = 0;
  let largest = 0;
  for (let i = 0; i < blocks; i++) {
    const length = u32[freeWord(i) + 1];
    free += length;
    if (length > largest) largest = length;
  }
  return { free, largest, blocks };
}

/** First aligned start inside free block `index` where `size` bytes fit (in one page if asked), or -1. */
function fitInBlock(arena: Arena, index: number, size: number, blockLength: number, align: number, pageSize: number): number {
  const u32 = arena.u32;
  const blockStart = u32[freeWord(index)];
  const blockEnd = blockStart + u32[freeWord(index) + 1];
  let start = alignUp(blockStart, align);
  if (pageSize !== 0 && !arena.iovaContiguous(start, size)) {
    start = alignUp((Math.floor(start / pageSize) + 1) * pageSize, align);
  }
  return start + blockLength <= blockEnd ? start : -1;
}

/** Removes `[start, start + length)` from free block `index`, keeping what is left on either side. */
function carve(arena: Arena, index: number, start: number, length: number): void {
  const u32 = arena.u32;
  const blockStart = u32[freeWord(index)];
  const blockEnd = blockStart + u32[freeWord(index) + 1];
  const before = start - blockStart;
  const after = blockEnd - (start + length);
  const count = u32[word(MZT_FREE_COUNT)];
  if (before > 0 && after > 0) {
    u32.copyWithin(freeWord(index + 1), freeWord(index), freeWord(count));
    u32[freeWord(index) + 1] = before;
    u32[freeWord(index + 1)] = start + length;
    u32[freeWord(index + 1) + 1] = after;
    u32[word(MZT_FREE_COUNT)] = count + 1;
  } else if (before > 0) {
    u32[freeWord(index) + 1] = before;
  } else if (after > 0) {
    u32[freeWord(index)] = start + length;
    u32[freeWord(index) + 1] = after;
  } else {
    u32.copyWithin(freeWord(index), freeWord(index + 1), freeWord(count));
    u32[word(MZT_FREE_COUNT)] = count - 1;
  }
}

/** Returns `[start, start + length)` to the free list, merging it with adjacent free blocks. */
function release(arena: Arena, start: number, length: number): void {
  const u32 = arena.u32;
  const count = u32[word(MZT_FREE_COUNT)];
  let index = 0;
  while (index < count && u32[freeWord(index)] < start) index++;
  const mergesPrev = index > 0 && u32[freeWord(index - 1)] + u32[freeWord(index - 1) + 1] === start;
  const mergesNext = index < count && start + length === u32[freeWord(index)];
  if (mergesPrev && mergesNext) {
    u32[freeWord(index - 1) + 1] += length + u32[freeWord(index) + 1];
    u32.copyWithin(freeWord(index), freeWord(index + 1), freeWord(count));
    u32[word(MZT_FREE_COUNT)] = count - 1;
  } else if (mergesPrev) {
    u32[freeWord(index - 1) + 1] += length;
  } else if (mergesNext) {
    u32[freeWord(index)] = start;
    u32[freeWord(index) + 1] += length;
  } else {
    u32.copyWithin(freeWord(index + 1), freeWord(index), freeWord(count));
    u32[freeWord(index)] = start;
    u32[freeWord(index) + 1] = length;
    u32[word(MZT_FREE_COUNT)] = count + 1;
  }
}

function checkAlign(align: unknown): number {
  if (align === undefined) return CACHE_LINE_SIZE;
  if (typeof align !== 'number') throw new TypeError(`memzone align must be a number, got ${typeof align}`);
  if (!Number.isInteger(align) || align <= 0 || align > MEMZONE_MAX_ALIGN || (align & (align - 1)) !== 0) {
    throw new NicError('NIC_EINVAL', `memzone align ${align} is not a power of two up to ${MEMZONE_MAX_ALIGN}`);
  }
  return Math.max(align, CACHE_LINE_SIZE);
}

/**
 * Reserves `size` bytes of the arena under `name`, zero-filled, at an offset that is a
 * multiple of `align`. Safe against concurrent reservations from other threads.
 *
 * @throws NicError `NIC_EINVAL` for an empty or too long name, a size that is not a
 *   positive integer, or an alignment that is not a power of two; `NIC_EEXIST` when the
 *   name is taken; `NIC_ENOMEM` when no free block fits (the message gives the free
 *   bytes and the largest block) or the table is full. `TypeError` for wrong types.
 */
export function memzoneReserve(arena: Arena, name: string, size: number, options: MemzoneReserveOptions = {}): MemzoneInfo {
  const nameBytes = encodeName(name);
  if (typeof size !== 'number') throw new TypeError(`memzone size must be a number, got ${typeof size}`);
  if (!Number.isInteger(size) || size <= 0) throw new NicError('NIC_EINVAL', `memzone '${name}': size ${size} is not a positive integer`);
  const align = checkAlign(options.align);
  const contiguous = options.contiguous === true;
  const pageSize = contiguous && arena.iovaMode === 'pa' ? arena.handle().iova.pageSize : 0;
  if (pageSize !== 0 && size > pageSize) {
    throw new NicError('NIC_ENOMEM', `memzone '${name}': ${size} bytes cannot be IOVA-contiguous with ${pageSize}-byte pages`);
  }
  const blockLength = alignUp(size, CACHE_LINE_SIZE);
  return withTable(arena, () => {
    const u32 = arena.u32;
    if (findSlot(arena, nameBytes) >= 0) throw new NicError('NIC_EEXIST', `memzone '${name}' already exists`);
    let slot = 0;
    while (slot < MEMZONE_MAX && (u32[entryWord(slot, MZE_FLAGS)] & MZE_F_USED) !== 0) slot++;
    if (slot === MEMZONE_MAX) throw new NicError('NIC_ENOMEM', `memzone '${name}': the table is full (${MEMZONE_MAX} zones)`);
    const blocks = u32[word(MZT_FREE_COUNT)];
    let index = 0;
    let start = -1;
    while (index < blocks) {
      start = fitInBlock(arena, index, size, blockLength, align, pageSize);
      if (start >= 0) break;
      index++;
    }
    if (start < 0) {
      const stats = freeStats(arena);
      throw new NicError(
        'NIC_ENOMEM',
        `memzone '${name}': cannot reserve ${size} bytes (align ${align}${contiguous ? ', contiguous' : ''}): ` +
          `${stats.free} bytes free, largest free block ${stats.largest} bytes`,
      );
    }
    carve(arena, index, start, blockLength);
    arena.u8.fill(0, start, start + blockLength);
    const serial = u32[word(MZT_NEXT_SERIAL)];
    u32[word(MZT_NEXT_SERIAL)] = (serial + 1) >>> 0 || 1;
    u32[entryWord(slot, MZE_OFFSET)] = start;
    u32[entryWord(slot, MZE_LENGTH)] = size;
    u32[entryWord(slot, MZE_BLOCK_LENGTH)] = blockLength;
    u32[entryWord(slot, MZE_ALIGN)] = align;
    u32[entryWord(slot, MZE_SERIAL)] = serial;
    u32[entryWord(slot, MZE_NAME_LENGTH)] = nameBytes.length;
    arena.u8.set(nameBytes, MEMZONE_TABLE_OFFSET + MZT_ENTRIES + slot * MZ_ENTRY_SIZE + MZE_NAME);
    u32[entryWord(slot, MZE_FLAGS)] = MZE_F_USED | (contiguous ? MZE_F_CONTIGUOUS : 0);
    u32[word(MZT_ZONE_COUNT)] += 1;
    return readInfo(arena, slot);
  });
}

/**
 * The memzone called `name`, as reserved by any thread.
 * @throws NicError `NIC_ENOENT` when there is none; `NIC_EINVAL` for an invalid name.
 */
export function memzoneLookup(arena: Arena, name: string): MemzoneInfo {
  const nameBytes = encodeName(name);
  return withTable(arena, () => {
    const slot = findSlot(arena, nameBytes);
    if (slot < 0) throw new NicError('NIC_ENOENT', `memzone '${name}' not found`);
    return readInfo(arena, slot);
  });
}

/** The memzone that starts at arena offset `offset`, or `undefined`. */
export function memzoneAt(arena: Arena, offset: number): MemzoneInfo | undefined {
  return withTable(arena, () => {
    const u32 = arena.u32;
    for (let slot = 0; slot < MEMZONE_MAX; slot++) {
      if ((u32[entryWord(slot, MZE_FLAGS)] & MZE_F_USED) !== 0 && u32[entryWord(slot, MZE_OFFSET)] === offset) return readInfo(arena, slot);
    }
    return undefined;
  });
}

/**
 * Releases the memzone called `name`; its bytes go back to the free list. Views other
 * threads still hold on it become dangling: free a zone only when nobody uses it.
 * @throws NicError `NIC_ENOENT` when there is no such zone.
 */
export function memzoneFree(arena: Arena, name: string): void {
  const nameBytes = encodeName(name);
  withTable(arena, () => {
    const u32 = arena.u32;
    const slot = findSlot(arena, nameBytes);
    if (slot < 0) throw new NicError('NIC_ENOENT', `memzone '${name}' not found`);
    release(arena, u32[entryWord(slot, MZE_OFFSET)], u32[entryWord(slot, MZE_BLOCK_LENGTH)]);
    u32[entryWord(slot, MZE_FLAGS)] = 0;
    u32[word(MZT_ZONE_COUNT)] -= 1;
  });
}

/** Every live memzone, in table order. */
export function memzoneList(arena: Arena): MemzoneInfo[] {
  return withTable(arena, () => {
    const zones: MemzoneInfo[] = [];
    for (let slot = 0; slot < MEMZONE_MAX; slot++) {
      if ((arena.u32[entryWord(slot, MZE_FLAGS)] & MZE_F_USED) !== 0) zones.push(readInfo(arena, slot));
    }
    return zones;
  });
}

/** Free space of the memzone allocator: total bytes, largest block, number of blocks. */
export function memzoneFreeStats(arena: Arena): MemzoneFreeStats {
  return withTable(arena, () => freeStats(arena));
}

/** A human-readable listing of the zones and free space (for `eal.memoryDump()`). */
export function memzoneDump(arena: Arena): string {
  const zones = memzoneList(arena);
  const stats = memzoneFreeStats(arena);
  const hex = (n: number): string => `0x${n.toString(16)}`;
  const lines = [
    `memzones: ${zones.length} of ${MEMZONE_MAX}; ${stats.free} bytes free in ${stats.blocks} block(s), largest ${stats.largest}`,
  ];
  for (const z of zones) {
    lines.push(
      `  zone ${z.id}: name:<${z.name}>, offset:${hex(z.offset)}, len:${hex(z.length)}, iova:${hex(z.iova)}, ` +
        `align:${z.align}${z.contiguous ? ', contiguous' : ''}`,
    );
  }
  return lines.join('\n');
}
