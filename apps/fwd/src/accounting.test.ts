import { describe, expect, it } from 'vitest';
import { accounted, accountingHolds, formatAccounting } from './accounting.js';

describe("the demo's accounting", () => {
  const terms = [
    { count: 90, where: 'received' },
    { count: 7, where: 'RX-dropped' },
    { count: 3, where: 'TX-dropped' },
  ];

  it('holds when the places add up to what was sent, and says so', () => {
    const a = { sent: 100, terms };
    expect(accounted(a)).toBe(100);
    expect(accountingHolds(a)).toBe(true);
    expect(formatAccounting(a)).toBe('sent 100 = 90 received + 7 RX-dropped + 3 TX-dropped: holds');
  });

  it('does not hold with a packet unaccounted for, or one counted twice, and names the difference', () => {
    expect(accountingHolds({ sent: 101, terms })).toBe(false);
    expect(formatAccounting({ sent: 101, terms })).toBe('sent 101 = 90 received + 7 RX-dropped + 3 TX-dropped = 100: does NOT hold (1 unaccounted for)');
    expect(accountingHolds({ sent: 99, terms })).toBe(false);
    expect(formatAccounting({ sent: 99, terms })).toMatch(/= 100: does NOT hold \(-1 unaccounted for\)$/);
  });
});
