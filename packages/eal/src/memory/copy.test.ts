import { describe, expect, it } from 'vitest';
import { copyWords } from './copy.js';

/** 0x1000 + i at index i: every element tells where it came from. */
function numbered(length: number): Uint32Array {
  return Uint32Array.from({ length }, (_, i) => 0x1000 + i);
}

/** What a plain element-by-element copy of `n` elements from `from` to `to` in `before` gives. */
function expected(before: Uint32Array, to: number, source: Uint32Array, from: number, n: number): number[] {
  const out = [...before];
  for (let i = 0; i < n; i++) out[to + i] = source[from + i];
  return out;
}

describe('copyWords', () => {
  it.each([0, 1, 7, 8, 9, 31, 32, 33, 256, 4096, 4097])('copies exactly %i elements between arrays, touching nothing else', (n) => {
    const src = numbered(n + 20);
    const dst = new Uint32Array(n + 10).fill(0xdead);
    const want = expected(dst, 3, src, 5, n);
    copyWords(dst, 3, src, 5, n);
    expect([...dst]).toEqual(want);
  });

  it.each([0, 1, 9, 31, 32, 33, 375, 4096, 4097])('copies exactly %i elements within one array (the arena), touching nothing else', (n) => {
    const a = numbered(2 * n + 40);
    const want = expected(a, n + 30, a, 7, n);
    copyWords(a, n + 30, a, 7, n);
    expect([...a]).toEqual(want);
  });

  it('copies within a view on a SharedArrayBuffer, as the arena is', () => {
    const a = new Uint32Array(new SharedArrayBuffer(4 * 512));
    a.set(numbered(100));
    const want = expected(a, 300, a, 10, 64);
    copyWords(a, 300, a, 10, 64);
    expect([...a]).toEqual(want);
  });
});
