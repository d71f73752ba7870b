/**
 * Peer tier: nic-fwd forwarding on a net_vhost port from a worker lcore (`-l 0,1`), with
 * DPDK's testpmd and net_virtio_user as the frontend. Packets loop between testpmd (mac
 * forwarding) and nic-fwd (io forwarding back out of the same port); the counts on both sides
 * must agree exactly, over split and packed rings, with mergeable buffers on and off, and with
 * two queue pairs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Testpmd, TESTPMD_MISSING, TESTPMD_TEST_MS } from '@nic/vhost/testing';
import { BUILT, CLI } from './__fixtures__/harness.js';
import { JsonChild, type JsonLine } from './child.js';

const START_MS = 20_000;
/** Packets testpmd sends first (tx_first bursts of 32): fewer than its 256-entry rings hold. */
const TX_FIRST_BURSTS = 4;
/** Packets the loop must carry before it is stopped. */
const LOOPED = 20_000;

let fwd: JsonChild | undefined;
let testpmd: Testpmd | undefined;

afterEach(async () => {
  await fwd?.stop('SIGKILL');
  fwd = undefined;
  await testpmd?.quit();
  testpmd = undefined;
});

/** The last value of counter `name` in testpmd's output. */
function stat(text: string, name: string): number {
  const m = [...text.matchAll(new RegExp(`${name}:\\s+(\\d+)`, 'g'))];
  if (m.length === 0) throw new Error(`no ${name} in:\n${text}`);
  return Number(m[m.length - 1][1]);
}

/** Polls testpmd's port statistics until `done` holds for `name`; returns the value. */
async function testpmdUntil(name: string, done: (n: number) => boolean, what: string): Promise<number> {
  const deadline = Date.now() + START_MS;
  for (;;) {
    const n = stat(await testpmd!.command('show port stats 0'), name);
    if (done(n)) return n;
    if (Date.now() > deadline) throw new Error(`testpmd: ${name} ${n} after ${START_MS} ms waiting for ${what}`);
  }
}

interface PortLine {
  readonly rxPackets: number;
  readonly txPackets: number;
}
interface FinalLine {
  readonly ports: PortLine[];
  readonly streams: { lcore: number; rx: number; tx: number; dropped: number }[];
  readonly mbufs: { size: number; available: number };
}

describe.skipIf(!BUILT || TESTPMD_MISSING)('nic-fwd on a net_vhost port, polled by a worker lcore', { timeout: TESTPMD_TEST_MS }, () => {
  let serial = 0;
  it.each([
    ['split rings', '', 1],
    ['packed rings (packed_vq=1), mergeable buffers', ',packed_vq=1,mrg_rxbuf=1', 1],
    ['packed rings, no mergeable buffers (mrg_rxbuf=0)', ',packed_vq=1,mrg_rxbuf=0', 1],
    ['packed rings, two queue pairs', ',packed_vq=1', 2],
  ])('loops packets with testpmd net_virtio_user over %s, and both sides count the same', async (_name, devargs, queues) => {
    const path = `/tmp/nic-fwd-vhost-${process.pid}-${serial++}.sock`;
    fwd = new JsonChild(process.execPath, [
      CLI, '-l', '0,1', '--no-pci', '--no-huge', '-m', '128', '--file-prefix', `fwd-vhost-${process.pid}`,
      '--vdev', `net_vhost0,iface=${path},queues=${queues}`, '--', '--forward-mode=io', `--rxq=${queues}`, `--txq=${queues}`, '--stats-period=1', '--stats-json',
    ]);
    await fwd.waitFor((l) => l.event === 'start', START_MS, 'the start line');
    testpmd = new Testpmd(path, `nic-fwd-vhost-${process.pid}`, devargs, [], queues);
    await testpmd.ready();
    await testpmd.command('set fwd mac');
    await testpmd.command(`start tx_first ${TX_FIRST_BURSTS}`);
    await testpmdUntil('RX-packets', (n) => n >= LOOPED, `${LOOPED} packets back from nic-fwd`);
    // testpmd stops sending; what it sent reaches nic-fwd, whose answers wait in testpmd's ring.
    await testpmd.command('stop');
    const sent = stat(await testpmd.command('show port stats 0'), 'TX-packets');
    const ports = (l: JsonLine): PortLine[] => (l as unknown as FinalLine).ports;
    await fwd.waitFor((l) => l.event === 'stats' && ports(l)[0].rxPackets === sent, START_MS, `nic-fwd to count ${sent} received`);
    expect(await fwd.stop('SIGINT')).toBe(0);
    const final = fwd.last((l) => l.event === 'final') as unknown as FinalLine;
    fwd = undefined;
    // The forwarding ran on lcore 1, a worker thread, not on the main lcore (a stream per queue).
    expect(final.streams.map((s) => s.lcore)).toEqual(new Array(queues).fill(1));
    expect(final.ports[0].rxPackets).toBe(sent);
    for (const s of final.streams) expect(s.rx).toBe(s.tx + s.dropped);
    expect(final.mbufs.available).toBe(final.mbufs.size);
    // testpmd takes what nic-fwd answered after its stop from its ring: every packet.
    await testpmd.command('set fwd rxonly');
    await testpmd.command('start');
    const back = final.ports[0].txPackets;
    expect(back).toBeGreaterThanOrEqual(LOOPED);
    expect(await testpmdUntil('RX-packets', (n) => n >= back, `${back} packets`)).toBe(back);
  });
});
