import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lcoresOnCpus, processCpus } from '@nic/eal';
import { hugepagePool } from '@nic/native';

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

  it('falls back to --no-huge with a note when hugepages are short', () => {
    const pool = hugepagePool(2 * 1024 * 1024);
    const mb = ((pool ? pool.free - pool.reserved : 0) + 1) * 2;
    const r = run('-m', String(mb), '-l', lcoresOnCpus(1, cpus), '--no-pci');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/short by 1\)/);
    expect(r.stderr).toContain('continuing with --no-huge');
    expect(r.stdout).toContain(`Memory: ${mb} MiB arena from anonymous pages`);
  });
});
