import { readdirSync, readSync, writeSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { closeFd, pipe } from './index.js';

const openFds = () => readdirSync('/proc/self/fd').length;

describe('pipe', () => {
  it('carries bytes from the write end to the read end, and refuses the wrong direction', () => {
    const before = openFds();
    const [r, w] = pipe();
    try {
      expect(openFds()).toBe(before + 2);
      expect(writeSync(w, new Uint8Array([1, 2, 3]))).toBe(3);
      const buf = new Uint8Array(8);
      expect(readSync(r, buf, 0, 8, null)).toBe(3);
      expect([...buf.subarray(0, 3)]).toEqual([1, 2, 3]);
      expect(() => writeSync(r, new Uint8Array([1]))).toThrow(/EBADF/);
    } finally {
      closeFd(r);
      closeFd(w);
    }
    expect(openFds()).toBe(before);
  });

  it('makes a non-blocking read end report EAGAIN instead of blocking', () => {
    const [r, w] = pipe({ nonblock: true });
    try {
      expect(() => readSync(r, new Uint8Array(4), 0, 4, null)).toThrow(/EAGAIN/);
    } finally {
      closeFd(r);
      closeFd(w);
    }
  });
});
