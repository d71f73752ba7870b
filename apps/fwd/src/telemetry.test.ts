/**
 * nic-fwd's telemetry read by DPDK's own client (Debian's `dpdk-telemetry.py`) while it
 * forwards: the ports, their statistics and the pools as DPDK reports them, and a crowd of
 * clients (more than the server takes, some sending garbage) that leaves the forwarding and
 * its exact accounting untouched.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runtimeDir, TELEMETRY_MAX_CONNECTIONS, TELEMETRY_SOCKET_NAME } from '@nic/eal';
import { closeFd, NicError, unixConnect, unixSendmsg } from '@nic/native';
import { describe, expect, it } from 'vitest';
import { lcoreArgs } from '@nic/test-kit/models';
import { BUILT, CLI } from './__fixtures__/harness.js';
import { JsonChild } from './child.js';

const CLIENT = '/usr/bin/dpdk-telemetry.py';
const START_MS = 30_000;
const run = promisify(execFile);

if (!BUILT) console.warn('!! nic-fwd: the telemetry tests are skipped: build it first (npm run build -w @nic/fwd)');

/** DPDK's client on `prefix`, fed `commands`; one parsed reply per command. */
async function dpdkClient(prefix: string, commands: readonly string[]): Promise<Record<string, unknown>[]> {
  const child = run('python3', [CLIENT, '-f', prefix], { timeout: 60_000 });
  child.child.stdin?.end(`${commands.join('\n')}\n`);
  const { stdout } = await child;
  return stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

interface Stats {
  ipackets: number;
  opackets: number;
  q_ipackets: number[];
}

describe.skipIf(!BUILT)('nic-fwd telemetry, read by dpdk-telemetry.py', () => {
  it('reports ports, statistics, link, pools and the command line while forwarding, and a crowd of clients changes nothing', async () => {
    const prefix = `newuser-fwd-tel-${process.pid}`;
    const fwd = new JsonChild(process.execPath, [
      CLI, ...lcoreArgs(2), '--no-pci', '--no-huge', '-m', '128', '--file-prefix', prefix, '--vdev', 'net_ring0', '--vdev', 'net_ring1',
      '--', '--forward-mode=io', '--tx-first', '--stats-json', '--stats-period=1', '--duration=300',
    ]);
    try {
      await fwd.waitFor((l) => l.event === 'start', START_MS, 'the start line');
      const [list, info, stats, xstats, link, pools, params, appParams] = await dpdkClient(prefix, [
        '/ethdev/list', '/ethdev/info,0', '/ethdev/stats,0', '/ethdev/xstats,0', '/ethdev/link_status,0', '/mempool/list', '/eal/params', '/eal/app_params',
      ]);
      expect(list).toEqual({ '/ethdev/list': [0, 1] });
      expect(info['/ethdev/info']).toMatchObject({ name: 'net_ring0', port_id: 0, nb_rx_queues: 1, nb_tx_queues: 1, dev_started: 1, dev_configured: 1, rxq_state: [1], txq_state: [1] });
      const first = stats['/ethdev/stats'] as Stats;
      expect(first.q_ipackets).toHaveLength(16);
      expect(first.q_ipackets[0]).toBe(first.ipackets);
      const x = xstats['/ethdev/xstats'] as Record<string, number>;
      expect(Object.keys(x).slice(0, 2)).toEqual(['rx_good_packets', 'tx_good_packets']);
      expect(link).toEqual({ '/ethdev/link_status': { status: 'UP', speed: expect.any(Number) as unknown, duplex: 'full-duplex' } });
      expect(pools['/mempool/list']).toEqual(expect.arrayContaining([expect.any(String)]));
      expect((params['/eal/params'] as string[]).slice(0, 2)).toEqual(['nic-fwd', '-l']);
      expect(appParams['/eal/app_params']).toContain('--forward-mode=io');

      // The counters move while it forwards: a later read sees more.
      await expect.poll(async () => {
        const [again] = await dpdkClient(prefix, ['/ethdev/stats,0']);
        return (again['/ethdev/stats'] as Stats).ipackets;
      }, { timeout: 30_000, interval: 200 }).toBeGreaterThan(first.ipackets);

      // A crowd: more clients than the server takes, each sending garbage, and DPDK's client among them.
      const socket = join(runtimeDir(prefix), TELEMETRY_SOCKET_NAME);
      const crowd: number[] = [];
      for (let i = 0; i < 2 * TELEMETRY_MAX_CONNECTIONS; i++) {
        try {
          crowd.push(unixConnect(socket, { type: 'seqpacket' }));
        } catch (e) {
          // A full listen backlog (the server's loop has not accepted yet) refuses at once.
          if (!(e instanceof NicError && e.code === 'NIC_EAGAIN')) throw e;
        }
      }
      expect(crowd.length).toBeGreaterThan(0);
      for (const fd of crowd) {
        try {
          unixSendmsg(fd, new Uint8Array([0x2c, 0xff, 0x00, 0x2f, 0x2c]));
        } catch {
          // The server closed this one at once (past its limit of clients), as DPDK does.
        }
      }
      for (const fd of crowd) closeFd(fd);
      const [after] = await dpdkClient(prefix, ['/ethdev/list']);
      expect(after).toEqual({ '/ethdev/list': [0, 1] });
    } finally {
      fwd.child.kill('SIGINT');
    }
    expect(await fwd.exited).toBe(0);
    const final = fwd.last((l) => l.event === 'final') as { streams: { rx: number; tx: number; dropped: number }[]; mbufs: { size: number; available: number } };
    for (const s of final.streams) expect(s.rx).toBe(s.tx + s.dropped);
    expect(final.mbufs.available).toBe(final.mbufs.size);
    // Eight seconds alone; each of the four python clients starts slowly on a loaded machine.
  }, 120_000);
});
