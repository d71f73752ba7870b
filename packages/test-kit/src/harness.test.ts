import { describe, expect, it } from 'vitest';
import { NicError } from '@nic/eal';
import { isTestFrame, testFrame, TEST_ETHERTYPE } from '@nic/native/testing';
import { allocPackets, errorCode, framePacket, framePackets, harnessEal, harnessPool, packetBytes, packetLengths } from './harness.js';
import { until } from '@nic/native/testing';

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

  it('puts frames into packets, in segments when asked, and reads them back', async () => {
    const eal = await harnessEal('harness', []);
    try {
      const pool = harnessPool(eal, 15);
      const frame = testFrame(0x1234, 300);
      expect(Array.from(frame.subarray(0, 16))).toEqual([255, 255, 255, 255, 255, 255, 2, 0, 0, 0, 0, 1, TEST_ETHERTYPE >> 8, TEST_ETHERTYPE & 0xff, 0x12, 0x34]);
      expect(isTestFrame(frame)).toBe(true);
      const chained = framePacket(eal, pool, frame, 128);
      expect(pool.availCount()).toBe(12);
      expect(Array.from(packetBytes(eal, chained))).toEqual(Array.from(frame));
      const [empty, short] = framePackets(eal, pool, [new Uint8Array(0), Uint8Array.of(1, 2, 3)]);
      expect(packetLengths(eal, Uint32Array.of(empty, short))).toEqual([0, 3]);
      expect(Array.from(packetBytes(eal, short))).toEqual([1, 2, 3]);
    } finally {
      await eal.cleanup();
    }
  });

  it('waits for a condition, and says what it waited for when time runs out', async () => {
    let n = 0;
    await until('three looks', () => ++n === 3);
    expect(n).toBe(3);
    await expect(until('nothing', () => false, 20)).rejects.toThrow('timed out waiting for nothing');
  });
});
