/**
 * The packed ring's WebAssembly kernel (`packed-ring.wat`) and the record it works from: the
 * ring's size, positions, header size, mergeable flag, the descriptor ring's address (in the
 * arena's WebAssembly memory, where the guest's regions lie as windows) and guest-physical
 * address, the memory table and the dirty log, then the burst's mbuf handles and the burst's
 * list of used descriptors, which the kernel and the TypeScript walk both append to. Each
 * vring of each thread has its own record, past the arena (see {@link takeRecord}); the
 * header, the memory table and the copy list are laid out as the split ring's (see
 * split-kernel.ts).
 */
import { wasmKernel, type Arena, type SharedWasmMemory } from '@nic/eal';
import { KERNEL_SLOTS, K_SLOTS, takeRecord, writeRegions } from './split-kernel.js';
import packedRingKernel from './packed-ring.wat';

// Byte offsets in a packed record beyond the split ring's header (see packed-ring.wat).
/** Entries in the used list. */
export const P_USED_COUNT = 28;
/**
 * Descriptors the burst has taken: the kernel refuses a chain that would take it past the
 * ring's size (see {@link PackedRing}'s burst limit), the TypeScript walk likewise.
 */
export const P_TAKEN = 32;
/** The descriptor ring's guest-physical address (u64), for the dirty log. */
export const P_DESC_GPA = 48;
/** Entries the used list has room for: the kernel writes none past them. */
export const P_CAPACITY = 56;
/**
 * The used list: per entry a u32 buffer id | descriptors << 16, then a u32 length. It starts
 * past the copy list (which ends at K_COPIES + COPY_ENTRIES * COPY_ENTRY_BYTES = 3904);
 * packed-ring.wat has the constant.
 */
export const P_USED_LIST = 4096;
export const USED_ENTRY_BYTES = 8;

/** The exports of `packed-ring.wat`. */
interface PackedRingExports {
  /** Chains (at most `n`) available from the avail position, 1 when descriptors are but no chain ends. */
  avail(rec: number, n: number): number;
  /** Moves up to `want` guest packets into the mbufs whose handles are at address `slots`; returns how many. */
  dequeue(rec: number, slots: number, want: number): number;
  /** Places up to `n` mbufs (handles at address `slots`) into available chains; returns how many. */
  enqueue(rec: number, slots: number, n: number): number;
  /**
   * Writes the used list at the used position (the first descriptor's flags last) and empties
   * it; with `one` (1) as one used descriptor, the last chain's, the position past them all.
   */
  flush(rec: number, one: number): void;
}

/** One packed vring's record, for rings of up to {@link PackedKernel.capacity} descriptors, and the kernel over one memory, on one thread. */
export class PackedKernel {
  readonly memory: SharedWasmMemory;
  /** Address of the record. */
  readonly rec: number;
  /** Most descriptors of a ring this record serves (the used list holds one entry per descriptor at most). */
  readonly capacity: number;
  readonly i32: Int32Array;
  /** The burst's handles (index 0 is the first slot). */
  readonly slots: Uint32Array;
  /** The used list, two words an entry. */
  readonly used: Uint32Array;
  readonly avail: PackedRingExports['avail'];
  readonly dequeue: PackedRingExports['dequeue'];
  readonly enqueue: PackedRingExports['enqueue'];
  readonly flush: PackedRingExports['flush'];

  constructor(arena: Arena, capacity: number) {
    this.memory = arena.wasm.memory;
    this.capacity = capacity;
    this.rec = takeRecord(this.memory, P_USED_LIST + capacity * USED_ENTRY_BYTES);
    this.i32 = new Int32Array(this.memory.buffer, this.rec, K_SLOTS >>> 2);
    this.slots = new Uint32Array(this.memory.buffer, this.rec + K_SLOTS, KERNEL_SLOTS);
    this.used = new Uint32Array(this.memory.buffer, this.rec + P_USED_LIST, capacity * 2);
    this.i32[P_CAPACITY >>> 2] = capacity;
    const kernel = wasmKernel<PackedRingExports>(packedRingKernel, arena);
    this.avail = kernel.avail;
    this.dequeue = kernel.dequeue;
    this.enqueue = kernel.enqueue;
    this.flush = kernel.flush;
  }

  /** Writes the memory table (each region's guest-physical address, size and window address). */
  setRegions(gpa: readonly number[], size: readonly number[], windows: readonly number[]): void {
    writeRegions(this.i32, gpa, size, windows);
  }

  /** Writes the descriptor ring's guest-physical address. */
  setDescGpa(gpa: number): void {
    this.i32[P_DESC_GPA >>> 2] = gpa % 0x100000000;
    this.i32[(P_DESC_GPA >>> 2) + 1] = Math.floor(gpa / 0x100000000);
  }
}
