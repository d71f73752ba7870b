/**
 * Peer tier: DPDK's testpmd with net_virtio_user as the frontend of a vhost-user socket that a
 * modelled IFC VF is attached to. The frontend negotiates with the device's features, the
 * device runs the frontend's rings: testpmd's txonly frames leave the model's tx queue,
 * moved by DMA with kicks relayed to the doorbell, and testpmd's count is the model's; frames
 * from the model's wire reach testpmd's rx ring, and in io mode come back out of the device.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { until } from '@nic/native/testing';
import { attachVdpaDevice, findVdpaDevice, type VdpaSocket } from '@nic/vdpa';
import { Testpmd, TESTPMD_MISSING, TESTPMD_TEST_MS } from '@nic/vhost/testing';
import type { IfcvfModel } from '@nic/test-kit/models';
import { IfcvfBench } from './__fixtures__/bench.js';
import { netIfcvfDriver } from './driver.js';

const BDF = '0000:06:00.3';
/** virtio-net's multiqueue feature (bit 22). */
const VIRTIO_NET_F_MQ = 1n << 22n;
let bench: IfcvfBench;
let attached: VdpaSocket | undefined;
let testpmd: Testpmd | undefined;

beforeEach(() => {
  bench = new IfcvfBench();
});

afterEach(async () => {
  await testpmd?.quit();
  testpmd = undefined;
  attached?.close();
  attached = undefined;
  await bench.close();
});

function stat(text: string, name: string): number {
  const m = [...text.matchAll(new RegExp(`${name}:\\s+(\\d+)`, 'g'))];
  if (m.length === 0) throw new Error(`no ${name} in:\n${text}`);
  return Number(m[m.length - 1][1]);
}

/** A function of `pairs` queue pairs, attached to a socket that testpmd (as many queue pairs) drives once configured. */
async function serve(tag: string, pairs: number): Promise<{ model: IfcvfModel; pmd: Testpmd }> {
  const model = bench.add(BDF, { queues: pairs });
  await bench.init(['-a', `${BDF},vdpa=1`], [netIfcvfDriver]);
  const dev = findVdpaDevice(BDF);
  if (!dev) throw new Error('not registered');
  const errors: unknown[] = [];
  const path = `/tmp/nic-vdpa-${tag}-${process.pid}.sock`;
  attached = attachVdpaDevice(path, dev, { onError: (e) => errors.push(e) });
  const pmd = new Testpmd(path, `nic-vdpa-${tag}-${process.pid}`, ',packed_vq=0', [], pairs);
  testpmd = pmd;
  await pmd.ready();
  await until('the device to be configured', () => attached?.configured === true || errors.length > 0, 10000);
  expect(errors).toEqual([]);
  return { model, pmd };
}

/** A broadcast frame of 64 bytes carrying `n` (32 bits) after the Ethernet header. */
function numbered(n: number): Uint8Array {
  const frame = Uint8Array.from({ length: 64 }, (_, i) => (i < 12 ? 0xff : i));
  new DataView(frame.buffer).setUint32(14, n);
  return frame;
}

/**
 * Hands `count` numbered frames (from `first`) to `deliver` (the model taking them into an rx
 * queue), `batch` at a time, each batch only once every frame before it came back out of the
 * device (so testpmd's rx ring always has room); returns the frames the model sent, in order.
 */
async function bounce(model: IfcvfModel, deliver: (frame: Uint8Array) => boolean, count: number, batch: number, first = 0): Promise<Uint8Array[]> {
  const sent: Uint8Array[] = [];
  const off = model.onTransmit((f) => sent.push(f));
  try {
    for (let n = 0; n < count; n += batch) {
      for (let i = n; i < Math.min(count, n + batch); i++) expect(deliver(numbered(first + i))).toBe(true);
      await until(`frames up to ${Math.min(count, n + batch)} back out`, () => sent.length >= Math.min(count, n + batch), 20000);
    }
  } finally {
    off();
  }
  return sent;
}

describe.skipIf(TESTPMD_MISSING)('a vDPA device on a vhost-user socket, testpmd net_virtio_user as the frontend', () => {
  it('negotiates with the device, configures it on DRIVER_OK, and sends every txonly frame through it', async () => {
    const model = bench.add(BDF, { queues: 1 });
    await bench.init(['-a', `${BDF},vdpa=1`], [netIfcvfDriver]);
    const dev = findVdpaDevice(BDF);
    if (!dev) throw new Error('not registered');
    const errors: unknown[] = [];
    const path = `/tmp/nic-vdpa-${process.pid}.sock`;
    attached = attachVdpaDevice(path, dev, { onError: (e) => errors.push(e) });
    testpmd = new Testpmd(path, `nic-vdpa-${process.pid}`, ',packed_vq=0');
    await testpmd.ready();
    await until('the device to be configured', () => attached?.configured === true || errors.length > 0, 10000);
    expect(errors).toEqual([]);
    expect(model.status & 0x4).toBe(0x4);
    expect(model.driverFeatures & ~model.deviceFeatures).toBe(0n);
    await testpmd.command('set fwd txonly');
    await testpmd.command('set txpkts 64');
    await testpmd.command('start');
    await until('frames through the device', () => model.transmitted.length >= 2000, 20000);
    const stopped = await testpmd.command('stop');
    const sent = stat(stopped, 'TX-packets');
    await until('the last frames', () => model.transmitted.length >= sent, 10000);
    expect(model.transmitted.length).toBe(sent);
    expect(model.transmitted.every((f) => f.length === 64)).toBe(true);
    expect(model.dma.faults).toBe(0);
    expect(model.kicks[1]).toBeGreaterThan(0);
  }, 60000);

  it('receives frames into testpmd’s rx ring by DMA, counted exactly by rxonly; a closed socket stops the device', async () => {
    const model = bench.add(BDF, { queues: 1 });
    await bench.init(['-a', `${BDF},vdpa=1`], [netIfcvfDriver]);
    const dev = findVdpaDevice(BDF);
    if (!dev) throw new Error('not registered');
    const path = `/tmp/nic-vdpa-rx-${process.pid}.sock`;
    attached = attachVdpaDevice(path, dev);
    testpmd = new Testpmd(path, `nic-vdpa-rx-${process.pid}`, ',packed_vq=0');
    await testpmd.ready();
    await until('the device to be configured', () => attached?.configured === true, 10000);
    await testpmd.command('set fwd rxonly');
    await testpmd.command('start');
    const frame = Uint8Array.from({ length: 64 }, (_, i) => (i < 12 ? 0xff : i));
    let delivered = 0;
    for (let i = 0; i < 100; i++) if (model.receive(0, frame)) delivered++;
    expect(delivered).toBe(100);
    for (let i = 0; i < 100 && stat(await testpmd.command('show port stats 0'), 'RX-packets') < 100; i++);
    const stopped = await testpmd.command('stop');
    expect(stat(stopped, 'RX-packets')).toBe(100);
    expect(model.dma.faults).toBe(0);
    attached.close();
    attached = undefined;
    expect(model.status).toBe(0);
    expect(model.dma.windows).toEqual([]);
  }, 60000);

  it('forwards in io mode: every frame from the model’s wire goes through testpmd’s rx ring and back out of the device, counted exactly on both sides', async () => {
    const { model, pmd } = await serve('io', 1);
    await pmd.command('set fwd io');
    await pmd.command('start');
    const count = 2000;
    const sent = await bounce(model, (f) => model.receiveFrame(f) === 'received', count, 64);
    const stopped = await pmd.command('stop');
    expect(stat(stopped, 'RX-packets')).toBe(count);
    expect(stat(stopped, 'TX-packets')).toBe(count);
    expect(stat(stopped, 'RX-dropped')).toBe(0);
    expect(stat(stopped, 'TX-dropped')).toBe(0);
    expect(sent).toEqual(Array.from({ length: count }, (_, i) => numbered(i)));
    expect(model.transmitted.length).toBe(count);
    expect(model.rxDropped).toBe(0);
    expect(model.dma.faults).toBe(0);
  }, TESTPMD_TEST_MS);

  it('runs two queue pairs (MQ negotiated): in io mode each rx queue’s frames come back out of its own tx queue', async () => {
    const { model, pmd } = await serve('mq', 2);
    expect(model.driverFeatures & VIRTIO_NET_F_MQ).toBe(VIRTIO_NET_F_MQ);
    await pmd.command('set fwd io');
    await pmd.command('start');
    // virtio_user answers testpmd's MQ command on its own control queue, which the device never runs.
    await until('both pairs running', () => [0, 1, 2, 3].every((q) => model.queue(q).running), 10000);
    expect(model.queue(4).running).toBe(false);
    const count = 500;
    // Vrings 0 and 2 are rx queues 0 and 1; vrings 1 and 3 their tx queues.
    const txUsed = (): number[] => [model.queue(1).lastUsed, model.queue(3).lastUsed];
    const before = txUsed();
    const first = await bounce(model, (f) => model.receive(0, f), count, 64);
    expect(txUsed()).toEqual([before[0] + count, before[1]]);
    const second = await bounce(model, (f) => model.receive(2, f), count, 64, count);
    expect(txUsed()).toEqual([before[0] + count, before[1] + count]);
    const stopped = await pmd.command('stop');
    expect(stat(stopped, 'RX-packets')).toBe(2 * count);
    expect(stat(stopped, 'TX-packets')).toBe(2 * count);
    expect([...first, ...second]).toEqual(Array.from({ length: 2 * count }, (_, i) => numbered(i)));
    expect(model.dma.faults).toBe(0);
  }, TESTPMD_TEST_MS);
});
