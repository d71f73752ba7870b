import { NicError } from '@nic/native';
import { describe, expect, it } from 'vitest';
import { comparePciAddr, formatPciAddr, parsePciAddr, tryParsePciAddr } from './pci-addr.js';

describe('parsePciAddr', () => {
  it('parses a BDF with domain 0 (DPDK test_devargs [2.2]: 04:00.1 -> {0,4,0,1})', () => {
    expect(parsePciAddr('04:00.1')).toEqual({ domain: 0, bus: 4, devid: 0, function: 1 });
  });

  it('parses a full DBDF in hex', () => {
    expect(parsePciAddr('000f:ab:1f.7')).toEqual({ domain: 0xf, bus: 0xab, devid: 0x1f, function: 7 });
    expect(parsePciAddr('0000:5:00.0')).toEqual({ domain: 0, bus: 5, devid: 0, function: 0 });
    expect(parsePciAddr('ABCD:EF:1A.3')).toEqual({ domain: 0xabcd, bus: 0xef, devid: 0x1a, function: 3 });
  });

  it('accepts 32-bit domains as DPDK does', () => {
    expect(parsePciAddr('ffffffff:00:00.0').domain).toBe(0xffffffff);
    expect(tryParsePciAddr('100000000:00:00.0')).toBeUndefined();
  });

  it.each(['08:1', '00.1', 'foo', ',', '000f:0:0', '', ' 01:00.0', '01:00.0 ', '-1:00.0', '0x01:00.0', '01:00.8', '01:20.0', '100:00.0', '01:00.a', '0000:01:00.0,'])(
    'rejects %j',
    (text) => {
      expect(tryParsePciAddr(text)).toBeUndefined();
      expect(() => parsePciAddr(text)).toThrow(NicError);
      try {
        parsePciAddr(text);
      } catch (e) {
        expect((e as NicError).code).toBe('NIC_EINVAL');
        expect((e as NicError).message).toContain(`"${text}"`);
      }
    },
  );

  it('throws TypeError for a non-string', () => {
    expect(() => tryParsePciAddr(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('formatPciAddr', () => {
  it('prints the canonical %.4x:%.2x:%.2x.%x form', () => {
    expect(formatPciAddr(parsePciAddr('1:2.3'))).toBe('0000:01:02.3');
    expect(formatPciAddr({ domain: 0x12345, bus: 0xab, devid: 0x1f, function: 7 })).toBe('12345:ab:1f.7');
  });
});

describe('comparePciAddr', () => {
  it('orders by domain, bus, device, function', () => {
    const names = ['0001:00:00.0', '0000:01:00.0', '0000:00:01.0', '0000:00:00.1', '0000:00:00.0'];
    const sorted = names.map(parsePciAddr).sort(comparePciAddr).map(formatPciAddr);
    expect(sorted).toEqual(['0000:00:00.0', '0000:00:00.1', '0000:00:01.0', '0000:01:00.0', '0001:00:00.0']);
  });

  it('is 0 for the same function however it is spelled', () => {
    expect(comparePciAddr(parsePciAddr('1:2.3'), parsePciAddr('0000:01:02.3'))).toBe(0);
    expect(comparePciAddr(parsePciAddr('ffffffff:00:00.0'), parsePciAddr('fffffffe:ff:1f.7'))).toBe(1);
  });
});
