/**
 * Fuzz targets over what the PCI bus reads from the kernel: sysfs attribute files, `resource`
 * files, configuration space (capability lists that may loop or point anywhere) and whole
 * fake sysfs trees with garbage in any file. Each parser returns a value, a reason, or a
 * `NicError`; nothing else is thrown and nothing loops.
 */
import fc from 'fast-check';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzz, parsedOrRefused } from '@nic/native/testing';
import { decodeMsi, decodeMsix, listCapabilities, listExtCapabilities, vendorCapabilities } from './caps.js';
import { configImage } from './config.js';
import { PCI_CAP_ID_MSI, PCI_CAP_ID_MSIX } from './regs.js';
import { parseResourceFile } from './resource.js';
import { scanPciDevices } from './scan.js';
import { parseSysfsNumber } from './sysfs.js';
import { FakeSysfs } from './testing/fake-sysfs.js';

/** A line of text as a sysfs attribute holds it, or anything. */
const sysfsText = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefx- \n'), maxLength: 24 }),
  fc.integer({ min: -1, max: 0xffffffff }).map((n) => `0x${n.toString(16)}\n`),
  fc.string({ maxLength: 40 }),
);
const resourceLine = fc.oneof(
  fc.tuple(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.integer({ min: 0, max: 0xffffffff })).map(
    ([start, end, flags]) => `0x${start.toString(16).padStart(16, '0')} 0x${end.toString(16).padStart(16, '0')} 0x${flags.toString(16).padStart(16, '0')}`,
  ),
  fc.string({ maxLength: 60 }),
);
const resourceFile = fc.array(resourceLine, { maxLength: 9 }).map((lines) => lines.join('\n') + '\n');

/** 64 to 4096 bytes of configuration space with capability pointers that point anywhere. */
const configBytes = fc.uint8Array({ minLength: 64, maxLength: 4096 });

/** A tmpfs every Linux machine has. */
const SHM = '/dev/shm';

describe('PCI sysfs parsers under arbitrary input', () => {
  it('sysfs numbers and resource files: a value or a reason, never a throw', async () => {
    await fuzz('sysfs attribute and resource files', (s) =>
      fc.assert(
        fc.property(sysfsText, resourceFile, (text, resource) => {
          const n = parseSysfsNumber(text);
          if (n !== undefined) expect(Number.isSafeInteger(n)).toBe(true);
          const bars = parseResourceFile(resource);
          if (typeof bars !== 'string') {
            expect(bars.map((bar) => bar.index)).toEqual([0, 1, 2, 3, 4, 5]);
            for (const bar of bars) expect(Number.isSafeInteger(bar.start + bar.length)).toBe(true);
          }
        }),
        s,
      ),
    );
  });

  it('configuration space: capability lists end (no loop), and decoding refuses what does not fit', async () => {
    await fuzz('PCI configuration space', (s) =>
      fc.assert(
        fc.property(configBytes, (bytes) => {
          const cfg = configImage(bytes);
          const caps = parsedOrRefused(() => listCapabilities(cfg)) ?? [];
          expect(caps.length).toBeLessThanOrEqual(bytes.length);
          parsedOrRefused(() => listExtCapabilities(cfg));
          parsedOrRefused(() => vendorCapabilities(cfg));
          for (const cap of caps) {
            if (cap.id === PCI_CAP_ID_MSIX) parsedOrRefused(() => decodeMsix(cfg, cap.offset));
            if (cap.id === PCI_CAP_ID_MSI) parsedOrRefused(() => decodeMsi(cfg, cap.offset));
          }
        }),
        s,
      ),
    );
  });

  it('a fake sysfs tree with garbage in any file: every device found or skipped with a reason', async () => {
    const FILES = ['vendor', 'device', 'subsystem_vendor', 'subsystem_device', 'class', 'revision', 'numa_node', 'resource', 'sriov_totalvfs', 'sriov_numvfs', 'driver_override'];
    const SLOTS = 2;
    // one tree for every input; each input puts garbage in (or removes) a few files, scans, and puts them back
    // On a tmpfs when there is one: each input rewrites and restores files, which on a disk
    // filesystem made 100 000 inputs take 18 minutes.
    const fake = new FakeSysfs('nic-new-user-fuzz-', existsSync(SHM) ? SHM : undefined);
    const dirs = Array.from({ length: SLOTS }, (_, slot) => fake.addDevice({ address: `0000:03:0${slot}.0`, vendorId: 0x8086, deviceId: 0x10c9, sriov: { totalVfs: 7, numVfs: 0 } }));
    const garbage = fc.array(fc.tuple(fc.integer({ min: 0, max: SLOTS - 1 }), fc.constantFrom(...FILES), fc.option(fc.oneof(sysfsText, resourceFile), { nil: null })), { maxLength: 6 });
    try {
      await fuzz('fake sysfs trees', (s) =>
        fc.assert(
          fc.property(garbage, (changes) => {
            const saved = new Map<string, string | null>();
            try {
              for (const [slot, file, text] of changes) {
                const path = join(dirs[slot], file);
                if (!saved.has(path)) saved.set(path, existsSync(path) ? readFileSync(path, 'utf8') : null);
                if (text === null) rmSync(path, { force: true });
                else writeFileSync(path, text);
              }
              const result = parsedOrRefused(() => scanPciDevices({ root: fake.devicesPath }));
              expect(result).toBeDefined();
              const { devices = [], skipped = [] } = result ?? {};
              expect(devices.length + skipped.length).toBe(SLOTS);
              for (const { reason } of skipped) expect(reason.length).toBeGreaterThan(0);
            } finally {
              for (const [path, text] of saved) {
                if (text === null) rmSync(path, { force: true });
                else writeFileSync(path, text);
              }
            }
          }),
          s,
        ),
        50,
      );
    } finally {
      fake.remove();
    }
  });
});
