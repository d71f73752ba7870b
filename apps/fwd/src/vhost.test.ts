/**
 * Peer tier: nic-fwd forwarding on a net_vhost port from a worker lcore (`-l 0,1`), with
 * DPDK's testpmd and net_virtio_user as the frontend. Packets loop between testpmd (mac
 * forwarding) and nic-fwd (io forwarding back out of the same port); the counts on both sides
 * must agree exactly, over split and packed rings, with mergeable buffers on and off, and with
 * two queue pairs. And with `--rx-interrupts`, the worker lcore sleeping on the vhost port's
 * kick eventfd, woken by each kick of `@nic/vhost/testing`'s frontend.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '@nic/native/testing';
import { lcoreArgs } from '@nic/test-kit/models';
import { Testpmd, TESTPMD_MISSING, TESTPMD_TEST_MS, VhostTestFrontend } from '@nic/vhost/testing';
import { BUILT, CLI } from './__fixtures__/harness.js';
import { asleep, type Napi } from './__fixtures__/asleep.js';
import { JsonChild, type JsonLine } from './child.js';

const START_MS = 20_000;
/** Packets testpmd sends first (tx_first bursts of 32): fewer than its 256-entry rings hold. */
const TX_FIRST_BURSTS = 4;
/** Packets the loop must carry before it is stopped. */
const LOOPED = 20_000;

let fwd: JsonChild | undefined;
let testpmd: Testpmd | undefined;
let frontend: VhostTestFrontend | undefined;

afterEach(async () => {
  frontend?.close();
  frontend = undefined;
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
      CLI, ...lcoreArgs(2), '--no-pci', '--no-huge', '-m', '128', '--file-prefix', `fwd-vhost-${process.pid}`,
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

/** Rounds of traffic, each sent to an lcore asleep, and the frames of one round. */
const ROUNDS = 3;
const FRAMES_PER_ROUND = 10;
/** Frames testpmd's `start tx_first` sends: one burst of its default 32. */
const TX_FIRST_FRAMES = 32;
interface SleepingFinal extends FinalLine {
  readonly lcores: { readonly lcore: number; readonly napi?: Napi }[];
}

function sleepingFwd(path: string, tag: string): JsonChild {
  return new JsonChild(process.execPath, [
    CLI, ...lcoreArgs(2), '--no-pci', '--no-huge', '-m', '128', '--file-prefix', `${tag}-${process.pid}`,
    '--vdev', `net_vhost0,iface=${path}`, '--', '--forward-mode=io', '--rx-interrupts', '--stats-period=1', '--stats-json',
  ]);
}

/** Stops nic-fwd and checks its totals: `total` frames in and out, all by lcore 1's NAPI loop, every mbuf back. */
async function finish(total: number, what: string): Promise<Napi | undefined> {
  expect(await fwd!.stop('SIGINT')).toBe(0);
  const final = fwd!.last((l) => l.event === 'final') as unknown as SleepingFinal;
  fwd = undefined;
  const napi = final.lcores.find((l) => l.lcore === 1)?.napi;
  console.log(`nic-fwd --rx-interrupts on net_vhost with ${what}: ${total} frames in ${ROUNDS} rounds; lcore 1 ${JSON.stringify(napi)}`);
  expect(final.ports[0].rxPackets).toBe(total);
  expect(final.ports[0].txPackets).toBe(total);
  expect(final.streams.map((s) => s.lcore)).toEqual([1]);
  expect(napi?.packets).toBe(total);
  expect(final.mbufs.available).toBe(final.mbufs.size);
  return napi;
}

describe.skipIf(!BUILT)('nic-fwd --rx-interrupts on a net_vhost port', { timeout: TESTPMD_TEST_MS }, () => {
  it("sleeps until the suite frontend kicks, wakes once per kick and forwards exactly that round's frames", async () => {
    const path = `/tmp/nic-fwd-vhost-intr-${process.pid}.sock`;
    fwd = sleepingFwd(path, 'fwd-vhost-intr');
    await fwd.waitFor((l) => l.event === 'start', START_MS, 'the start line');
    const f = (frontend = await VhostTestFrontend.connect(path, 1, false, true));
    const frame = new Uint8Array(60).fill(0x5a);
    for (let round = 1; round <= ROUNDS; round++) {
      // Asleep with its rx interrupt armed and no timeout: only a kick can wake it now. The
      // frontend kicks because the armed queue asks for it (USED_F_NO_NOTIFY clear).
      const before = await asleep(fwd);
      expect(f.send(0, Array.from({ length: FRAMES_PER_ROUND }, () => frame))).toBe(FRAMES_PER_ROUND);
      expect(f.notify(0)).toBe(true);
      await until(`round ${round}'s frames back`, () => {
        f.poll();
        return f.received[0] >= round * FRAMES_PER_ROUND;
      }, START_MS);
      expect(f.received[0]).toBe(round * FRAMES_PER_ROUND);
      const after = await asleep(fwd);
      expect([after.wakeups - before.wakeups, after.packets - before.packets]).toEqual([1, FRAMES_PER_ROUND]);
    }
    const total = ROUNDS * FRAMES_PER_ROUND;
    expect(f.receivedBytes[0]).toBe(total * frame.length);
    await finish(total, 'the suite frontend');
  });

  it.skipIf(TESTPMD_MISSING)('sleeps until testpmd net_virtio_user kicks, wakes once per burst and forwards it back', async () => {
    const path = `/tmp/nic-fwd-vhost-intr-tp-${process.pid}.sock`;
    fwd = sleepingFwd(path, 'fwd-vhost-intr-tp');
    await fwd.waitFor((l) => l.event === 'start', START_MS, 'the start line');
    testpmd = new Testpmd(path, `nic-fwd-vhost-intr-${process.pid}`);
    await testpmd.ready();
    // testpmd only receives, after one burst of 32 sent by `start tx_first`: its virtio_user
    // kicks the vring when the armed queue asks for it (it reads USED_F_NO_NOTIFY, as virtio does).
    await testpmd.command('set fwd rxonly');
    for (let round = 1; round <= ROUNDS; round++) {
      const before = await asleep(fwd);
      await testpmd.command('start tx_first');
      await testpmdUntil('RX-packets', (n) => n >= round * TX_FIRST_FRAMES, `round ${round}'s ${TX_FIRST_FRAMES} packets back`);
      await testpmd.command('stop');
      const after = await asleep(fwd);
      expect([after.wakeups - before.wakeups, after.packets - before.packets]).toEqual([1, TX_FIRST_FRAMES]);
    }
    const stats = await testpmd.command('show port stats 0');
    const total = ROUNDS * TX_FIRST_FRAMES;
    expect([stat(stats, 'TX-packets'), stat(stats, 'RX-packets')]).toEqual([total, total]);
    await finish(total, 'testpmd net_virtio_user');
  });
});
