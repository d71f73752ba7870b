/**
 * The counting rules of the MAC statistics both Intel datasheets (82576 and 82599) share:
 * every counter is clear-on-read and saturates at all ones; a 64-bit octet counter is a pair whose low dword reads
 * without side effect and whose high dword, read after it, returns the rest and clears
 * both. Octets count the frame from its destination address through its FCS.
 */
import type { DestinationKind } from './frame.js';
import {
  BPRC,
  BPTC,
  GORCL,
  GOTCL,
  GPRC,
  GPTC,
  MPRC,
  MPTC,
  PRC1023,
  PRC127,
  PRC1522,
  PRC255,
  PRC511,
  PRC64,
  PTC1023,
  PTC127,
  PTC1522,
  PTC255,
  PTC511,
  PTC64,
  TORL,
  TPR,
  TPT,
} from './mac-counters.js';

export * from './mac-counters.js';

const REG_SHIFT = 2;
const TWO_POW_32 = 2 ** 32;
const U32_MAX = 0xffffffff;
/** Upper size bounds (FCS included) of the 64..1522 size-bucket counters. */
const SIZE_BOUNDS = [64, 127, 255, 511, 1023] as const;
const RX_SIZE_COUNTERS = [PRC64, PRC127, PRC255, PRC511, PRC1023, PRC1522] as const;
const TX_SIZE_COUNTERS = [PTC64, PTC127, PTC255, PTC511, PTC1023, PTC1522] as const;
const MIN_COUNTED_SIZE = 64;
const MAX_BUCKET_SIZE = 1522;

/** Clear-on-read counters in a device's register file. */
export class StatCounters {
  readonly #regs: Uint32Array;
  /** Low dword of each 64-bit pair, by the byte offset of its high dword. */
  readonly #pairs: ReadonlyMap<number, number>;
  readonly #lows: ReadonlySet<number>;
  readonly #isCounter: (offset: number) => boolean;

  /**
   * `regs`: the register file; `isCounter`: which offsets are counters; `pairs`: the
   * 64-bit counters as [high, low] byte offsets.
   */
  constructor(regs: Uint32Array, isCounter: (offset: number) => boolean, pairs: ReadonlyArray<readonly [number, number]>) {
    this.#regs = regs;
    this.#isCounter = isCounter;
    this.#pairs = new Map(pairs);
    this.#lows = new Set(this.#pairs.values());
  }

  /** Whether `offset` is a counter (its reads are {@link read}, its writes ignored). */
  has(offset: number): boolean {
    return this.#isCounter(offset);
  }

  /** Adds 1 to counter `offset`, saturating. */
  bump(offset: number): void {
    const i = offset >>> REG_SHIFT;
    if (this.#regs[i] !== U32_MAX) this.#regs[i]++;
  }

  /** Adds `n` to the 64-bit counter whose low dword is at `low` (the high dword follows it). */
  add64(low: number, n: number): void {
    const i = low >>> REG_SHIFT;
    const sum = this.#regs[i] + n;
    this.#regs[i] = sum >>> 0;
    this.#regs[i + 1] = (this.#regs[i + 1] + Math.floor(sum / TWO_POW_32)) >>> 0;
  }

  /** A software read of counter `offset`: its value, then cleared (a low half is not). */
  read(offset: number): number {
    const i = offset >>> REG_SHIFT;
    const value = this.#regs[i];
    if (this.#lows.has(offset)) return value;
    this.#regs[i] = 0;
    const low = this.#pairs.get(offset);
    if (low !== undefined) this.#regs[low >>> REG_SHIFT] = 0;
    return value;
  }

  /**
   * Counts a good received frame of `size` bytes (FCS included) in the shared MAC counters;
   * GORC adds `goodOctets` (default `size`; the 82599 leaves a stripped FCS out).
   */
  received(size: number, kind: DestinationKind, goodOctets = size): void {
    this.bump(GPRC);
    this.bump(TPR);
    this.add64(GORCL, goodOctets);
    this.add64(TORL, size);
    this.#bumpKind(kind, BPRC, MPRC);
    this.#bumpSize(size, RX_SIZE_COUNTERS);
  }

  /** Counts a transmitted frame of `size` bytes (FCS included) in the shared MAC counters. */
  transmitted(size: number, kind: DestinationKind): void {
    this.bump(GPTC);
    this.bump(TPT);
    this.add64(GOTCL, size);
    this.#bumpKind(kind, BPTC, MPTC);
    this.#bumpSize(size, TX_SIZE_COUNTERS);
  }

  #bumpKind(kind: DestinationKind, broadcast: number, multicast: number): void {
    if (kind === 'broadcast') this.bump(broadcast);
    else if (kind === 'multicast') this.bump(multicast);
  }

  #bumpSize(size: number, counters: readonly number[]): void {
    if (size < MIN_COUNTED_SIZE || size > MAX_BUCKET_SIZE) return;
    const bucket = SIZE_BOUNDS.findIndex((bound) => size <= bound);
    this.bump(counters[bucket < 0 ? SIZE_BOUNDS.length : bucket]);
  }
}
