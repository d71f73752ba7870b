/**
 * Which lcores (EAL threads) run and on which CPUs: the `-l`/`--lcores` list, the `-c`
 * coremask and `--main-lcore`.
 */
import { NicError } from '@nic/native';
import type { LcoreAssignment } from './types.js';

/** Lcore ids must be below this (DPDK's `RTE_MAX_LCORE`). */
export const MAX_LCORE = 128;

/** Inputs of the lcore parsers besides the option's value. */
export interface LcoreParseOptions {
  /**
   * The CPUs this process may run on (its CPU affinity set), at least one, in any order.
   * Lcores may run on these CPUs only.
   */
  readonly cpus: readonly number[];
  /** The option as the user wrote it, for error messages (default `-l` or `-c`). */
  readonly option?: string;
}

const GROUP_OPEN = '(';
const GROUP_CLOSE = ')';
const RANGE = '-';
const LIST_SEPARATOR = ',';
const CPU_SEPARATOR = '@';
const BLANKS = ' \t';
const BITS_PER_HEX_DIGIT = 4;
const HEX = 16;
const COREMASK_RE = /^(?:0[xX])?([0-9a-fA-F]+)$/;
const DECIMAL_RE = /^[0-9]+$/;
/** The start of an `lcore@cpu` example in messages; the first allowed CPU follows. */
const DPDK_MAP_EXAMPLE = '0@';

/** The CPU ids of `cpus`, ascending, checked: a non-empty array of non-negative integers. */
export function cpuSet(cpus: readonly number[]): number[] {
  if (!Array.isArray(cpus) || cpus.length === 0 || !cpus.every((c) => Number.isSafeInteger(c) && c >= 0)) {
    throw new TypeError(`cpus must be a non-empty array of CPU ids, got ${String(cpus)}`);
  }
  return [...new Set(cpus)].sort((a, b) => a - b);
}

/** `cpus` (ascending, no repeats) in the kernel's cpulist format: `0-3,8,10-11`. */
export function formatCpuList(cpus: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cpus.length; ) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j] + 1) j++;
    parts.push(j === i ? String(cpus[i]) : `${cpus[i]}-${cpus[j]}`);
    i = j + 1;
  }
  return parts.join(LIST_SEPARATOR);
}

/** The refusal of a CPU outside the affinity set `allowed` (ascending), built with `fail`. */
function cpuNotAllowed(fail: (why: string) => NicError, allowed: readonly number[]): (cpu: number) => NicError {
  const list = formatCpuList(allowed);
  return (cpu) => fail(`CPU ${cpu} is not in this process's CPU affinity set (${list}); use those CPUs, or map lcores onto them as in ${DPDK_MAP_EXAMPLE}${allowed[0]}`);
}

function checkString(value: string, option: string): void {
  if (typeof value !== 'string') throw new TypeError(`${option} value must be a string, got ${typeof value}`);
}

/** A parsed set: its inclusive ranges, and whether it was a parenthesised group. */
interface ParsedSet {
  readonly ranges: readonly (readonly [number, number])[];
  readonly grouped: boolean;
}

/** A tiny recursive-descent reader over one `--lcores` value; failures are `NIC_EINVAL`. */
class LcoreListReader {
  #pos = 0;

  constructor(
    readonly text: string,
    readonly fail: (why: string) => NicError,
  ) {}

  get done(): boolean {
    this.#blanks();
    return this.#pos >= this.text.length;
  }

  /** Consumes `c` (after blanks) if it is next. */
  eat(c: string): boolean {
    this.#blanks();
    if (this.text[this.#pos] !== c) return false;
    this.#pos++;
    return true;
  }

  /** Fails, saying what came instead of the expected token. */
  unexpected(expected: string): NicError {
    const found = this.#pos < this.text.length ? `"${this.text[this.#pos]}"` : 'the end';
    return this.fail(`expected ${expected} at offset ${this.#pos}, found ${found}`);
  }

  /** `n` or `(n|a-b, ...)`. */
  set(): ParsedSet {
    if (!this.eat(GROUP_OPEN)) return { ranges: [this.#range()], grouped: false };
    const ranges = [this.#range()];
    while (this.eat(LIST_SEPARATOR)) ranges.push(this.#range());
    if (!this.eat(GROUP_CLOSE)) throw this.unexpected(`"${GROUP_CLOSE}"`);
    return { ranges, grouped: true };
  }

  #range(): [number, number] {
    const lo = this.#number();
    if (!this.eat(RANGE)) return [lo, lo];
    const hi = this.#number();
    if (hi < lo) throw this.fail(`range ${lo}-${hi} runs backwards`);
    return [lo, hi];
  }

  #number(): number {
    this.#blanks();
    const start = this.#pos;
    while (this.#pos < this.text.length && this.text[this.#pos] >= '0' && this.text[this.#pos] <= '9') this.#pos++;
    if (this.#pos === start) throw this.unexpected('a number');
    return Number(this.text.slice(start, this.#pos));
  }

  #blanks(): void {
    while (this.#pos < this.text.length && BLANKS.includes(this.text[this.#pos])) this.#pos++;
  }
}

/** Checks every member of `ranges` is below `limit`, then lists them ascending without repeats. */
function expand(ranges: ParsedSet['ranges'], limit: number, tooBig: (n: number) => NicError): number[] {
  const ids = new Set<number>();
  for (const [lo, hi] of ranges) {
    if (hi >= limit) throw tooBig(lo >= limit ? lo : limit);
    for (let n = lo; n <= hi; n++) ids.add(n);
  }
  return [...ids].sort((a, b) => a - b);
}

/**
 * Checks every member of `ranges` is in `allowed`, then lists them ascending without
 * repeats; the loop stops at the first CPU outside the set, so it is bounded by the set.
 */
function expandCpus(ranges: ParsedSet['ranges'], allowed: ReadonlySet<number>, missing: (n: number) => NicError): number[] {
  const ids = new Set<number>();
  for (const [lo, hi] of ranges) {
    for (let n = lo; n <= hi; n++) {
      if (!allowed.has(n)) throw missing(n);
      ids.add(n);
    }
  }
  return [...ids].sort((a, b) => a - b);
}

function sortById(map: Map<number, readonly number[]>): LcoreAssignment[] {
  return [...map].sort(([a], [b]) => a - b).map(([id, cpus]) => ({ id, cpus }));
}

/**
 * Parses a `-l`/`--lcores` value: a comma list of entries `lcores[@cpus]`, where each side is
 * a number, a range `a-b`, or a parenthesised group of those, e.g. `0-3`, `1,2@(5-7)`,
 * `(3-5)@(0,2)`, `(0,6)`. Without `@cpus`, a plain number or range runs each lcore on the CPU
 * of the same id, and a group runs each of its lcores on all of the group's CPUs (DPDK's rule).
 * Lcore ids must be below {@link MAX_LCORE}, every CPU must be in `options.cpus` (the
 * process's affinity set), and no lcore may appear twice. Returns the lcores ascending by id.
 * Anything malformed (`0-`, `a`, `(1,2`, `3-1`, `""`, `@1`), and a CPU outside the set, is
 * `NIC_EINVAL` naming the option and the value.
 */
export function parseLcores(value: string, options: LcoreParseOptions): LcoreAssignment[] {
  const option = options.option ?? '-l';
  checkString(value, option);
  const cpus = cpuSet(options.cpus);
  const allowed = new Set(cpus);
  const fail = (why: string) => new NicError('NIC_EINVAL', `invalid ${option} value "${value}": ${why}`);
  const lcoreTooBig = (n: number) => fail(`lcore id ${n} is not below ${MAX_LCORE}`);
  const cpuMissing = cpuNotAllowed(fail, cpus);
  const reader = new LcoreListReader(value, fail);
  if (reader.done) throw fail('empty lcore list');

  const result = new Map<number, readonly number[]>();
  for (;;) {
    const lcoreSet = reader.set();
    const ids = expand(lcoreSet.ranges, MAX_LCORE, lcoreTooBig);
    const pinned = reader.eat(CPU_SEPARATOR);
    let shared: readonly number[] | undefined;
    if (pinned) shared = expandCpus(reader.set().ranges, allowed, cpuMissing);
    else if (lcoreSet.grouped) shared = expandCpus(lcoreSet.ranges, allowed, cpuMissing);
    for (const id of ids) {
      if (result.has(id)) throw fail(`lcore ${id} is given more than once`);
      result.set(id, shared ?? expandCpus([[id, id]], allowed, cpuMissing));
    }
    if (reader.done) break;
    if (!reader.eat(LIST_SEPARATOR)) throw reader.unexpected(pinned ? `"${LIST_SEPARATOR}"` : `"${LIST_SEPARATOR}" or "${CPU_SEPARATOR}"`);
    if (reader.done) throw fail(`trailing "${LIST_SEPARATOR}"`);
  }
  return sortById(result);
}

/**
 * Parses a `-c` coremask: hexadecimal, with or without `0x`; bit `n` set runs lcore `n` on CPU
 * `n`. A mask that is not hex, selects nothing, sets a bit at or above {@link MAX_LCORE}, or
 * sets the bit of a CPU outside `options.cpus` is `NIC_EINVAL` naming the option and the value.
 */
export function parseCoremask(value: string, options: LcoreParseOptions): LcoreAssignment[] {
  const option = options.option ?? '-c';
  checkString(value, option);
  const cpus = cpuSet(options.cpus);
  const allowed = new Set(cpus);
  const fail = (why: string) => new NicError('NIC_EINVAL', `invalid ${option} value "${value}": ${why}`);
  const cpuMissing = cpuNotAllowed(fail, cpus);
  const m = COREMASK_RE.exec(value.trim());
  if (!m) throw fail('expected a hexadecimal mask such as 0x3');
  const digits = m[1];
  const lcores: LcoreAssignment[] = [];
  for (let k = 0; k < digits.length; k++) {
    const nibble = Number.parseInt(digits[digits.length - 1 - k], HEX);
    for (let bit = 0; bit < BITS_PER_HEX_DIGIT; bit++) {
      if ((nibble & (1 << bit)) === 0) continue;
      const id = k * BITS_PER_HEX_DIGIT + bit;
      if (id >= MAX_LCORE) throw fail(`lcore id ${id} is not below ${MAX_LCORE}`);
      if (!allowed.has(id)) throw cpuMissing(id);
      lcores.push({ id, cpus: [id] });
    }
  }
  if (lcores.length === 0) throw fail('the mask selects no lcore');
  return lcores;
}

/**
 * The lcores used when neither `-l` nor `-c` is given, as DPDK chooses them: one per CPU of
 * the process's affinity set `cpus` whose id is below {@link MAX_LCORE}, lcore `n` on CPU `n`.
 * A set with no CPU below {@link MAX_LCORE} is `NIC_EINVAL`.
 */
export function defaultLcores(cpus: readonly number[]): LcoreAssignment[] {
  const usable = cpuSet(cpus).filter((cpu) => cpu < MAX_LCORE);
  if (usable.length === 0) {
    throw new NicError('NIC_EINVAL', `no CPU of this process's affinity set (${formatCpuList(cpuSet(cpus))}) is below ${MAX_LCORE}; choose lcores with -l lcore@cpu`);
  }
  return usable.map((id) => ({ id, cpus: [id] }));
}

/**
 * The CPU of each of `count` lcores, ids 0 to `count - 1`, placed on the CPUs `cpus` (an
 * affinity set, any order): lcore `i` on the `i`-th CPU ascending, round again from the first
 * when there are fewer CPUs than lcores, so `[1, 1]` for two lcores on CPU 1 alone. Repeats in
 * the result mean lcores share a CPU.
 */
export function lcoreCpus(count: number, cpus: readonly number[]): number[] {
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_LCORE) throw new TypeError(`count must be 1 to ${MAX_LCORE}, got ${String(count)}`);
  const set = cpuSet(cpus);
  return Array.from({ length: count }, (_, id) => set[id % set.length]);
}

/**
 * An `-l` value for `count` lcores, ids 0 to `count - 1`, on the CPUs `cpus` (an affinity
 * set) as {@link lcoreCpus} places them, in DPDK's `lcore@cpu` form (`0@1,1@1` on CPU 1
 * alone). For programs and tests that want a given number of lcores wherever they run.
 */
export function lcoresOnCpus(count: number, cpus: readonly number[]): string {
  return lcoreCpus(count, cpus).map((cpu, id) => `${id}${CPU_SEPARATOR}${cpu}`).join(LIST_SEPARATOR);
}

/**
 * Parses `--main-lcore`: a decimal lcore id that must be one of `lcores`. Anything else is
 * `NIC_EINVAL` naming the option and the value.
 */
export function parseMainLcore(value: string, lcores: readonly LcoreAssignment[], option = '--main-lcore'): number {
  checkString(value, option);
  const fail = (why: string) => new NicError('NIC_EINVAL', `invalid ${option} value "${value}": ${why}`);
  if (!DECIMAL_RE.test(value)) throw fail('expected an lcore id');
  const id = Number(value);
  if (id >= MAX_LCORE) throw fail(`lcore id ${id} is not below ${MAX_LCORE}`);
  if (!lcores.some((l) => l.id === id)) throw fail(`lcore ${id} is not enabled (lcores in use: ${lcores.map((l) => l.id).join(',')})`);
  return id;
}
