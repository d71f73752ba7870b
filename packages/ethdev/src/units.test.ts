import { describe, expect, it } from 'vitest';
import { formatMac, isAssignableMac, parseMac, randomMac } from './mac.js';
import { checkMask, maskNames, RssHf, RxOffload, TxOffload } from './offloads.js';
import { registerEthdevDriver, ethdevDriver } from './registry.js';
import { checkPortName, ETH_NAME_MAX_LEN } from './shared.js';
import type { EthdevDriver } from './ops.js';

describe('MAC addresses', () => {
  it('parse and format both ways, lower case', () => {
    const bytes = parseMac('02:AB:cd:00:10:FF');
    expect([...bytes]).toEqual([2, 0xab, 0xcd, 0, 0x10, 0xff]);
    expect(formatMac(bytes)).toBe('02:ab:cd:00:10:ff');
    expect(() => parseMac('02:ab:cd:00:10')).toThrow(/is not a MAC address/);
  });

  it('make random addresses that are locally administered unicast ones', () => {
    for (let i = 0; i < 32; i++) {
      const mac = randomMac();
      expect(mac[0] & 0x03).toBe(0x02);
      expect(isAssignableMac(mac)).toBe(true);
    }
  });
});

describe('offload masks', () => {
  it('name the bits they hold, unknown bits by number', () => {
    expect(maskNames(RxOffload.VLAN_STRIP | RxOffload.RSS_HASH | (1 << 8), RxOffload)).toEqual(['VLAN_STRIP', 'bit8', 'RSS_HASH']);
    expect(maskNames(TxOffload.MULTI_SEGS, TxOffload)).toEqual(['MULTI_SEGS']);
    expect(maskNames(RssHf.PFCP, RssHf)).toEqual(['PFCP']);
  });

  it('refuse what is not a mask of bits 0..30', () => {
    expect(() => checkMask('x', -1)).toThrow(TypeError);
    expect(() => checkMask('x', 2 ** 31)).toThrow(TypeError);
    expect(() => checkMask('x', 1.5)).toThrow(TypeError);
    expect(checkMask('x', 2 ** 31 - 1)).toBe(2 ** 31 - 1);
  });
});

describe('port names', () => {
  it('must be 1 to 63 UTF-8 bytes', () => {
    expect(() => checkPortName('port name', '')).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(() => checkPortName('port name', 'x'.repeat(ETH_NAME_MAX_LEN + 1))).toThrow(/must be 1 to 63/);
    expect(checkPortName('port name', 'é'.repeat(31))).toBe('é'.repeat(31));
  });
});

describe('the data-path driver registry', () => {
  const driver: EthdevDriver = { name: 'net_unit', rxQueue: () => ({ rxBurst: () => 0 }), txQueue: () => ({ txBurst: () => 0 }) };

  it('registers once, refuses another driver of the same name, and names missing ones', () => {
    registerEthdevDriver(driver);
    registerEthdevDriver(driver);
    expect(ethdevDriver('net_unit')).toBe(driver);
    expect(() => registerEthdevDriver({ ...driver })).toThrow(expect.objectContaining({ code: 'NIC_EEXIST' }));
    expect(() => ethdevDriver('net_missing')).toThrow(/import its package here/);
  });
});
