import { describe, expect, it } from 'vitest';
import { crc32, FCS_LEN, putFcs } from './crc.js';

describe('crc32', () => {
  it('gives the check value of the IEEE 802.3 CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('writes an FCS after which the CRC of frame and FCS is the 802.3 residue', () => {
    const frame = Uint8Array.from({ length: 60 }, (_, i) => i * 7);
    const withFcs = new Uint8Array(frame.length + FCS_LEN);
    withFcs.set(frame);
    putFcs(frame, withFcs, frame.length);
    // CRC-32 over a frame followed by its own FCS is always 0x2144DF1C.
    expect(crc32(withFcs)).toBe(0x2144df1c);
    expect(new DataView(withFcs.buffer).getUint32(frame.length, true)).toBe(crc32(frame));
  });
});
