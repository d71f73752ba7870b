import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IovaRanges, type IovaRange } from './iova-ranges.js';

/** Pages of a small address space: what a naive list holds, page by page. */
const PAGES = 4096;

describe('IovaRanges', () => {
  it('finds the range holding an address, refuses overlaps and empty ranges, removes by identity', () => {
    const r = new IovaRanges<IovaRange>();
    const a = { iova: 0x1000, length: 0x1000 };
    const b = { iova: 0x3000, length: 0x2000 };
    expect(r.add(b)).toBe(true);
    expect(r.add(a)).toBe(true);
    expect(r.add({ iova: 0x1800, length: 0x100 })).toBe(false);
    expect(r.add({ iova: 0x2fff, length: 2 })).toBe(false);
    expect(r.add({ iova: 0x2000, length: 0 })).toBe(false);
    expect(r.all).toEqual([a, b]);
    expect([r.at(0xfff), r.at(0x1000), r.at(0x1fff), r.at(0x2000), r.at(0x4fff), r.at(0x5000)]).toEqual([undefined, a, a, undefined, b, undefined]);
    expect(r.overlapping(0x1fff, 0x1002)).toEqual([a, b]);
    expect(r.overlapping(0x2000, 0x1000)).toEqual([]);
    expect(r.overlapping(0x1000, 0)).toEqual([]);
    expect(r.remove({ iova: 0x1000, length: 0x1000 })).toBe(false);
    expect(r.remove(a)).toBe(true);
    expect([r.size, r.at(0x1000)]).toEqual([1, undefined]);
  });

  it('agrees with a page list under random adds and removes, in any order, across many chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.nat({ max: PAGES - 1 }), fc.integer({ min: 1, max: 8 })), { minLength: 1, maxLength: 3000 }),
        fc.array(fc.nat({ max: PAGES - 1 }), { maxLength: 50 }),
        (ops, probes) => {
          const r = new IovaRanges<IovaRange>();
          const owner: (IovaRange | undefined)[] = new Array(PAGES).fill(undefined);
          const live: IovaRange[] = [];
          for (const [add, page, pages] of ops) {
            if (add || live.length === 0) {
              const range = { iova: page * 0x1000, length: Math.min(pages, PAGES - page) * 0x1000 };
              const free = owner.slice(page, page + range.length / 0x1000).every((o) => o === undefined);
              expect(r.add(range)).toBe(free);
              if (free) {
                for (let p = page; p < page + range.length / 0x1000; p++) owner[p] = range;
                live.push(range);
              }
            } else {
              const range = live.splice(page % live.length, 1)[0];
              expect(r.remove(range)).toBe(true);
              for (let p = range.iova / 0x1000; p < (range.iova + range.length) / 0x1000; p++) owner[p] = undefined;
            }
          }
          expect(r.size).toBe(live.length);
          expect(r.all).toEqual([...live].sort((x, y) => x.iova - y.iova));
          for (const p of probes) {
            expect(r.at(p * 0x1000 + 7)).toBe(owner[p]);
            const want = [...new Set(owner.slice(p, p + 16).filter((o) => o !== undefined))];
            expect(r.overlapping(p * 0x1000, 16 * 0x1000)).toEqual(want);
          }
        }
      ),
      { numRuns: 40, seed: 2026 }
    );
  });

  it('holds 300 000 page ranges added top-down (a guest IOVA allocator) and finds each', () => {
    const r = new IovaRanges<IovaRange>();
    const count = 300_000;
    let added = 0;
    for (let i = count - 1; i >= 0; i--) if (r.add({ iova: i * 0x1000, length: 0x1000 })) added++;
    expect([added, r.size]).toEqual([count, count]);
    for (let i = 0; i < count; i += 997) expect(r.at(i * 0x1000 + 5)?.iova).toBe(i * 0x1000);
    expect(r.at(count * 0x1000)).toBeUndefined();
  });
});
