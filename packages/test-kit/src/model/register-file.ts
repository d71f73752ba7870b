/**
 * The register BAR of a device model: a `SharedArrayBuffer` of 32-bit registers whose
 * plain reads and writes are storage, plus the registers with side effects (handlers on
 * read or write), clear-on-read counters, aliases folded onto their canonical offset, and
 * the all-ones a removed device answers with.
 */
import type { StatCounters } from './mac-stats.js';

/** What a register of a removed device reads as. */
export const ALL_ONES = 0xffffffff;
const REG_SHIFT = 2;
const REG_ALIGN_MASK = 3;

/** Options of {@link RegisterFile}. */
export interface RegisterFileOptions {
  /** The offset a register access at `offset` reaches (aliases folded); default itself. */
  readonly canonical?: (offset: number) => number;
}

/** One BAR of registers with side effects. */
export class RegisterFile {
  /** The register storage; plain reads of it have no side effects. */
  readonly buffer: SharedArrayBuffer;
  /** {@link buffer} as 32-bit registers (`u32[offset >> 2]`). */
  readonly u32: Uint32Array;
  readonly #owner: string;
  readonly #size: number;
  readonly #canonical: (offset: number) => number;
  readonly #reads = new Map<number, () => number>();
  readonly #writes = new Map<number, (value: number) => void>();
  #counters: StatCounters | undefined;
  #removed = false;

  /** `size` bytes of registers; `owner` names the device in messages. */
  constructor(owner: string, size: number, options: RegisterFileOptions = {}) {
    this.#owner = owner;
    this.#size = size;
    this.#canonical = options.canonical ?? ((offset) => offset);
    this.buffer = new SharedArrayBuffer(size);
    this.u32 = new Uint32Array(this.buffer);
  }

  /** Makes the offsets `counters` claims clear-on-read counters (their writes are ignored). */
  useCounters(counters: StatCounters): void {
    this.#counters = counters;
  }

  /** Reads of the register at `offset` return `read()` instead of the stored value. */
  onRead(offset: number, read: () => number): void {
    this.#reads.set(offset, read);
  }

  /** Writes to the register at `offset` call `write(value)` instead of storing it. */
  onWrite(offset: number, write: (value: number) => void): void {
    this.#writes.set(offset, write);
  }

  /** Reads of the register at `offset` return its value, then set `bits` in it (a semaphore a read takes). */
  setOnRead(offset: number, bits: number): void {
    this.onRead(offset, () => {
      const value = this.get(offset);
      this.set(offset, (value | bits) >>> 0);
      return value;
    });
  }

  /** The register at byte `offset`, with the read's side effects; all ones once removed. */
  read32(offset: number): number {
    this.#check(offset);
    if (this.#removed) return ALL_ONES;
    const at = this.#canonical(offset);
    const special = this.#reads.get(at);
    if (special) return special() >>> 0;
    if (this.#counters?.has(at)) return this.#counters.read(at);
    return this.u32[at >>> REG_SHIFT];
  }

  /** Writes the register at byte `offset`, with the write's side effects; ignored once removed. */
  write32(offset: number, value: number): void {
    this.#check(offset);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${this.#owner}: write32 value must be a number`);
    if (this.#removed) return;
    const at = this.#canonical(offset);
    const special = this.#writes.get(at);
    if (special) special(value >>> 0);
    else if (!this.#counters?.has(at)) this.u32[at >>> REG_SHIFT] = value >>> 0;
  }

  /** The stored value at `offset` (no side effect). */
  get(offset: number): number {
    return this.u32[offset >>> REG_SHIFT];
  }

  /** Stores `value` at `offset` (no side effect). */
  set(offset: number, value: number): void {
    this.u32[offset >>> REG_SHIFT] = value;
  }

  /** Whether {@link remove} happened. */
  get removed(): boolean {
    return this.#removed;
  }

  /** The device is gone: every register reads all ones from now on, writes are ignored. */
  remove(): void {
    this.#removed = true;
    this.u32.fill(ALL_ONES);
  }

  #check(offset: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.#size || (offset & REG_ALIGN_MASK) !== 0) {
      throw new TypeError(`${this.#owner}: register offset ${String(offset)} is not a 4-byte aligned offset inside the ${this.#size}-byte register BAR`);
    }
  }
}
