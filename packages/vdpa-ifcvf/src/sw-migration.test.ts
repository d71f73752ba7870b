/**
 * Software-assisted live migration (`sw-live-migration=1`) through a vhost-user socket, with
 * the dirty-log oracle of @nic/vhost: a frontend written in the test suite (SET_LOG_BASE,
 * LOG_ALL, VRING_F_LOG, as QEMU at migration start) snapshots its memory, the modelled VF
 * moves traffic both ways while the driver relays its mediated used rings, the device stops,
 * and every page of the frontend's memory that changed must be marked in the log. Negative
 * controls show the oracle can fail: without LOG_ALL pages change and none is logged; and
 * before the device stops, the used ring it wrote directly is changed and not yet logged.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventfdRead } from '@nic/native';
import { until } from '@nic/native/testing';
import { attachVdpaDevice, findVdpaDevice, VHOST_F_LOG_ALL, type VdpaSocket } from '@nic/vdpa';
import { VhostTestFrontend } from '@nic/vhost/testing';
import type { IfcvfModel } from '@nic/test-kit/models';
import { IfcvfBench } from './__fixtures__/bench.js';
import { FakeFrontend, GUEST_BASE } from './__fixtures__/frontend.js';
import { IFCVF_MEDIATED_VRING, netIfcvfDriver, netIfcvfVirtioDriver, type IfcvfVdpa } from './driver.js';

const BDF = '0000:06:00.5';
const RX_FRAMES = 100;
const TX_FRAMES = 50;
/** Region page of vring 1's used ring in the test frontend's layout (0x4000 + 0x2000). */
const TX_USED_PAGE = 6;
let bench: IfcvfBench;
let attached: VdpaSocket | undefined;
let frontend: VhostTestFrontend | undefined;
let serial = 0;

beforeEach(() => {
  bench = new IfcvfBench();
});

afterEach(async () => {
  attached?.close();
  frontend?.close();
  attached = frontend = undefined;
  await bench.close();
});

async function served(): Promise<{ model: IfcvfModel; f: VhostTestFrontend; errors: unknown[] }> {
  const model = bench.add(BDF, { queues: 1 });
  await bench.init(['-a', `${BDF},vdpa=1,sw-live-migration=1`], [netIfcvfDriver]);
  const dev = findVdpaDevice(BDF);
  if (!dev) throw new Error('not registered');
  const errors: unknown[] = [];
  const path = `/tmp/nic-vdpa-swlm-${process.pid}-${serial++}.sock`;
  attached = attachVdpaDevice(path, dev, { onError: (e) => errors.push(e) });
  frontend = await VhostTestFrontend.connect(path, 1, true, true);
  const a = attached;
  await until('the device to be configured', () => a.configured || errors.length > 0);
  expect(errors).toEqual([]);
  return { model, f: frontend, errors };
}

function frames(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => new Uint8Array(60 + (i % 5) * 300).fill(i + 1));
}

/** The device's share: the posted tx frames sent (after a kick), `RX_FRAMES` frames received. */
async function traffic(model: IfcvfModel, f: VhostTestFrontend): Promise<void> {
  f.kick(1);
  for (let i = 0; i < RX_FRAMES; i++) expect(model.receive(0, Uint8Array.from({ length: 64 + i * 13 }, (_, k) => (k + i) & 0xff))).toBe(true);
  await until('the device’s used entries in the frontend’s rings', () => f.usedIdx(0) === RX_FRAMES && f.usedIdx(1) === TX_FRAMES);
  expect(model.transmitted.length).toBe(TX_FRAMES);
}

describe('software-assisted live migration (sw-live-migration=1), the dirty-log oracle', () => {
  it('relays the mediated used rings, and every page the device wrote is in the log once it stops', async () => {
    const { model, f } = await served();
    const ifc = findVdpaDevice(BDF)?.ops as IfcvfVdpa;
    await f.startLogging();
    expect(ifc.relaying).toBe(true);
    // The frontend kept its rings: the library set no USED_F_NO_NOTIFY when they were set up again.
    expect([f.usedFlags(0), f.usedFlags(1)]).toEqual([0, 0]);
    // rx's used ring is the driver's, tx's stays the frontend's (the device reads tx buffers only).
    expect(model.queue(0).used).toBeGreaterThanOrEqual(0x200000000000);
    expect(model.queue(1).used).toBeLessThan(0x200000000000);
    expect(f.send(0, frames(TX_FRAMES))).toBe(TX_FRAMES);
    const before = f.snapshot();
    await traffic(model, f);
    const changed = f.changedPages(before);
    expect(changed.length).toBeGreaterThan(RX_FRAMES / 4);
    // Negative control: the tx used ring, written by the device directly, is logged only at the stop.
    expect(changed).toContain(TX_USED_PAGE);
    expect(f.logged(TX_USED_PAGE)).toBe(false);
    attached?.close();
    attached = undefined;
    expect(changed.filter((p) => !f.logged(p))).toEqual([]);
    expect(model.status).toBe(0);
    expect(model.dma.windows).toEqual([]);
    expect(model.dma.faults).toBe(0);
    expect(ifc.relayFault).toBeUndefined();
  });

  it('stopped as QEMU stops it (GET_VRING_BASE): the indices handed back are where the device stopped, and the log is whole', async () => {
    const { model, f } = await served();
    await f.startLogging();
    expect(f.send(0, frames(TX_FRAMES))).toBe(TX_FRAMES);
    const before = f.snapshot();
    await traffic(model, f);
    expect([await f.getVringBase(0), await f.getVringBase(1)]).toEqual([RX_FRAMES, TX_FRAMES]);
    expect(attached?.configured).toBe(false);
    expect(model.status).toBe(0);
    const changed = f.changedPages(before);
    expect(changed).toContain(TX_USED_PAGE);
    expect(changed.filter((p) => !f.logged(p))).toEqual([]);
  });

  it('negative control: without LOG_ALL the same traffic changes pages and logs none', async () => {
    const { model, f } = await served();
    expect(f.send(0, frames(TX_FRAMES))).toBe(TX_FRAMES);
    const before = f.snapshot();
    await traffic(model, f);
    attached?.close();
    attached = undefined;
    expect(f.changedPages(before).length).toBeGreaterThan(RX_FRAMES / 4);
    expect(f.loggedPages()).toEqual([]);
  });
});

describe('hardware dirty logging through a vhost-user socket (no sw-live-migration)', () => {
  it('the LM block logs what the device wrote into a log of QEMU’s size (not whole pages: the DMA window is rounded up); GET_VRING_BASE hands back the ring state', async () => {
    const model = bench.add(BDF, { queues: 1 });
    await bench.init(['-a', `${BDF},vdpa=1`], [netIfcvfDriver]);
    const dev = findVdpaDevice(BDF);
    if (!dev) throw new Error('not registered');
    const errors: unknown[] = [];
    const path = `/tmp/nic-vdpa-hwlog-${process.pid}-${serial++}.sock`;
    attached = attachVdpaDevice(path, dev, { onError: (e) => errors.push(e) });
    const f = (frontend = await VhostTestFrontend.connect(path, 1, true, true));
    const a = attached;
    await until('the device to be configured', () => a.configured || errors.length > 0);
    await f.startLogging();
    expect(errors).toEqual([]);
    expect(model.logging).toBe(true);
    expect(f.send(0, frames(TX_FRAMES))).toBe(TX_FRAMES);
    const before = f.snapshot();
    await traffic(model, f);
    const changed = f.changedPages(before);
    // The model logs every page it writes, its used rings too (the driver logs them again on stop).
    expect(changed).toContain(TX_USED_PAGE);
    expect(changed.filter((p) => !f.logged(p))).toEqual([]);
    expect([await f.getVringBase(0), await f.getVringBase(1)]).toEqual([RX_FRAMES, TX_FRAMES]);
    expect(model.logging).toBe(false);
    expect(changed.filter((p) => !f.logged(p))).toEqual([]);
    expect(model.dma.windows).toEqual([]);
  });
});

describe('the software switch-over on its own (a frontend as the vhost library leaves it)', () => {
  const VRINGS = 4;
  const NEGOTIATED = (1n << 32n) | (1n << 5n);
  const LOGGING = NEGOTIATED | (1n << BigInt(VHOST_F_LOG_ALL));
  const FRAME = Uint8Array.from({ length: 60 }, (_, i) => i + 1);
  let fake: FakeFrontend;

  beforeEach(() => {
    fake = new FakeFrontend(VRINGS);
    fake.features = NEGOTIATED;
  });
  afterEach(() => {
    // A test that failed half-way leaves the device on the fake's memory: let go first.
    try {
      (findVdpaDevice(BDF)?.ops as IfcvfVdpa | undefined)?.shutdown();
    } finally {
      fake.close();
    }
  });

  async function vf(layout: 'ifcvf' | 'qemu'): Promise<{ model: IfcvfModel; ifc: IfcvfVdpa }> {
    const model = bench.add(BDF, { layout });
    await bench.init(['-a', `${BDF},vdpa=1,sw-live-migration=1`], [layout === 'qemu' ? netIfcvfVirtioDriver : netIfcvfDriver]);
    return { model, ifc: findVdpaDevice(BDF)?.ops as IfcvfVdpa };
  }

  function logged(log: Uint8Array, at: number): boolean {
    const page = (GUEST_BASE + at) >> 12;
    return (log[page >> 3] & (1 << (page & 7))) !== 0;
  }

  it('relays rx through the mediated ring with the buffer logged, and switches back when LOG_ALL goes, resuming from the LM ring state', async () => {
    const { model, ifc } = await vf('ifcvf');
    fake.post(0, 2048, true);
    const second = fake.post(0, 2048, true);
    ifc.devConf(fake);
    expect(model.receive(0, FRAME)).toBe(true);
    const log = fake.shareLog();
    fake.features = LOGGING;
    ifc.setFeatures(fake);
    expect(ifc.relaying).toBe(true);
    expect(model.logging).toBe(false);
    expect(model.queue(0)).toMatchObject({ used: IFCVF_MEDIATED_VRING, lastAvail: 1, lastUsed: 1 });
    expect(fake.notifierCalls.slice(-2)).toEqual([['all', false], ['all', true]]);
    eventfdRead(fake.callfds[0]);
    expect(model.receive(0, FRAME)).toBe(true);
    expect(fake.usedIdx(0)).toBe(1);
    await until('the relayed entry', () => fake.usedIdx(0) === 2);
    expect(fake.usedEntry(0, 1)).toEqual({ id: 1, len: 12 + FRAME.length });
    expect(eventfdRead(fake.callfds[0])).toBeGreaterThan(0);
    expect(logged(log, second)).toBe(true);
    expect(fake.loggedUsed.some(([q]) => q === 0)).toBe(true);
    // Migration cancelled: the device writes the frontend's used ring again, from where it was.
    fake.features = NEGOTIATED;
    ifc.setFeatures(fake);
    expect(ifc.relaying).toBe(false);
    expect(model.queue(0)).toMatchObject({ used: GUEST_BASE + fake.ring(0).used, lastAvail: 2, lastUsed: 2 });
    expect(model.dma.windows.map((w) => w.iova)).toEqual([GUEST_BASE]);
    const third = fake.post(0, 2048, true);
    expect(model.receive(0, FRAME)).toBe(true);
    expect(fake.usedIdx(0)).toBe(3);
    expect(fake.u8.subarray(third + 12, third + 12 + FRAME.length)).toEqual(FRAME);
    ifc.devClose(fake);
    expect(fake.bases[0]).toEqual({ lastAvail: 3, lastUsed: 3 });
  });

  it('on QEMU’s layout (no ring state): relays when migration starts on fresh rings; resuming a used ring elsewhere than 0 is NIC_ENOTSUP', async () => {
    const { model, ifc } = await vf('qemu');
    const first = fake.post(0, 2048, true);
    ifc.devConf(fake);
    const log = fake.shareLog();
    fake.features = LOGGING;
    ifc.setFeatures(fake);
    expect(model.queue(0).used).toBe(IFCVF_MEDIATED_VRING);
    expect(model.receive(0, FRAME)).toBe(true);
    await until('the relayed entry', () => fake.usedIdx(0) === 1);
    expect(logged(log, first)).toBe(true);
    fake.features = NEGOTIATED;
    expect(() => ifc.setFeatures(fake)).toThrow(expect.objectContaining({ code: 'NIC_ENOTSUP', message: expect.stringMatching(/vring 0 would resume at index 1; without the IFC live-migration block/) }));
    expect(ifc.running).toBe(false);
    expect(model.dma.windows.map((w) => w.iova)).toEqual([GUEST_BASE]);
    ifc.devClose(fake);
    expect(model.dma.windows).toEqual([]);
    expect(fake.bases[0]).toEqual({ lastAvail: 1, lastUsed: 1 });
  });

  it('a chain the frontend turned into a loop after the device used it: the relay stops with NIC_EIO recorded, and dev_close still undoes everything', async () => {
    const { model, ifc } = await vf('qemu');
    fake.post(0, 2048, true);
    ifc.devConf(fake);
    fake.shareLog();
    fake.features = LOGGING;
    ifc.setFeatures(fake);
    expect(model.receive(0, FRAME)).toBe(true);
    // Before the relay runs: descriptor 0 now chains to itself.
    const d = fake.ring(0).desc;
    fake.view.setUint16(d + 12, 1 | 2, true);
    fake.view.setUint16(d + 14, 0, true);
    await until('the relay to give up', () => ifc.relayFault !== undefined);
    expect(ifc.relayFault).toMatchObject({ code: 'NIC_EIO', message: expect.stringMatching(/vring 0: the used chain from descriptor 0 has a loop/) });
    expect(fake.usedIdx(0)).toBe(0);
    ifc.devClose(fake);
    expect(model.status).toBe(0);
    expect(model.dma.windows).toEqual([]);
  });
});
