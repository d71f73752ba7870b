// Kernel tier: nic-fwd between two network namespaces, on af_packet ports bound to the root
// ends of two veth pairs (see testbed.ts). Needs root, iproute2, ethtool and ping.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lcoreArgs } from '@nic/test-kit/models';
import { BUILT, CLI, expectNoAllocation, until } from './__fixtures__/harness.js';
import { JsonChild, type JsonLine } from './child.js';
import type { LcoreReport } from './lcore.js';
import type { PortCounts } from './stats.js';
import { createTestbed, destroyTestbed, inNamespace, testbedUnavailable, udpCounters, vethTxDropped, type Testbed } from './testbed.js';

const DATAGRAMS = 100_000;
const UDP_PORT = 9;
const PING_COUNT = 3;
const START_MS = 15_000;
const SETTLE_MS = 60_000;
/** How often the receiver's side is read while waiting for it to settle. */
const READ_MS = 100;

const PING = spawnSync('ping', ['-V'], { stdio: 'ignore' }).error === undefined;
const missing = testbedUnavailable() ?? (PING ? undefined : 'ping is missing (apt-get install iputils-ping)') ?? (BUILT ? undefined : 'nic-fwd is not built (npm run build -w @nic/fwd)');
if (missing !== undefined) console.warn(`!! nic-fwd: the namespace tests are skipped: ${missing}`);

const script = (name: string): string => fileURLToPath(new URL(`../dist/${name}.js`, import.meta.url));

/** A final report as the CLI prints it. */
interface Final {
  readonly ports: (PortCounts & { txDropped: number })[];
  readonly mbufs: { readonly size: number; readonly available: number };
  readonly lcores: (LcoreReport & { readonly napi?: { readonly wakeups: number; readonly sleepMs: number; readonly pollMs: number; readonly polls: number } })[];
}

let bed: Testbed;
let runs = 0;

/** nic-fwd in io mode between the two root ends, JSON statistics every second. */
async function forwarder(...extra: string[]): Promise<JsonChild> {
  const ports = [bed.a.outer, bed.b.outer].flatMap((iface, i) => ['--vdev', `net_af_packet${i},iface=${iface}`]);
  const fwd = new JsonChild(process.execPath, [CLI, ...lcoreArgs(2), '--no-huge', '-m', '256', '--no-pci', '--file-prefix', `fwd-netns-${process.pid}-${runs++}`, ...ports, '--', '--forward-mode=io', '--stats-json', '--stats-period=1', '--duration=300', ...extra]);
  await fwd.waitFor((l) => l.event === 'start', START_MS, 'its start line');
  return fwd;
}

async function finalReport(fwd: JsonChild): Promise<Final> {
  expect(await fwd.stop('SIGINT')).toBe(0);
  return fwd.last((l) => l.event === 'final') as unknown as Final;
}

/** How long the 100 000-datagram runs may take on a loaded two-CPU machine (CI runs everything at once). */
const STREAM_TIMEOUT_MS = 120_000;

describe.skipIf(missing !== undefined)('nic-fwd between two network namespaces (af_packet on veth)', () => {
  beforeAll(() => {
    bed = createTestbed({ prefix: 'nicfwdtest', tag: 'nft', staticNeighbours: true });
  });

  afterAll(() => {
    if (bed) destroyTestbed(bed);
  });

  it.each([
    ['polling always', []],
    ['sleeping on rx interrupts', ['--rx-interrupts']],
    ['pausing when idle', ['--pmd-mgmt=pause', '--pause-duration=100']],
  ])('carries a ping from one namespace to the other and back (%s)', async (_, extra) => {
    const fwd = await forwarder(...extra);
    try {
      // The start line comes before the lcore's loop runs; on a loaded host the loop can start
      // late enough to find all the requests queued and never sleep between them. So wait until
      // it has polled: from then on it sleeps within a few empty polls.
      if (extra.length > 0) await fwd.waitFor((l) => l.event === 'stats' && (l as unknown as Final).lcores.every((c) => (c.napi?.polls ?? 0) > 0), START_MS, 'a stats line with the lcore polling');
      const ping = spawnSync(...inNamespace(bed.a.namespace, 'ping', '-c', String(PING_COUNT), '-i', '0.2', '-W', '2', bed.b.address), { encoding: 'utf8' });
      expect(ping.status, ping.stdout + ping.stderr).toBe(0);
      expect(ping.stdout).toContain(`${PING_COUNT} packets transmitted, ${PING_COUNT} received`);
    } finally {
      const final = await finalReport(fwd);
      const [a, b] = final.ports;
      // Static neighbours and no IPv6: the echo requests one way, the replies the other, nothing else.
      expect([a.rxPackets, b.txPackets, b.rxPackets, a.txPackets]).toEqual([PING_COUNT, PING_COUNT, PING_COUNT, PING_COUNT]);
      expect(final.mbufs.available).toBe(final.mbufs.size);
      const napi = final.lcores[0].napi;
      if (extra.length === 0) {
        expect(napi).toBeUndefined();
      } else {
        // Each request after the first came 200 ms after the one before: the lcore slept
        // before each and the socket woke it (or, pausing, it paused many times meanwhile);
        // the stop woke it once more. (The first may come before the lcore first sleeps.)
        // It spent most of the run asleep.
        expect(napi?.wakeups).toBeGreaterThanOrEqual(PING_COUNT);
        expect(napi?.sleepMs).toBeGreaterThan(napi?.pollMs ?? Infinity);
      }
    }
  });

  it.each([
    ['polling always', []],
    ['sleeping on rx interrupts', ['--rx-interrupts']],
    ['pausing when idle', ['--pmd-mgmt=pause', '--pause-duration=100']],
  ])(`forwards a ${DATAGRAMS}-datagram UDP stream with every packet accounted for (%s)`, async (_, extra) => {
    const fwd = await forwarder(...extra);
    const receiver = new JsonChild(...inNamespace(bed.b.namespace, process.execPath, script('udp-recv'), `--port=${UDP_PORT}`));
    try {
      await receiver.waitFor((l) => l.ready === true, START_MS, 'its ready line');
      const udpBefore = udpCounters(bed.b.namespace);
      const dropsA = vethTxDropped(bed.a.namespace, bed.a.inner);
      const dropsB = vethTxDropped(undefined, bed.b.outer);
      const sender = new JsonChild(...inNamespace(bed.a.namespace, process.execPath, script('udp-send'), `--to=${bed.b.address}`, `--port=${UDP_PORT}`, `--count=${DATAGRAMS}`));
      const { sent, errors } = (await sender.waitFor((l) => typeof l.sent === 'number', SETTLE_MS, 'its count')) as { sent: number; errors: number };
      expect([sent, errors]).toEqual([DATAGRAMS, 0]);
      // Drops on the veth into the forwarder happen while sending: they are final now.
      const lostA = vethTxDropped(bed.a.namespace, bed.a.inner) - dropsA;

      // Wait until the forwarder has seen every datagram (received or dropped) and passed on all it received.
      const drained = (l: JsonLine): boolean => {
        if (l.event !== 'stats') return false;
        const [a, b] = l.ports as Final['ports'];
        return a.rxPackets + a.rxMissed + lostA === sent && b.txPackets + b.txDropped === a.rxPackets;
      };
      await fwd.waitFor(drained, SETTLE_MS, 'statistics that account for the whole stream');
      const final = await finalReport(fwd);
      const [a, b] = final.ports;

      // Then until the receiver's namespace has counted what the forwarder sent it.
      let received = 0;
      let udp = udpBefore;
      let lostB = 0;
      await until(
        () => {
          received = Number(receiver.last((l) => typeof l.received === 'number')?.received ?? 0);
          udp = udpCounters(bed.b.namespace);
          lostB = vethTxDropped(undefined, bed.b.outer) - dropsB;
          return received + (udp.InErrors - udpBefore.InErrors) + lostB === b.txPackets;
        },
        SETTLE_MS,
        'the receiver to account for everything the forwarder sent',
        READ_MS,
      );

      // sender -> veth a -> forwarder rx: every datagram was received or counted as dropped
      expect(a.rxPackets + a.rxMissed + lostA).toBe(sent);
      // forwarder: received = forwarded + counted drops; nothing came back the other way
      expect(a.rxPackets).toBe(b.txPackets + b.txDropped);
      expect([b.rxPackets, a.txPackets]).toEqual([0, 0]);
      // forwarder tx -> veth b -> receiver socket: delivered, or counted as dropped
      expect(received + (udp.InErrors - udpBefore.InErrors) + lostB).toBe(b.txPackets);
      expect(udp.InCsumErrors - udpBefore.InCsumErrors).toBe(0);
      expect(udp.NoPorts - udpBefore.NoPorts).toBe(0);
      expect(received).toBeGreaterThan(0);
      // after stop every mbuf is back in the pool
      expect(final.mbufs.available).toBe(final.mbufs.size);
      // With --rx-interrupts or --pmd-mgmt the live statistics carry the lcore's sleep counters: they only grow, up to the final ones.
      const live = fwd.lines.filter((l) => l.event === 'stats').map((l) => (l.lcores as Final['lcores'] | undefined)?.[0]?.napi?.wakeups);
      expect(live.length).toBeGreaterThan(0);
      if (extra.length === 0) {
        expect(live.every((w) => w === undefined)).toBe(true);
        // Polling, the lcore forwarded the whole stream with no collection and a flat heap:
        // within 1 MiB here, where the kernel path's warm-up took 297 KB once; the smallest V8
        // object (12 bytes and up) allocated per datagram would leave more than 1.2 MB.
        expectNoAllocation(final);
      } else {
        expect(live.every((w) => typeof w === 'number')).toBe(true);
        const wakeups = live.map(Number);
        expect(wakeups).toEqual([...wakeups].sort((x, y) => x - y));
        expect(wakeups.at(-1)).toBeLessThanOrEqual(final.lcores[0].napi?.wakeups ?? -1);
      }
    } finally {
      await receiver.stop();
      await fwd.stop('SIGINT');
    }
    // 16 s alone on two CPUs; the whole suite in parallel on them has taken it past 30 s.
  }, STREAM_TIMEOUT_MS);
});
