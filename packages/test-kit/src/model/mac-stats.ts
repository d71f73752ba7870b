/**
 * The MAC statistics both Intel datasheets (82576 and 82599) place at the same offsets of
 * the statistics block, and the counting rules they share: every counter is clear-on-read
 * and saturates at all ones; a 64-bit octet counter is a pair whose low dword reads
 * without side effect and whose high dword, read after it, returns the rest and clears
 * both. Octets count the frame from its destination address through its FCS.
 */
import type { DestinationKind } from './frame.js';

export const CRCERRS = 0x4000;
export const PRC64 = 0x405c;
export const PRC127 = 0x4060;
export const PRC255 = 0x4064;
export const PRC511 = 0x4068;
export const PRC1023 = 0x406c;
export const PRC1522 = 0x4070;
export const GPRC = 0x4074;
export const BPRC = 0x4078;
export const MPRC = 0x407c;
export const GPTC = 0x4080;
export const GORCL = 0x4088;
export const GORCH = 0x408c;
export const GOTCL = 0x4090;
export const GOTCH = 0x4094;
export const RUC = 0x40a4;
export const RFC = 0x40a8;
export const ROC = 0x40ac;
export const RJC = 0x40b0;
export const TORL = 0x40c0;
export const TORH = 0x40c4;
export const TPR = 0x40d0;
export const TPT = 0x40d4;
export const PTC64 = 0x40d8;
export const PTC127 = 0x40dc;
export const PTC255 = 0x40e0;
export const PTC511 = 0x40e4;
export const PTC1023 = 0x40e8;
export const PTC1522 = 0x40ec;
export const MPTC = 0x40f0;
export const BPTC = 0x40f4;

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
