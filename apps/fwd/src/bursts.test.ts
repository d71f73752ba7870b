import { describe, expect, it } from 'vitest';
import { formatSpread, sumSpreads } from './bursts.js';

/** A spread of bursts of up to 32 packets from `{ size: count }`. */
const spread = (entries: Record<number, number>): number[] => Array.from({ length: 33 }, (_, n) => entries[n] ?? 0);

describe("testpmd's burst spread summary", () => {
  it('names the empty bursts, the two commonest sizes, then the rest as other', () => {
    expect(formatSpread(spread({ 0: 990, 1: 5, 3: 3, 32: 2 }))).toBe('1000 [99% of 0 pkts + 0% of 1 pkts + 0% of 3 pkts + 1% of other]');
  });

  it('ends early once the sizes named cover every burst, the last share taking what is left', () => {
    expect(formatSpread(spread({ 1: 56, 32: 32 }))).toBe('88 [0% of 0 pkts + 63% of 1 pkts + 37% of 32 pkts]');
    expect(formatSpread(spread({ 0: 5 }))).toBe('5 [100% of 0 pkts]');
  });

  it('orders sizes by bursts, the smaller size first on a tie', () => {
    expect(formatSpread(spread({ 4: 10, 2: 10, 7: 1 }))).toBe('21 [0% of 0 pkts + 47% of 2 pkts + 47% of 4 pkts + 6% of other]');
  });

  it('has nothing to say about a spread without bursts', () => {
    expect(formatSpread(spread({}))).toBeUndefined();
    expect(formatSpread([])).toBeUndefined();
  });

  it('sums the spreads of several streams entry by entry', () => {
    expect(sumSpreads([
      [1, 2, 3],
      [10, 0, 5],
    ])).toEqual([11, 2, 8]);
    expect(sumSpreads([])).toEqual([]);
  });
});
