/**
 * The statistics block (0x4000-0x40FC): counters the data path bumps and software reads,
 * every one clear-on-read. The 64-bit octet counters are pairs: the low dword reads
 * without side effect, reading the high dword returns it and clears both.
 */
import {
  BPRC, BPTC, GORCH, GORCL, GOTCH, GOTCL, GPRC, GPTC, MPRC, MPTC, PRC1023, PRC127, PRC1522, PRC255, PRC511, PRC64,
  PTC1023, PTC127, PTC1522, PTC255, PTC511, PTC64, STATS_FIRST, STATS_LAST, TORH, TORL, TOTH, TOTL, TPR, TPT,
} from './regs.js';

const REG_SHIFT = 2;
const TWO_POW_32 = 2 ** 32;
const U32_MAX = 0xffffffff;
/** Low dword of each 64-bit pair, by its high dword. */
const PAIRS = new Map([
  [GORCH, GORCL],
  [GOTCH, GOTCL],
  [TORH, TORL],
  [TOTH, TOTL],
]);
const LOW_HALVES = new Set(PAIRS.values());
/** Upper size bounds (FCS included) of the 64..1522 size-bucket counters. */
const SIZE_BOUNDS = [64, 127, 255, 511, 1023] as const;
const RX_SIZE_COUNTERS = [PRC64, PRC127, PRC255, PRC511, PRC1023, PRC1522] as const;
const TX_SIZE_COUNTERS = [PTC64, PTC127, PTC255, PTC511, PTC1023, PTC1522] as const;
const MIN_COUNTED_SIZE = 64;
const MAX_BUCKET_SIZE = 1522;

/** What kind of destination a frame has, for the broadcast and multicast counters. */
export type DestinationKind = 'unicast' | 'multicast' | 'broadcast';

/** The statistics counters of one device, in its register file. */
export class IgbStats {
  readonly #regs: Uint32Array;

  constructor(regs: Uint32Array) {
    this.#regs = regs;
  }

  /** Whether `offset` is a statistics register (reads of it are {@link read}). */
  static has(offset: number): boolean {
    return offset >= STATS_FIRST && offset <= STATS_LAST;
  }

  /** Adds 1 to counter `offset`, saturating as the hardware does. */
  bump(offset: number): void {
    const i = offset >>> REG_SHIFT;
    if (this.#regs[i] !== U32_MAX) this.#regs[i]++;
  }

  /** Adds `bytes` to the 64-bit counter whose low dword is at `low`. */
  add64(low: number, bytes: number): void {
    const i = low >>> REG_SHIFT;
    const sum = this.#regs[i] + bytes;
    this.#regs[i] = sum >>> 0;
    this.#regs[i + 1] = (this.#regs[i + 1] + Math.floor(sum / TWO_POW_32)) >>> 0;
  }

  /** Counts a good received frame of `size` bytes (FCS included). */
  received(size: number, kind: DestinationKind): void {
    this.bump(GPRC);
    this.bump(TPR);
    this.add64(GORCL, size);
    this.add64(TORL, size);
    this.#bumpKind(kind, BPRC, MPRC);
    this.#bumpSize(size, RX_SIZE_COUNTERS);
  }

  /** Counts a transmitted frame of `size` bytes (FCS included). */
  transmitted(size: number, kind: DestinationKind): void {
    this.bump(GPTC);
    this.bump(TPT);
    this.add64(GOTCL, size);
    this.add64(TOTL, size);
    this.#bumpKind(kind, BPTC, MPTC);
    this.#bumpSize(size, TX_SIZE_COUNTERS);
  }

  /** A software read of statistics register `offset`: its value, then cleared. */
  read(offset: number): number {
    const i = offset >>> REG_SHIFT;
    const value = this.#regs[i];
    if (LOW_HALVES.has(offset)) return value;
    this.#regs[i] = 0;
    const low = PAIRS.get(offset);
    if (low !== undefined) this.#regs[low >>> REG_SHIFT] = 0;
    return value;
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
