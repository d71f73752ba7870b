import { describe, expect, it } from 'vitest';
import { DEVICE_GROUPS, inGroup } from './classes.js';
import { PciIdNames, UNKNOWN_DEVICE_NAME } from './pci-ids.js';
import { parseRoutes } from './system.js';

describe('parseRoutes', () => {
  it('lists the interfaces of `ip -j route`, link-local routes aside', () => {
    const json = JSON.stringify([
      { dst: 'default', gateway: '192.0.2.1', dev: 'eth0' },
      { dst: '192.0.2.0/24', dev: 'eth0' },
      { dst: '169.254.0.0/16', dev: 'eth1' },
      { dst: '10.0.0.0/8', dev: 'eth2' },
      { dst: 'blackhole' },
    ]);
    expect(parseRoutes(json)).toEqual(['eth0', 'eth2']);
  });
});

describe('PciIdNames', () => {
  it('reads vendor and device names and stops at the class section', () => {
    const names = new PciIdNames(['# comment', '1af4  Red Hat, Inc.', '\t1041  Virtio 1.0 network device', '\t\t1af4 1100  QEMU', 'C 02  Network controller', '\t00  Ethernet controller'].join('\n'));
    expect(names.deviceName(0x1af4, 0x1041)).toBe('Virtio 1.0 network device');
    expect(names.vendorName(0x1af4)).toBe('Red Hat, Inc.');
    expect(names.deviceName(0x1af4, 0x1100)).toBe(UNKNOWN_DEVICE_NAME);
    expect(names.deviceName(0x0002, 0x0000)).toBe(UNKNOWN_DEVICE_NAME);
    expect(names.vendorName(0x02)).toBeUndefined();
  });
});

describe('device groups', () => {
  const group = (key: string) => DEVICE_GROUPS.find((g) => g.key === key) ?? DEVICE_GROUPS[0];

  it('puts every network-class function in the network group, and some others by id', () => {
    expect(inGroup(group('net'), 0x020000, 0x8086, 0x10c9)).toBe(true);
    expect(inGroup(group('net'), 0x050000, 0x1af4, 0x1110)).toBe(true);
    expect(inGroup(group('net'), 0x050000, 0x1af4, 0x1111)).toBe(false);
  });

  it('puts virtio block devices in misc and leaves other storage out', () => {
    expect(inGroup(group('misc'), 0x018000, 0x1af4, 0x1042)).toBe(true);
    expect(DEVICE_GROUPS.filter((g) => inGroup(g, 0x010802, 0x144d, 0xa808))).toEqual([]);
  });
});
