import { afterEach, describe, expect, it } from 'vitest';
import { NicError } from '@nic/native';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_SYSFS_PCI_DEVICES,
  parseSysfsNumber,
  readOptionalSysfsNumber,
  readSysfsNumber,
  SYSFS_PCI_DEVICES_ENV,
  sysfsPciDevicesPath,
  sysfsPciDriversPath,
} from './sysfs.js';

const saved = process.env[SYSFS_PCI_DEVICES_ENV];
afterEach(() => {
  if (saved === undefined) delete process.env[SYSFS_PCI_DEVICES_ENV];
  else process.env[SYSFS_PCI_DEVICES_ENV] = saved;
});

describe('the sysfs root (test_pci_sysfs)', () => {
  it('follows SYSFS_PCI_DEVICES and falls back to /sys/bus/pci/devices', () => {
    delete process.env[SYSFS_PCI_DEVICES_ENV];
    expect(sysfsPciDevicesPath()).toBe(DEFAULT_SYSFS_PCI_DEVICES);
    process.env[SYSFS_PCI_DEVICES_ENV] = 'My Documents';
    expect(sysfsPciDevicesPath()).toBe('My Documents');
    delete process.env[SYSFS_PCI_DEVICES_ENV];
    expect(sysfsPciDevicesPath()).toBe(DEFAULT_SYSFS_PCI_DEVICES);
  });

  it('puts the drivers directory beside the devices directory', () => {
    expect(sysfsPciDriversPath('/sys/bus/pci/devices')).toBe('/sys/bus/pci/drivers');
  });
});

describe('parseSysfsNumber', () => {
  it.each([
    ['0x8086\n', 0x8086],
    ['0X1af4\n', 0x1af4],
    ['42\n', 42],
    ['-1\n', -1],
    ['0\n', 0],
    ['017\n', 0o17],
  ])('reads %j as %d', (text, value) => {
    expect(parseSysfsNumber(text)).toBe(value);
  });

  it.each(['0x8086', '0x8086 \n', '\n', 'x\n', '0x\n', '0x10\n0x20\n', ' 12\n', '09\n'])('refuses %j (the value must end in a newline)', (text) => {
    expect(parseSysfsNumber(text)).toBeUndefined();
  });
});

describe('readSysfsNumber', () => {
  it('names the file when it is missing or malformed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nic-sysfs-'));
    try {
      writeFileSync(join(dir, 'vendor'), 'garbage');
      const bad = catchNic(() => readSysfsNumber(join(dir, 'vendor')));
      expect(bad.code).toBe('NIC_EINVAL');
      expect(bad.message).toContain(join(dir, 'vendor'));
      const missing = catchNic(() => readSysfsNumber(join(dir, 'device')));
      expect(missing.code).toBe('NIC_ENOENT');
      expect(missing.message).toContain(join(dir, 'device'));
      expect(readOptionalSysfsNumber(join(dir, 'numa_node'), -1)).toBe(-1);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

function catchNic(fn: () => unknown): NicError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NicError);
    return e as NicError;
  }
  throw new Error('expected a NicError');
}
