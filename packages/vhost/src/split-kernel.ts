/**
 * The split ring's WebAssembly kernel (`split-ring.wat`) and the record it works from: the
 * ring's size, indices, header size, mergeable flag, the addresses of its three parts and
 * the memory table, all as addresses of the arena's WebAssembly memory where the guest's
 * regions lie as windows. Each vring of each thread has its own record, in a page past the
 * arena that the thread takes when it first needs one, with the mbuf handles of the burst
 * after it (so callers' handle arrays may lie anywhere), then the burst's copy list and used entries. No allocation and no addon call per
 * burst or packet: the kernel's loads and stores go straight to guest and arena memory.
 */
import { WASM_PAGE_SIZE, wasmKernel, type Arena, type SharedWasmMemory } from '@nic/eal';
import { MAX_MEM_REGIONS } from './protocol.js';
import splitRingKernel from './split-ring.wat';

/** Byte offsets in a record (see split-ring.wat). */
export const K_NUM = 0;
export const K_LAST_AVAIL = 4;
export const K_LAST_USED = 8;
export const K_HDR = 12;
export const K_MRG = 16;
export const K_REGIONS = 20;
export const K_DESC = 24;
export const K_AVAIL = 28;
export const K_USED = 32;
/** The dirty log's address (0 when not logging) and its size in bytes. */
export const K_LOG = 36;
export const K_LOG_SIZE = 40;
/** A word the kernel writes what its read-ahead of the descriptors gave (nothing reads it). */
export const K_SCRATCH = 44;
/**
 * After an enqueue: the pool field (arena offset) that the mbufs it placed share when each
 * is one direct segment with refcnt 1, so that freeing them is putting them back there in
 * bulk; 0 when one is not so, or they name different pools, or it placed none.
 */
export const K_BULK_FREE_POOL = 48;
export const K_REGION = 64;
/** A region: guest-physical address (u64), size (u64), address in the memory (u32). */
export const REGION_BYTES = 32;
/** Where the burst's mbuf handles go, and how many. */
export const K_SLOTS = K_REGION + MAX_MEM_REGIONS * REGION_BYTES;
export const KERNEL_SLOTS = 256;
/**
 * The copy list after the handles (split-ring.wat's second pass): 80 entries of 32 bytes,
 * flushed when full (its address and size are constants in the kernel).
 */
export const K_COPIES = K_SLOTS + KERNEL_SLOTS * 4;
export const COPY_ENTRIES = 80;
export const COPY_ENTRY_BYTES = 32;
/** The used entries a burst writes, noted first (split-ring.wat's $used_out): 512 of 8 bytes. */
export const K_USED_SHADOW = 4096;
export const USED_SHADOW_ENTRIES = 512;
/** Bytes of a record. */
export const RECORD_SIZE = 8192;

/** The exports of `split-ring.wat`. */
interface SplitRingExports {
  /** Moves up to `want` guest packets into the mbufs whose handles are at address `slots`; returns how many. */
  dequeue(rec: number, slots: number, want: number): number;
  /** Places up to `n` mbufs (handles at address `slots`) into chains made available before `end`; returns how many. */
  enqueue(rec: number, slots: number, n: number, end: number): number;
}

/** Each memory's page of records on this thread: the next free record and the page's end. */
const pages = new WeakMap<SharedWasmMemory, { next: number; end: number }>();

/** A fresh record of `size` bytes in `memory`, from this thread's pages (new ones when they are full); its address. */
export function takeRecord(memory: SharedWasmMemory, size = RECORD_SIZE): number {
  let page = pages.get(memory);
  if (page === undefined || page.next + size > page.end) {
    // grow() gives the old size: the new pages are this thread's even when others grow too.
    const count = Math.ceil(size / WASM_PAGE_SIZE);
    const start = memory.grow(count) * WASM_PAGE_SIZE;
    page = { next: start, end: start + count * WASM_PAGE_SIZE };
    pages.set(memory, page);
  }
  const rec = page.next;
  page.next += size;
  return rec;
}

/** Writes the memory table into the record viewed by `i32` (each region's guest-physical address, size and window address). */
export function writeRegions(i32: Int32Array, gpa: readonly number[], size: readonly number[], windows: readonly number[]): void {
  i32[K_REGIONS >>> 2] = gpa.length;
  for (let i = 0; i < gpa.length; i++) {
    const w = (K_REGION + i * REGION_BYTES) >>> 2;
    i32[w] = gpa[i] % 0x100000000;
    i32[w + 1] = Math.floor(gpa[i] / 0x100000000);
    i32[w + 2] = size[i] % 0x100000000;
    i32[w + 3] = Math.floor(size[i] / 0x100000000);
    i32[w + 4] = windows[i];
  }
}

/** One vring's record and the kernel over one memory, on one thread. */
export class SplitKernel {
  readonly memory: SharedWasmMemory;
  /** Address of the record. */
  readonly rec: number;
  readonly i32: Int32Array;
  /** The burst's handles (index 0 is the first slot). */
  readonly slots: Uint32Array;
  readonly dequeue: SplitRingExports['dequeue'];
  readonly enqueue: SplitRingExports['enqueue'];

  constructor(arena: Arena) {
    this.memory = arena.wasm.memory;
    this.rec = takeRecord(this.memory);
    this.i32 = new Int32Array(this.memory.buffer, this.rec, K_SLOTS >>> 2);
    this.slots = new Uint32Array(this.memory.buffer, this.rec + K_SLOTS, KERNEL_SLOTS);
    const kernel = wasmKernel<SplitRingExports>(splitRingKernel, arena);
    this.dequeue = kernel.dequeue;
    this.enqueue = kernel.enqueue;
  }

  /** Writes the memory table (each region's guest-physical address, size and window address). */
  setRegions(gpa: readonly number[], size: readonly number[], windows: readonly number[]): void {
    writeRegions(this.i32, gpa, size, windows);
  }
}
