import { describe, expect, it } from 'vitest';
import { checkIdTable, formatVendorDevice, idMatches, matchId, PCI_ANY_ID, PCI_CLASS_ANY_ID, pciClass, pciDevice, type PciId } from './id-table.js';

const igb82576: PciId = { vendorId: 0x8086, deviceId: 0x10c9, subsystemVendorId: 0x8086, subsystemDeviceId: 0xa03c, classId: 0x020000 };

describe('id matching', () => {
  it('matches a vendor/device entry whatever the subsystem and class', () => {
    expect(idMatches(pciDevice(0x8086, 0x10c9), igb82576)).toBe(true);
    expect(idMatches(pciDevice(0x8086, 0x10ca), igb82576)).toBe(false);
    expect(idMatches(pciDevice(0x8087, 0x10c9), igb82576)).toBe(false);
  });

  it('checks subsystem ids unless they are PCI_ANY_ID', () => {
    const entry = { ...pciDevice(0x8086, 0x10c9), subsystemVendorId: 0x8086, subsystemDeviceId: 0xa03c };
    expect(idMatches(entry, igb82576)).toBe(true);
    expect(idMatches({ ...entry, subsystemDeviceId: 0x0001 }, igb82576)).toBe(false);
    expect(idMatches({ ...entry, subsystemVendorId: PCI_ANY_ID, subsystemDeviceId: PCI_ANY_ID }, igb82576)).toBe(true);
  });

  it('matches by class code with every id wildcarded', () => {
    expect(idMatches(pciClass(0x020000), igb82576)).toBe(true);
    expect(idMatches(pciClass(0x010802), igb82576)).toBe(false);
    expect(idMatches({ ...pciDevice(0x8086, 0x10c9), classId: 0x010000 }, igb82576)).toBe(false);
    expect(pciDevice(1, 2).classId).toBe(PCI_CLASS_ANY_ID);
  });

  it('returns the first matching entry and stops at a vendor-0 terminator', () => {
    const table = [pciDevice(0x8086, 0x1000), pciDevice(0x8086, 0x10c9), pciClass(0x020000)];
    expect(matchId(table, igb82576)).toBe(table[1]);
    const terminated = [pciDevice(0x8086, 0x1000), pciDevice(0, 0), pciDevice(0x8086, 0x10c9)];
    expect(matchId(terminated, igb82576)).toBeUndefined();
    expect(matchId([], igb82576)).toBeUndefined();
  });

  it('refuses malformed tables with the entry named', () => {
    expect(() => checkIdTable('d', [pciDevice(0x8086, 0x10c9)])).not.toThrow();
    expect(() => checkIdTable('d', [pciDevice(0x8086, 0x10000)])).toThrow(/idTable\[0\]/);
    expect(() => checkIdTable('d', [pciDevice(1, 2), { ...pciDevice(1, 2), classId: 0x1000000 }])).toThrow(/idTable\[1\]/);
    expect(() => checkIdTable('d', 'x' as unknown as PciId[])).toThrow(TypeError);
  });

  it('formats vendor:device as lspci does', () => {
    expect(formatVendorDevice(igb82576)).toBe('8086:10c9');
    expect(formatVendorDevice({ vendorId: 1, deviceId: 0xab })).toBe('0001:00ab');
  });
});
