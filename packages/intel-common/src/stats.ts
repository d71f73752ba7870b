/**
 * Clear-on-read statistics registers, as igb and ixgbe have them: software accumulates
 * them; a 64-bit counter is read low dword first (reading the high dword clears both).
 */
import type { IntelHw } from './hw.js';

/** One counter: its extended-statistics name, its register, and its high dword for 64-bit pairs. */
export interface CounterDef {
  readonly name: string;
  readonly reg: number;
  readonly high?: number;
}

const TWO_32 = 2 ** 32;

/** Index of counter `name` in `counters`. */
export function counterIndex(counters: readonly CounterDef[], name: string): number {
  const i = counters.findIndex((c) => c.name === name);
  if (i < 0) throw new Error(`no counter ${name}`);
  return i;
}

/** Adds every counter's value since the last read to `totals` (one slot per `counters` entry). */
export function accumulateCounters(hw: IntelHw, counters: readonly CounterDef[], totals: Float64Array): void {
  for (let i = 0; i < counters.length; i++) {
    const c = counters[i];
    const lo = hw.read(c.reg);
    const hi = c.high === undefined ? 0 : hw.read(c.high);
    totals[i] += hi * TWO_32 + lo;
  }
}
