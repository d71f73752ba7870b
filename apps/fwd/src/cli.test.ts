import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lcoreArgs } from '@nic/test-kit/models';
import { BUILT, CLI } from './__fixtures__/harness.js';
import { JsonChild, type JsonLine } from './child.js';

const RING_PORTS = ['--no-pci', '--no-huge', '-m', '128', '--vdev', 'net_ring0', '--vdev', 'net_ring1'];
const START_MS = 15_000;
/** tshark's `ip.checksum.status` of a verified, correct checksum (0 is bad, 2 unverified). */
const TSHARK_CHECKSUM_GOOD = '1';
const TSHARK = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).error === undefined;
const dir = mkdtempSync(join(tmpdir(), 'nic-fwd-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));
if (!TSHARK) console.warn('!! nic-fwd: the pcap test is skipped: tshark is missing (apt-get install tshark)');
if (!BUILT) console.warn('!! nic-fwd: the CLI tests are skipped: build it first (npm run build -w @nic/fwd)');

let prefixes = 0;
/** EAL arguments of a run on `lcores` lcores (ids from 0) over two net_ring ports. */
function eal(lcores: number): string[] {
  return [...lcoreArgs(lcores), '--file-prefix', `fwd-cli-${process.pid}-${prefixes++}`, ...RING_PORTS];
}

function cli(args: string[]): JsonChild {
  return new JsonChild(process.execPath, [CLI, ...args]);
}

describe.skipIf(!BUILT)('nic-fwd, the built CLI (npm run build -w @nic/fwd)', () => {
  it('stops on SIGINT: drains, prints testpmd\'s final statistics and exits 0', async () => {
    const run = cli([...eal(2), '--', '--forward-mode=io', '--tx-first']);
    await until(() => run.text.includes('press Ctrl-C'), run);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.text).toMatch(/Forward statistics for port 0 /);
    expect(run.text).toMatch(/Forward statistics for port 1 /);
    expect(run.text).toMatch(/Accumulated forward statistics for all ports/);
    const [, rx] = /\+\n {2}RX-packets: (\d+)/.exec(run.text) ?? [];
    expect(Number(rx)).toBeGreaterThan(0);
    expect(run.text).toContain('mbufs: all 8192 back in pool mbuf_pool');
  });

  it('stops by itself after --duration and speaks JSON lines with --stats-json', async () => {
    const run = cli([...eal(1), '--', '--forward-mode=macswap', '--tx-first', '--duration=1', '--stats-period=1', '--stats-json', '--record-burst-stats']);
    expect(await run.exited).toBe(0);
    expect(run.lines.map((l) => l.event)).toEqual(['start', 'stats', 'final']);
    type Bursts = { rxBursts: number[]; txBursts: number[] };
    const final = run.lines[2] as { reason: string; ports: ({ rxPackets: number; txPackets: number } & Bursts)[]; streams: { rx: number; tx: number; dropped: number }[]; mbufs: { size: number; available: number } };
    expect(final.reason).toBe('duration');
    // The period's line carries the burst spreads so far: none above the final ones, some already.
    const live = (run.lines[1] as { ports: Bursts[] }).ports;
    const bursts = (spread: number[]): number => spread.reduce((a, b) => a + b, 0);
    for (const [i, port] of live.entries()) {
      expect(port.rxBursts).toHaveLength(33);
      expect(bursts(port.rxBursts)).toBeGreaterThan(0);
      expect(bursts(port.rxBursts)).toBeLessThanOrEqual(bursts(final.ports[i].rxBursts));
      expect(bursts(port.txBursts)).toBeLessThanOrEqual(bursts(final.ports[i].txBursts));
    }
    for (const s of final.streams) expect(s.rx).toBe(s.tx + s.dropped);
    expect(final.ports[0].rxPackets).toBeGreaterThan(0);
    expect(final.mbufs.available).toBe(final.mbufs.size);
  });

  it.each([
    [['--', '--burst=0'], '--burst'],
    [['--', '--forward-mode=flowgen'], '--forward-mode'],
    [['--', '--nb-cores=2'], '--nb-cores'],
  ])('exits 1 on %j, naming %s', async (args, option) => {
    const run = cli([...eal(2), ...args]);
    expect(await run.exited).toBe(1);
    expect(run.text).toContain(`nic-fwd: ${option}`);
  });

  it.each([
    ['a worker lcore', 1, 'nic-fwd: --rx-interrupts: the main lcore cannot sleep on queue interrupts'],
    ['a driver with rx interrupts', 2, 'port 0 (net_ring): the driver has no rx queue interrupts (intrConf.rxq)'],
  ])('exits 1 on --rx-interrupts without %s, saying so', async (_, lcores, message) => {
    const run = cli([...eal(lcores), '--', '--rx-interrupts']);
    expect(await run.exited).toBe(1);
    expect(run.text).toContain(message);
  });

  it('exits 1 on --pmd-mgmt=pause without a worker lcore, saying so', async () => {
    const run = cli([...eal(1), '--', '--pmd-mgmt=pause']);
    expect(await run.exited).toBe(1);
    expect(run.text).toContain('nic-fwd: --pmd-mgmt: the main lcore cannot pause');
  });

  it('prints its usage for -- --help', async () => {
    const run = cli(['--', '--help']);
    expect(await run.exited).toBe(0);
    expect(run.text).toContain('--forward-mode=MODE');
  });

  it.skipIf(!TSHARK)('writes the forwarded packets to a pcap file that tshark reads (skipped without tshark: apt-get install tshark)', async () => {
    const file = join(dir, 'txonly.pcap');
    // txonly on two looped-back ring ports nobody drains: each ring takes what it holds, the rest are dropped.
    const run = cli([...eal(2), '--', '--forward-mode=txonly', '--txpkts=100', '--tx-flows=4', '--tx-udp=5000,6000', `--pcap=${file}`, '--stats-period=1', '--stats-json']);
    // Stopped once every flow has left (not after a fixed time: a loaded machine starts the lcore late).
    const sent = (l: JsonLine): number => ((l.ports ?? []) as { txPackets: number }[]).reduce((n, p) => n + p.txPackets, 0);
    await run.waitFor((l) => l.event === 'stats' && sent(l) >= 4, 60_000, 'four packets sent');
    expect(await run.stop('SIGINT')).toBe(0);
    const final = run.last((l) => l.event === 'final') as { total: { txPackets: number } };
    expect(final.total.txPackets).toBeGreaterThan(0);
    const fields = ['frame.len', 'ip.src', 'ip.dst', 'udp.srcport', 'udp.dstport', 'ip.checksum.status'];
    const tshark = spawnSync('tshark', ['-r', file, '-o', 'ip.check_checksum:TRUE', '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
    expect(tshark.status, tshark.stderr).toBe(0);
    const rows = tshark.stdout.trim().split('\n').map((line) => line.split('\t'));
    expect(rows.length).toBe(final.total.txPackets);
    for (const [len, src, dst, , dport, checksum] of rows) expect([len, src, dst, dport, checksum]).toEqual(['100', '198.18.0.1', '198.18.0.2', '6000', TSHARK_CHECKSUM_GOOD]);
    expect(new Set(rows.map((r) => r[3]))).toEqual(new Set(['5000', '5001', '5002', '5003']));
  });
});

/** Waits until `condition` holds or `run` exits. */
async function until(condition: () => boolean, run: JsonChild): Promise<void> {
  const deadline = Date.now() + START_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`nic-fwd did not start; its output:\n${run.text}`);
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 10)), run.exited]);
  }
}
