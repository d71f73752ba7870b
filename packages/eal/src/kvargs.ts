/**
 * Key/value argument lists, `key=value,key=value,...`: the text after a device name in
 * devargs (`net_ring0,nodeaction=r0:0:CREATE`) and the layers of the global devargs syntax.
 * Follows DPDK's current rte_kvargs rules.
 */
import { NicError } from '@nic/native';

/** One element of a kvargs string. */
export interface KvPair {
  /** The text before the first `=` (may be empty: `=2` has key `""`). */
  readonly key: string;
  /** The text after the first `=`; undefined for a key given alone (`foo` in `foo,bar=1`). */
  readonly value: string | undefined;
}

/** Bounds and default of {@link Kvargs.getInt}. */
export interface KvIntOptions {
  /** Smallest accepted value (inclusive). */
  readonly min?: number;
  /** Largest accepted value (inclusive). */
  readonly max?: number;
  /** Returned when the key is absent. */
  readonly default?: number;
}

/** Choices and default of {@link Kvargs.getString}. */
export interface KvStringOptions {
  /** When given, the value must be one of these. */
  readonly choices?: readonly string[];
  /** Returned when the key is absent. */
  readonly default?: string;
}

/**
 * Called by {@link Kvargs.process} for each value of a key. Returning `false` rejects the value
 * (the call fails with `NIC_EINVAL`); throwing fails the call with that error.
 */
export type KvHandler = (value: string, key: string) => void | boolean;

/** Like {@link KvHandler}, but also called for a key given alone, with `undefined`. */
export type KvOptHandler = (value: string | undefined, key: string) => void | boolean;

const SEPARATOR = ',';
const ASSIGN = '=';
const LIST_OPEN = '[';
const LIST_CLOSE = ']';

const TRUE_WORDS: readonly string[] = ['1', 'true', 'yes'];
const FALSE_WORDS: readonly string[] = ['0', 'false', 'no'];
const INT_RE = /^([+-]?)(?:0[xX]([0-9a-fA-F]+)|([0-9]+))$/;
const HEX = 16;
const DECIMAL = 10;

/**
 * Splits `args` into pairs the way DPDK's tokenizer does: `,` ends a pair unless it sits
 * inside `[...]`; the first `=` of a pair ends its key; an element with neither key text nor
 * `=` (`a,,b`, a trailing `,`) is skipped; an unterminated `[` runs to the end of the string.
 */
function tokenize(args: string): KvPair[] {
  const pairs: KvPair[] = [];
  let key: string | undefined;
  let start = 0;
  let inList = false;
  for (let i = 0; i <= args.length; i++) {
    const c = args[i];
    if (c === LIST_OPEN) {
      inList = true;
    } else if (c === LIST_CLOSE) {
      inList = false;
    } else if (c === ASSIGN && key === undefined) {
      key = args.slice(start, i);
      start = i + 1;
    } else if (i === args.length || (c === SEPARATOR && !inList)) {
      const text = args.slice(start, i);
      if (key !== undefined) pairs.push({ key, value: text });
      else if (text !== '') pairs.push({ key: text, value: undefined });
      key = undefined;
      start = i + 1;
    }
  }
  return pairs;
}

/**
 * A parsed kvargs string: its pairs in order, with look-ups, DPDK's `process` callbacks and
 * typed getters for drivers. Errors name the key and the offending value.
 */
export class Kvargs {
  /** Every pair, in the order written. */
  readonly pairs: readonly KvPair[];

  /** Wraps already-split pairs; use {@link parseKvargs} to parse a string. */
  constructor(pairs: readonly KvPair[]) {
    this.pairs = Object.freeze([...pairs]);
  }

  /** Number of pairs with `key`, or of all pairs when `key` is omitted. */
  count(key?: string): number {
    if (key === undefined) return this.pairs.length;
    return this.pairs.filter((p) => p.key === key).length;
  }

  /** Whether `key` appears at all (with or without a value). */
  has(key: string): boolean {
    return this.pairs.some((p) => p.key === key);
  }

  /** The value of the first pair with `key`; undefined when absent or given without a value. */
  get(key: string): string | undefined {
    return this.pairs.find((p) => p.key === key)?.value;
  }

  /** The values of every pair with `key`, in order (`undefined` for a key given alone). */
  getAll(key: string): (string | undefined)[] {
    return this.pairs.filter((p) => p.key === key).map((p) => p.value);
  }

  /**
   * Calls `handler` for each pair with `key`, in order (DPDK's `rte_kvargs_process`). A pair
   * without a value, or a handler returning `false`, stops the walk with `NIC_EINVAL`; an
   * error the handler throws propagates. An absent key calls nothing.
   */
  process(key: string, handler: KvHandler): void {
    for (const pair of this.pairs) {
      if (pair.key !== key) continue;
      const value = requireValue(pair);
      if (handler(value, key) === false) throw badValue(key, value);
    }
  }

  /**
   * Like {@link process}, but a key given alone is passed to `handler` as `undefined`
   * (DPDK's `rte_kvargs_process_opt`).
   */
  processOpt(key: string, handler: KvOptHandler): void {
    for (const pair of this.pairs) {
      if (pair.key !== key) continue;
      if (handler(pair.value, key) === false) throw badValue(key, pair.value);
    }
  }

  /**
   * The integer value of `key` (decimal, or hex with `0x`), within `min`..`max` when given.
   * Absent: `options.default`. A non-integer, out-of-range, repeated or value-less key is
   * `NIC_EINVAL`.
   */
  getInt(key: string, options: KvIntOptions & { readonly default: number }): number;
  getInt(key: string, options?: KvIntOptions): number | undefined;
  getInt(key: string, options: KvIntOptions = {}): number | undefined {
    const value = this.#single(key);
    if (value === undefined) return options.default;
    const { min, max } = options;
    const parsed = parseInteger(value);
    const inRange = parsed !== undefined && (min === undefined || parsed >= min) && (max === undefined || parsed <= max);
    if (parsed === undefined || !inRange) throw badValue(key, value, `an integer${describeRange(min, max)}`);
    return parsed;
  }

  /**
   * The boolean value of `key`: `1`/`true`/`yes` or `0`/`false`/`no` (any case); a key given
   * alone means `true`. Absent: `defaultValue`. Any other value, or a repeated key, is
   * `NIC_EINVAL`.
   */
  getBool(key: string, defaultValue: boolean): boolean;
  getBool(key: string, defaultValue?: boolean): boolean | undefined;
  getBool(key: string, defaultValue?: boolean): boolean | undefined {
    if (!this.has(key)) return defaultValue;
    const pair = this.#singlePair(key);
    if (pair.value === undefined) return true;
    const word = pair.value.toLowerCase();
    if (TRUE_WORDS.includes(word)) return true;
    if (FALSE_WORDS.includes(word)) return false;
    throw badValue(key, pair.value, `one of ${[...TRUE_WORDS, ...FALSE_WORDS].join('/')}`);
  }

  /**
   * The string value of `key`, which must be one of `options.choices` when given. Absent:
   * `options.default`. A value-less, repeated or unlisted value is `NIC_EINVAL`.
   */
  getString(key: string, options: KvStringOptions & { readonly default: string }): string;
  getString(key: string, options?: KvStringOptions): string | undefined;
  getString(key: string, options: KvStringOptions = {}): string | undefined {
    const value = this.#single(key);
    if (value === undefined) return options.default;
    if (options.choices && !options.choices.includes(value)) {
      throw badValue(key, value, `one of ${options.choices.join(', ')}`);
    }
    return value;
  }

  /** The value of a key that may appear at most once and must carry a value; undefined if absent. */
  #single(key: string): string | undefined {
    if (!this.has(key)) return undefined;
    return requireValue(this.#singlePair(key));
  }

  #singlePair(key: string): KvPair {
    const found = this.pairs.filter((p) => p.key === key);
    if (found.length > 1) {
      throw new NicError('NIC_EINVAL', `kvargs: key "${key}" is given ${found.length} times (expected once)`);
    }
    return found[0];
  }
}

function requireValue(pair: KvPair): string {
  if (pair.value === undefined) {
    throw new NicError('NIC_EINVAL', `kvargs: key "${pair.key}" needs a value (${pair.key}=<value>)`);
  }
  return pair.value;
}

function badValue(key: string, value: string | undefined, expected?: string): NicError {
  const shown = value === undefined ? '(no value)' : `"${value}"`;
  const tail = expected === undefined ? '' : `: expected ${expected}`;
  return new NicError('NIC_EINVAL', `kvargs: invalid value ${shown} for key "${key}"${tail}`);
}

/** A decimal or `0x` hex integer with an optional sign; undefined if malformed or unsafe. */
function parseInteger(text: string): number | undefined {
  const m = INT_RE.exec(text);
  if (!m) return undefined;
  const magnitude = m[2] !== undefined ? Number.parseInt(m[2], HEX) : Number.parseInt(m[3], DECIMAL);
  const n = m[1] === '-' ? 0 - magnitude : magnitude;
  return Number.isSafeInteger(n) ? n : undefined;
}

function describeRange(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` in ${min}..${max}`;
  if (min !== undefined) return ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return '';
}

/**
 * Parses `key=value,key=value,...` (DPDK's `rte_kvargs_parse`). `,` separates pairs, the first
 * `=` separates key from value, `[...]` keeps commas inside a value (`k=[a,b]` has value
 * `"[a,b]"`, see {@link splitListValue}), a key may stand alone, empty elements are skipped.
 * With `validKeys`, any other key is `NIC_EINVAL` naming it and the valid ones. A non-string
 * `args` is a `TypeError`.
 */
export function parseKvargs(args: string, validKeys?: readonly string[]): Kvargs {
  if (typeof args !== 'string') throw new TypeError(`kvargs must be a string, got ${typeof args}`);
  if (validKeys !== undefined && !Array.isArray(validKeys)) throw new TypeError('validKeys must be an array of strings');
  const pairs = tokenize(args);
  if (validKeys !== undefined) {
    const unknown = pairs.find((p) => !validKeys.includes(p.key));
    if (unknown) {
      throw new NicError('NIC_EINVAL', `kvargs: unknown key "${unknown.key}" in "${args}" (valid keys: ${validKeys.join(', ') || 'none'})`);
    }
  }
  return new Kvargs(pairs);
}

/**
 * Splits a bracketed list value into its elements: `"[a,b]"` gives `["a", "b"]`, `"[]"` gives
 * `[]` (as does `""`), and any other value without brackets is a one-element list. Commas inside nested brackets do
 * not split (`"[x[0,1],y]"` gives `["x[0,1]", "y"]`). An unbalanced bracket or an empty
 * element is `NIC_EINVAL`.
 */
export function splitListValue(value: string): string[] {
  if (typeof value !== 'string') throw new TypeError(`list value must be a string, got ${typeof value}`);
  const bad = (why: string) => new NicError('NIC_EINVAL', `kvargs: invalid list value "${value}": ${why}`);
  const bracketed = value.startsWith(LIST_OPEN) && value.endsWith(LIST_CLOSE);
  const inner = bracketed ? value.slice(1, -1) : value;
  if (inner === '') return [];
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= inner.length; i++) {
    const c = inner[i];
    if (c === LIST_OPEN) depth++;
    else if (c === LIST_CLOSE && --depth < 0) throw bad('unmatched "]"');
    else if (i === inner.length || (c === SEPARATOR && depth === 0 && bracketed)) {
      const item = inner.slice(start, i);
      if (item === '') throw bad('empty element');
      items.push(item);
      start = i + 1;
    }
  }
  if (depth !== 0) throw bad('unterminated "["');
  return items;
}
