import { describe, expect, it } from 'vitest';
import { ADDRESS_OFFSET_MAX, storeAddress } from './desc.js';

/** Words 2 and 3 of a six-word array take the address; the words around them hold a marker. */
const AT = 2;
const MARK = 0xdeadbeef;

function store(lo: number, hi: number, offset: number): number[] {
  const a32 = new Uint32Array(6).fill(MARK);
  storeAddress(a32, AT, lo, hi, offset);
  return [...a32];
}

describe('storeAddress', () => {
  it('carries into the high word when the low word overflows', () => {
    expect(store(0xffffff80, 0x12, 0x100)).toEqual([MARK, MARK, 0x80, 0x13, MARK, MARK]);
  });

  it('carries when the sum is exactly 2^32, leaving a zero low word', () => {
    expect(store(0xffffff00, 0x7, 0x100)).toEqual([MARK, MARK, 0, 0x8, MARK, MARK]);
  });

  it('adds the offset to the low word alone when there is no carry', () => {
    expect(store(0x7fff_ff00, 0x12, 0x80)).toEqual([MARK, MARK, 0x7fff_ff80, 0x12, MARK, MARK]);
    // The largest low word that does not carry.
    expect(store(0xffffff00, 0x12, 0xff)).toEqual([MARK, MARK, 0xffffffff, 0x12, MARK, MARK]);
  });

  it('stores the address unchanged with offset 0, whatever the low word', () => {
    expect(store(0xffffffff, 0x12, 0)).toEqual([MARK, MARK, 0xffffffff, 0x12, MARK, MARK]);
    expect(store(0, 0, 0)).toEqual([MARK, MARK, 0, 0, MARK, MARK]);
  });

  it('agrees with 64-bit arithmetic on addresses around the 4 GiB boundaries', () => {
    for (const hi of [0, 1, 0xfff]) {
      for (const lo of [0, 0x80, 0xffff, 0x7fffffff, 0x80000000, 0xffff0000, 0xffff0001, 0xfffff000, 0xffffff80, 0xffffffff]) {
        for (const offset of [0, 1, 0x40, 0x80, 0x1000, 0xfffe, ADDRESS_OFFSET_MAX]) {
          const sum = (BigInt(hi) << 32n) + BigInt(lo) + BigInt(offset);
          expect(store(lo, hi, offset).slice(AT, AT + 2)).toEqual([Number(sum & 0xffffffffn), Number(sum >> 32n)]);
        }
      }
    }
  });
});
