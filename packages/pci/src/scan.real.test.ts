import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatVendorDevice } from './id-table.js';
import { scanPciDevices } from './scan.js';
import { DEFAULT_SYSFS_PCI_DEVICES } from './sysfs.js';

/** `lspci -n -D` output, or undefined when pciutils is not installed. */
function lspci(): string | undefined {
  try {
    return execFileSync('lspci', ['-n', '-D'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

const listing = existsSync(DEFAULT_SYSFS_PCI_DEVICES) ? lspci() : undefined;
if (listing === undefined) {
  console.warn('\n*** SKIPPED: real PCI scan vs lspci needs /sys/bus/pci and lspci: apt-get install pciutils ***\n');
}

// `0000:00:03.0 0200: 1af4:1041 (rev 01)`
const LSPCI_LINE_RE = /^(\S+) ([0-9a-f]{4}): ([0-9a-f]{4}:[0-9a-f]{4})(?: \(rev ([0-9a-f]{2})\))?/;
const CLASS_SHIFT = 8;

describe.skipIf(listing === undefined)("a real scan of this machine's /sys/bus/pci/devices (read-only)", () => {
  it('finds the same devices as lspci -n -D, with the same ids, class and revision', () => {
    const expected = (listing ?? '')
      .split('\n')
      .map((line) => LSPCI_LINE_RE.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ name: m[1], cls: m[2], ids: m[3], revision: m[4] === undefined ? 0 : Number.parseInt(m[4], 16) }));
    const { devices, skipped } = scanPciDevices({ root: DEFAULT_SYSFS_PCI_DEVICES });
    expect(skipped).toEqual([]);
    const found = devices.map((d) => ({
      name: d.name,
      cls: (d.id.classId >> CLASS_SHIFT).toString(16).padStart(4, '0'),
      ids: formatVendorDevice(d.id),
      revision: d.revision,
    }));
    expect(found).toEqual(expected);
    expect(found.length).toBeGreaterThan(0);
  });
});
