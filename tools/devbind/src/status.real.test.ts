import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EXIT_OK, runDevbind } from './cli.js';
import { realSystem, type DevbindSystem } from './system.js';

/** `dpdk-devbind.py --status` output, or undefined when Debian's dpdk package is missing. */
function dpdkStatus(): string | undefined {
  try {
    return execFileSync('dpdk-devbind.py', ['--status'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

const peer = dpdkStatus();
if (peer === undefined) console.warn('\n*** SKIPPED: nic-devbind --status vs dpdk-devbind.py needs Debian\'s dpdk package: apt-get install dpdk pciutils ***\n');

/** Section title -> device addresses, from a --status report. */
function sections(text: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    if (lines[i] === '' || !/^=+$/.test(lines[i + 1])) continue;
    const slots: string[] = [];
    for (let j = i + 2; j < lines.length && lines[j] !== ''; j++) slots.push(lines[j].split(' ')[0]);
    result.set(lines[i], slots.sort());
  }
  return result;
}

describe.skipIf(peer === undefined)("nic-devbind --status on this machine, against Debian's dpdk-devbind.py", () => {
  it('lists the same devices in the same groups and sections', () => {
    const out: string[] = [];
    const readOnly = (root: string): DevbindSystem => ({
      ...realSystem(root),
      write: (path) => {
        throw new Error(`--status must not write (tried ${path})`);
      },
      out: (text) => out.push(text),
      err: () => undefined,
    });
    expect(runDevbind(['--status'], readOnly, {})).toBe(EXIT_OK);
    const ours = sections(out.join(''));
    const theirs = sections(peer ?? '');
    expect(theirs.size).toBeGreaterThan(0);
    expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(theirs));
  });
});
