/**
 * Burst spreads (`--record-burst-stats`): how many rx or tx bursts carried 0, 1, ... burst
 * packets, and the one-line summary testpmd prints for them in the final statistics.
 */

/** The spread summary names the bursts of 0 packets, the two commonest other sizes, then the rest. */
const NAMED_SIZES = 3;
const PERCENT = 100;

/** The entry-wise sum of `spreads` (all of one length); empty for none. */
export function sumSpreads(spreads: readonly (readonly number[])[]): number[] {
  const sum = new Array<number>(spreads[0]?.length ?? 0).fill(0);
  for (const spread of spreads) spread.forEach((count, n) => (sum[n] += count));
  return sum;
}

/**
 * testpmd's summary of a spread: the number of bursts, then `[a% of 0 pkts + b% of X pkts +
 * c% of Y pkts + d% of other]`, X and Y being the sizes with the most bursts (the smaller
 * first on a tie); the list ends early, its last share being what is left of 100%, once the
 * sizes named account for every burst. Shares are truncated to whole percents.
 * @returns undefined when the spread holds no burst
 */
export function formatSpread(spread: readonly number[]): string | undefined {
  const total = spread.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const named: { size: number; count: number }[] = [{ size: 0, count: spread[0] ?? 0 }];
  const others = spread
    .map((count, size) => ({ size, count }))
    .filter((e) => e.size > 0 && e.count > 0)
    .sort((a, b) => b.count - a.count || a.size - b.size);
  named.push(...others.slice(0, NAMED_SIZES - 1));
  const parts: string[] = [];
  let counted = 0;
  let percent = 0;
  for (const { size, count } of named) {
    counted += count;
    if (counted === total) {
      parts.push(`${PERCENT - percent}% of ${size} pkts`);
      return `${total} [${parts.join(' + ')}]`;
    }
    const share = Math.trunc((count / total) * PERCENT);
    parts.push(`${share}% of ${size} pkts`);
    percent += share;
  }
  parts.push(`${PERCENT - percent}% of other`);
  return `${total} [${parts.join(' + ')}]`;
}
