import { createSocket, type Socket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { lcoreArgs, testFrame, UDP_WIRE_HOST } from '@nic/test-kit/models';
import { JsonChild, type JsonLine } from './child.js';
import { BUILT, CLI, until } from './__fixtures__/harness.js';

// nic-fwd, unchanged, on hardware PMDs: the built CLI runs with modelled NICs served in its
// process (`node --import __fixtures__/model-ports.mjs`, @nic/test-kit's models bound to
// vfio-pci in a fake sysfs tree), probed by net_ixgbe (82599) or net_e1000_igb (82576). Each
// port's cable goes to a UDP socket of the test, one frame per datagram. Models live in the
// thread that made them, so the main lcore forwards (-l 0).

const PRELOAD = fileURLToPath(new URL('./__fixtures__/model-ports.mjs', import.meta.url));
const ADDRESSES = ['0000:10:00.0', '0000:11:00.0'];
const STEP_MS = 30_000;
const EXIT_GRACE_MS = 5000;
const FRAMES = 200;
/** Frames sent each way before waiting for them. */
const BATCH = 25;

if (!BUILT) console.warn(`[fwd] model tests skipped: ${CLI} is missing (npm run build)`);

/** The test's end of a port's cable: what the port sent, and a way to send it frames. */
interface Cable {
  readonly socket: Socket;
  readonly got: Uint8Array[];
  /** The port's UDP port (from the model-ports line). */
  to: number;
}

async function cable(): Promise<Cable> {
  const socket = createSocket('udp4');
  const got: Uint8Array[] = [];
  socket.on('message', (frame) => got.push(Uint8Array.from(frame)));
  await new Promise<void>((resolve) => socket.bind(0, UDP_WIRE_HOST, resolve));
  return { socket, got, to: 0 };
}

function send(c: Cable, frame: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => c.socket.send(frame, c.to, UDP_WIRE_HOST, (e) => (e ? reject(e) : resolve())));
}

interface ModelPort {
  readonly address: string;
  readonly mac: string;
  readonly udp: number;
}

interface Final {
  reason: string;
  total: { rxPackets: number; txPackets: number; rxDropped: number; txDropped: number };
  mbufs: { size: number; available: number };
}

const running: { fwd: JsonChild; cables: Cable[] }[] = [];
let runs = 0;

/** nic-fwd on two modelled ports of `model` with the application arguments `app`, started. */
async function forwarder(model: 'ixgbe' | 'igb', app: readonly string[]): Promise<{ fwd: JsonChild; cables: Cable[]; ports: ModelPort[] }> {
  const cables = [await cable(), await cable()];
  const args = ['--import', PRELOAD, CLI, ...lcoreArgs(1), '--no-huge', '-m', '128', '--file-prefix', `fwd-models-${process.pid}-${runs++}`];
  const fwd = new JsonChild(process.execPath, [...args, ...ADDRESSES.flatMap((a) => ['-a', a]), '--', ...app, '--stats-json'], {
    NIC_MODEL: model,
    NIC_MODEL_UDP_PEERS: cables.map((c) => c.socket.address().port).join(','),
  });
  running.push({ fwd, cables });
  const served = await fwd.waitFor((l) => l.event === 'model-ports', STEP_MS, 'the model-ports line');
  const ports = served.ports as ModelPort[];
  expect(ports.map((p) => p.address)).toEqual(ADDRESSES);
  ports.forEach((p, i) => (cables[i].to = p.udp));
  await fwd.waitFor((l) => l.event === 'start', STEP_MS, 'the start line');
  return { fwd, cables, ports };
}

/** Stops nic-fwd with SIGINT and returns its final report, after checking it exited cleanly. */
async function finish(fwd: JsonChild): Promise<Final> {
  fwd.child.kill('SIGINT');
  const final = (await fwd.waitFor((l: JsonLine) => l.event === 'final', STEP_MS, 'the final report')) as unknown as Final;
  expect(await fwd.exited).toBe(0);
  expect(final.reason).toBe('signal');
  expect(final.mbufs.available).toBe(final.mbufs.size);
  return final;
}

function mac(text: string): Uint8Array {
  return Uint8Array.from(text.split(':'), (b) => parseInt(b, 16));
}

afterEach(async () => {
  for (const { fwd, cables } of running.splice(0)) {
    // SIGTERM lets a run a test left behind exit through its handlers (the fixture removes
    // its sysfs tree at exit); SIGKILL if it does not within the grace period.
    fwd.child.kill('SIGTERM');
    await Promise.race([fwd.exited, new Promise((resolve) => setTimeout(resolve, EXIT_GRACE_MS))]);
    await fwd.stop('SIGKILL');
    for (const c of cables) c.socket.close();
  }
});

describe.skipIf(!BUILT)('nic-fwd on modelled hardware ports', () => {
  it.each(['ixgbe', 'igb'] as const)('forwards io between two modelled %s ports both ways, frames unchanged and in order, with exact accounting', async (model) => {
    const { fwd, cables } = await forwarder(model, ['--forward-mode=io']);
    const frames = Array.from({ length: FRAMES }, (_, i) => testFrame(i, 60 + ((i * 7) % 1400)));
    // In bursts, each sent once the one before is through: a UDP socket drops what overflows
    // its buffer while the forwarder's thread is busy, as a cable without flow control would.
    for (let first = 0; first < FRAMES; first += BATCH) {
      for (const f of frames.slice(first, first + BATCH)) {
        await send(cables[0], f);
        await send(cables[1], f);
      }
      const want = Math.min(FRAMES, first + BATCH);
      await until(() => cables[0].got.length >= want && cables[1].got.length >= want, STEP_MS, `${want} frames out of each port`);
    }
    expect(cables[1].got).toEqual(frames);
    expect(cables[0].got).toEqual(frames);
    const final = await finish(fwd);
    expect(final.total).toMatchObject({ rxPackets: 2 * FRAMES, txPackets: 2 * FRAMES, rxDropped: 0, txDropped: 0 });
  });

  it.each([
    ['mac', (f: Uint8Array, tx: ModelPort, txIndex: number) => [...mac(`02:00:00:00:00:0${txIndex}`), ...mac(tx.mac), ...f.subarray(12)]],
    ['l2fwd', (f: Uint8Array, tx: ModelPort, txIndex: number) => [...mac(`02:00:00:00:00:0${txIndex}`), ...mac(tx.mac), ...f.subarray(12)]],
    ['macswap', (f: Uint8Array) => [...f.subarray(6, 12), ...f.subarray(0, 6), ...f.subarray(12)]],
  ] as const)('rewrites addresses in %s mode on 82599 ports', async (mode, expected) => {
    const { fwd, cables, ports } = await forwarder('ixgbe', [`--forward-mode=${mode}`]);
    const frames = Array.from({ length: 16 }, (_, i) => testFrame(i, 64));
    for (const f of frames) await send(cables[0], f);
    await until(() => cables[1].got.length >= frames.length, STEP_MS, `${frames.length} frames out of port 1`);
    expect(cables[1].got.map((f) => Array.from(f))).toEqual(frames.map((f) => expected(f, ports[1], 1)));
    const final = await finish(fwd);
    expect(final.total).toMatchObject({ rxPackets: frames.length, txPackets: frames.length, rxDropped: 0 });
  });

  it('receives and drops in rxonly mode, and generates from both 82599 ports in txonly mode', async () => {
    const rx = await forwarder('ixgbe', ['--forward-mode=rxonly', '--stats-period=1']);
    for (let i = 0; i < 32; i++) await send(rx.cables[i % 2], testFrame(i, 60));
    await until(() => (rx.fwd.last((l) => l.event === 'stats') as { ports?: { rxPackets: number }[] } | undefined)?.ports?.reduce((n, p) => n + p.rxPackets, 0) === 32, STEP_MS, '32 frames received');
    const rxFinal = await finish(rx.fwd);
    expect(rxFinal.total).toMatchObject({ rxPackets: 32, txPackets: 0 });
    expect(rx.cables.map((c) => c.got.length)).toEqual([0, 0]);

    const tx = await forwarder('ixgbe', ['--forward-mode=txonly']);
    await until(() => tx.cables.every((c) => c.got.length >= 100), STEP_MS, '100 generated frames out of each port');
    const txFinal = await finish(tx.fwd);
    expect(txFinal.total.txPackets).toBeGreaterThanOrEqual(200);
    tx.cables.forEach((c, i) => {
      const f = c.got[0];
      // testpmd's txonly frame: 64 bytes before the FCS, IPv4/UDP from the port's address.
      expect(f.length).toBe(64);
      expect(Array.from(f.subarray(6, 12))).toEqual(Array.from(mac(tx.ports[i].mac)));
      expect((f[12] << 8) | f[13]).toBe(0x0800);
      expect(f[23]).toBe(17);
    });
  });
});
