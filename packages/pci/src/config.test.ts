import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NicError } from '@nic/native';
import { configImage, fdConfig, sysfsConfig, type PciConfigSpace } from './config.js';
import { PCI_COMMAND, PCI_VENDOR_ID } from './regs.js';
import { ConfigImageBuilder } from './testing/config-image.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nic-config-'));
});
afterEach(() => rmSync(dir, { recursive: true }));

function header(): Uint8Array {
  return new ConfigImageBuilder({ vendorId: 0x8086, deviceId: 0x10c9 }).bytes;
}

function catchNic(fn: () => unknown): NicError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NicError);
    return e as NicError;
  }
  throw new Error('expected a NicError');
}

function exercise(cfg: PciConfigSpace): void {
  expect(cfg.readU16(PCI_VENDOR_ID)).toBe(0x8086);
  expect(cfg.readU32(PCI_VENDOR_ID)).toBe(0x10c98086);
  cfg.writeU16(PCI_COMMAND, 0x0406);
  expect(cfg.readU8(PCI_COMMAND)).toBe(0x06);
  expect(cfg.readU8(PCI_COMMAND + 1)).toBe(0x04);
  cfg.writeU32(0x40, 0xdeadbeef);
  expect(cfg.readU32(0x40)).toBe(0xdeadbeef);
  expect([...cfg.read(0x40, 4)]).toEqual([0xef, 0xbe, 0xad, 0xde]);
  expect(catchNic(() => cfg.readU32(cfg.size - 2)).code).toBe('NIC_EINVAL');
  expect(catchNic(() => cfg.read(-1, 1)).code).toBe('NIC_EINVAL');
}

describe('config-space backends', () => {
  it('reads and writes an image little-endian, in bounds only', () => {
    const bytes = header();
    exercise(configImage(bytes, { writable: true }));
    expect(bytes[0x40]).toBe(0xef);
  });

  it('reads and writes a sysfs config file', () => {
    const path = join(dir, 'config');
    writeFileSync(path, header());
    const cfg = sysfsConfig(path);
    expect(cfg.size).toBe(256);
    exercise(cfg);
    expect(readFileSync(path)[0x40]).toBe(0xef);
  });

  it('reads and writes a window of an fd with pread/pwrite (the VFIO config region)', () => {
    const path = join(dir, 'device');
    const base = 0x1000;
    const file = new Uint8Array(base + 256);
    file.set(header(), base);
    writeFileSync(path, file);
    const fd = openSync(path, 'r+');
    try {
      exercise(fdConfig(fd, base, 256, 'fake VFIO device'));
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(path)[base + 0x40]).toBe(0xef);
  });

  it('refuses writes with the reason, leaving the file untouched', () => {
    const path = join(dir, 'config');
    writeFileSync(path, header());
    const cfg = sysfsConfig(path, 'owned by kernel driver igb');
    expect(cfg.writable).toBe(false);
    const e = catchNic(() => cfg.writeU16(PCI_COMMAND, 0x4));
    expect(e.code).toBe('NIC_EPERM');
    expect(e.message).toContain('owned by kernel driver igb');
    expect(readFileSync(path)).toEqual(Buffer.from(header()));
    expect(configImage(header()).writable).toBe(false);
  });

  it('reports a missing config file naming it', () => {
    const e = catchNic(() => sysfsConfig(join(dir, 'missing')));
    expect(e.code).toBe('NIC_EIO');
    expect(e.message).toContain(join(dir, 'missing'));
  });
});
