import { describe, expect, it } from 'vitest';
import { NicError } from '@nic/eal';
import { allocPackets, errorCode, harnessEal, harnessPool, packetLengths } from './harness.js';

describe('the harness', () => {
  it('starts isolated instances and allocates packets of the asked length', async () => {
    const a = await harnessEal('harness', []);
    const b = await harnessEal('harness', []);
    try {
      expect(a.filePrefix).not.toBe(b.filePrefix);
      const pool = harnessPool(a, 63);
      const handles = allocPackets(a, pool, 10, 77);
      expect(packetLengths(a, handles)).toEqual(Array(10).fill(77));
      expect(pool.availCount()).toBe(53);
      expect(() => allocPackets(a, pool, 54, 60)).toThrow(/fewer than 54/);
    } finally {
      await b.cleanup();
      await a.cleanup();
    }
  });

  it('reports error codes', () => {
    expect(errorCode(() => 1)).toBeUndefined();
    expect(
      errorCode(() => {
        throw new NicError('NIC_EBUSY', 'busy');
      }),
    ).toBe('NIC_EBUSY');
    expect(
      errorCode(() => {
        throw new Error('plain');
      }),
    ).toBe('no code');
  });
});
