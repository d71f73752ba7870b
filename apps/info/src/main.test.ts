import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lcoresOnCpus, processCpus } from '@nic/eal';
import { defaultHugepageSize } from '@nic/native';

const cli = fileURLToPath(new URL('../dist/main.js', import.meta.url));
/** The CPUs this process may run on; lcore `i` runs on `cpus[i % cpus.length]`. */
const cpus = processCpus();
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

describe('nic-info', () => {
  it('prints memory, lcores, buses, drivers and the PCI devices of this machine', () => {
    const r = run('--no-huge', '-m', '8', '-l', lcoresOnCpus(2, cpus), '--file-prefix', `info-${process.pid}`);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Memory: 8 MiB arena from anonymous pages/m);
    expect(r.stdout).toMatch(new RegExp(`^1\\s+${cpus[1 % cpus.length]}\\s+worker\\s+WAIT$`, 'm'));
    expect(r.stdout).toMatch(/^pci\s+\d+\s/m);
    expect(r.stdout).toMatch(/^vdev\s+0\s/m);
    for (const addr of readdirSync('/sys/bus/pci/devices')) expect(r.stdout).toContain(`pci  ${addr}`);
  });

  it('honours --no-pci and reports bad options with the option named and exit code 1', () => {
    expect(run('--no-huge', '-m', '8', '-l', lcoresOnCpus(1, cpus), '--no-pci').stdout).not.toMatch(/^pci\s+0000:/m);
    const bad = run('--lcores', '0-');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^nic-info: .*--lcores.*0-.*\[NIC_EINVAL\]$/m);
  });

  // The host's free hugepages can be any number and move with other processes, so nic-info
  // runs in its own mount namespace over a pool of none: short by exactly the pages asked for.
  const pageSize = defaultHugepageSize();
  if (process.getuid?.() === 0 && pageSize > 0) {
    it('falls back to --no-huge with a note when hugepages are short', () => {
      const sysfs = mkdtempSync(join(tmpdir(), 'nic-info-hugepages-'));
      try {
        const pool = join(sysfs, `hugepages-${pageSize / 1024}kB`);
        mkdirSync(pool);
        for (const counter of ['nr_hugepages', 'free_hugepages', 'resv_hugepages', 'surplus_hugepages']) writeFileSync(join(pool, counter), '0\n');
        const mb = 8;
        const pages = Math.ceil((mb * 1024 * 1024) / pageSize);
        const script = 'mount --bind "$0" /sys/kernel/mm/hugepages && exec "$@"';
        const r = spawnSync('unshare', ['--mount', 'sh', '-c', script, sysfs, process.execPath, cli, '-m', String(mb), '-l', lcoresOnCpus(1, cpus), '--no-pci'], { encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stderr).toContain(`need ${pages} pages of ${pageSize / 1024} kB, 0 free (short by ${pages})`);
        expect(r.stderr).toContain('continuing with --no-huge');
        expect(r.stdout).toContain(`Memory: ${mb} MiB arena from anonymous pages`);
      } finally {
        rmSync(sysfs, { recursive: true, force: true });
      }
    });
  }
});
