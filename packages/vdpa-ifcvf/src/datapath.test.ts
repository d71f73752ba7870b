import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventfdRead } from '@nic/native';
import { findVdpaDevice, vdpaResetStats, vdpaStats, vdpaStatsNames, VHOST_F_LOG_ALL, type VdpaDevice } from '@nic/vdpa';
import { ifcvfLayout as L, type IfcvfModel } from '@nic/test-kit/models';
import { IfcvfBench } from './__fixtures__/bench.js';
import { FakeFrontend, GUEST_BASE } from './__fixtures__/frontend.js';
import { IFCVF_LOG_BASE, netIfcvfDriver, netIfcvfVirtioDriver } from './driver.js';

const BDF = '0000:06:00.3';
const VRINGS = 4;
const NEGOTIATED = (1n << 32n) | (1n << 5n);
/** IOMMU_PLATFORM (ACCESS_PLATFORM): the driver sets it whenever the device offers it. */
const IOMMU_PLATFORM = 1n << 33n;
const FRAME = Uint8Array.from({ length: 60 }, (_, i) => i + 1);
let bench: IfcvfBench;
let frontend: FakeFrontend;

beforeEach(() => {
  bench = new IfcvfBench();
  frontend = new FakeFrontend(VRINGS);
  frontend.features = NEGOTIATED;
});

afterEach(async () => {
  await bench.close();
  frontend.close();
});

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await delay(2);
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

async function start(options: Parameters<IfcvfBench['add']>[1] = {}, devargs = 'vdpa=1', driver = netIfcvfDriver): Promise<{ model: IfcvfModel; dev: VdpaDevice }> {
  const model = bench.add(BDF, options);
  await bench.init(['-a', `${BDF},${devargs}`], [driver]);
  const dev = findVdpaDevice(BDF);
  if (!dev) throw new Error('not registered');
  return { model, dev };
}

describe('net_ifcvf dev_conf and dev_close', () => {
  it('maps the memory table, starts every ring at its GPA, and asks for host notifiers', async () => {
    const { model, dev } = await start();
    frontend.bases[1] = { lastAvail: 5, lastUsed: 5 };
    dev.ops.devConf(frontend);
    expect(model.dma.windows).toEqual([{ vaddr: frontend.memory.address, iova: GUEST_BASE, length: 1 << 20 }]);
    expect(model.status).toBe(L.STATUS_ACKNOWLEDGE | L.STATUS_DRIVER | L.STATUS_FEATURES_OK | L.STATUS_DRIVER_OK);
    expect(model.driverFeatures).toBe(NEGOTIATED | IOMMU_PLATFORM);
    expect(model.lmQueueCount).toBe(2);
    for (let q = 0; q < VRINGS; q++) {
      const r = frontend.ring(q);
      expect(model.queue(q)).toMatchObject({ size: 64, msix: q + 1, enable: true, running: true, desc: GUEST_BASE + r.desc, avail: GUEST_BASE + r.avail, used: GUEST_BASE + r.used });
    }
    expect(model.queue(1)).toMatchObject({ lastAvail: 5, lastUsed: 5 });
    expect(model.queue(4)).toMatchObject({ running: false });
    expect(frontend.notifierCalls).toEqual([0, 1, 2, 3].map((q) => [q, true]));
    dev.ops.devClose(frontend);
  });

  it('relays a kick to the doorbell: the frame leaves the device and the call eventfd fires', async () => {
    const { model, dev } = await start();
    dev.ops.devConf(frontend);
    frontend.transmit(1, FRAME);
    await until('the frame', () => model.transmitted.length === 1);
    expect(model.transmitted[0]).toEqual(FRAME);
    expect(model.kicks[1]).toBe(1);
    expect(frontend.usedIdx(1)).toBe(1);
    expect(eventfdRead(frontend.callfds[1])).toBe(1);
    dev.ops.devClose(frontend);
  });

  it('receives into the frontend’s buffer by DMA at its GPA, and signals vector 1 to the rx call eventfd', async () => {
    const { model, dev } = await start();
    const at = frontend.post(0, 2048, true);
    dev.ops.devConf(frontend);
    expect(model.receive(0, FRAME)).toBe(true);
    expect(frontend.u8.subarray(at + 12, at + 12 + FRAME.length)).toEqual(FRAME);
    expect(frontend.usedEntry(0, 0)).toEqual({ id: 0, len: 12 + FRAME.length });
    expect(eventfdRead(frontend.callfds[0])).toBe(1);
    expect(model.dma.faults).toBe(0);
    dev.ops.devClose(frontend);
  });

  it('relays the configuration interrupt to the frontend as a config change', async () => {
    const { model, dev } = await start();
    dev.ops.devConf(frontend);
    model.setLink(false);
    await until('the config change', () => frontend.configChanges === 1);
    dev.ops.devClose(frontend);
  });

  it('dev_close undoes it all: reset, ring bases from the LM ring state, vectors unbound, memory unmapped, relays gone', async () => {
    const { model, dev } = await start();
    dev.ops.devConf(frontend);
    frontend.transmit(1, FRAME);
    await until('the frame', () => model.transmitted.length === 1);
    eventfdRead(frontend.callfds[1]);
    dev.ops.devClose(frontend);
    expect(model.status).toBe(0);
    expect(frontend.bases[1]).toEqual({ lastAvail: 1, lastUsed: 1 });
    expect(frontend.bases[0]).toEqual({ lastAvail: 0, lastUsed: 0 });
    expect(model.dma.windows).toEqual([]);
    const interrupts = [...model.interrupts];
    model.setLink(true);
    frontend.transmit(1, FRAME);
    await delay(20);
    expect(model.kicks[1]).toBe(1);
    expect(frontend.configChanges).toBe(0);
    expect(model.interrupts[0]).toBe(interrupts[0]);
    expect(eventfdRead(frontend.callfds[1])).toBe(0);
    // And it starts again from where it stopped.
    dev.ops.devConf(frontend);
    expect(model.queue(1)).toMatchObject({ lastAvail: 1, lastUsed: 1 });
    await until('the second frame', () => model.transmitted.length === 2);
    dev.ops.devClose(frontend);
  });

  it('a status that never clears: dev_close still undoes everything, then says so; the next dev_conf fails cleanly', async () => {
    const { model, dev } = await start({ stuckStatus: true });
    dev.ops.devConf(frontend);
    expect(() => dev.ops.devClose(frontend)).toThrow(expect.objectContaining({ code: 'NIC_EIO', message: expect.stringMatching(/status still reads 0xf 100 ms after a reset/) }));
    expect(model.dma.windows).toEqual([]);
    frontend.notifierCalls.length = 0;
    expect(() => dev.ops.devConf(frontend)).toThrow(expect.objectContaining({ code: 'NIC_EIO' }));
    expect(model.dma.windows).toEqual([]);
    expect(frontend.notifierCalls).toEqual([]);
    frontend.transmit(1, FRAME);
    await delay(20);
    expect(model.kicks[1]).toBe(0);
  });

  it('refuses features the device does not have (FEATURES_OK does not stick)', async () => {
    const { model, dev } = await start();
    frontend.features = NEGOTIATED & ~(1n << 32n);
    expect(() => dev.ops.devConf(frontend)).toThrow(expect.objectContaining({ code: 'NIC_EIO', message: expect.stringMatching(/did not accept features/) }));
    expect(model.status).toBe(0);
    expect(model.dma.windows).toEqual([]);
  });

  it('rejects a ring outside the memory table', async () => {
    const { dev } = await start();
    const outside = { ...frontend.vring(2), desc: 0x10 };
    const vring = frontend.vring.bind(frontend);
    frontend.vring = (q) => (q === 2 ? outside : vring(q));
    expect(() => dev.ops.devConf(frontend)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL', message: expect.stringMatching(/vring 2 descriptors at 0x10 is in no region/) }));
  });

  it('set_vring_state: a disabled ring stops, its base kept; out of range is NIC_EINVAL', async () => {
    const { model, dev } = await start();
    dev.ops.devConf(frontend);
    expect(() => dev.ops.setVringState(frontend, 4, true)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL', message: expect.stringMatching(/vring 4 is not 0 to 3/) }));
    dev.ops.setVringState(frontend, 3, false);
    expect(model.queue(3)).toMatchObject({ enable: false, running: false });
    expect(model.queue(1)).toMatchObject({ enable: true, running: true });
    expect(frontend.notifierCalls.at(-1)).toEqual([3, false]);
    frontend.transmit(1, FRAME);
    await until('the frame', () => model.transmitted.length === 1);
    dev.ops.devClose(frontend);
  });

  it('a ring disabled at dev_conf resumes where its frontend says once enabled, not where an earlier driver left its LM ring state', async () => {
    const { model, dev } = await start();
    // An earlier session leaves vring 2 at index 7 in the LM block.
    frontend.bases[2] = { lastAvail: 7, lastUsed: 7 };
    dev.ops.devConf(frontend);
    expect(model.queue(2)).toMatchObject({ running: true, lastAvail: 7, lastUsed: 7 });
    dev.ops.devClose(frontend);
    // The next frontend enables its second pair after DRIVER_OK (testpmd's virtio_user with queues=2, after its MQ command).
    const next = new FakeFrontend(VRINGS);
    next.features = NEGOTIATED;
    next.enabled[2] = next.enabled[3] = false;
    try {
      dev.ops.devConf(next);
      expect(model.queue(2).running).toBe(false);
      dev.ops.setVringState(next, 2, true);
      dev.ops.setVringState(next, 3, true);
      expect(model.queue(2)).toMatchObject({ running: true, lastAvail: 0, lastUsed: 0 });
      dev.ops.devClose(next);
      expect(next.bases[2]).toEqual({ lastAvail: 0, lastUsed: 0 });
    } finally {
      next.close();
    }
  });

  it('hardware dirty logging: the log mapped at IFCVF_LOG_BASE, every page the device wrote marked', async () => {
    const { model, dev } = await start();
    const at = frontend.post(0, 2048, true);
    dev.ops.devConf(frontend);
    const log = frontend.shareLog();
    frontend.features = NEGOTIATED | (1n << BigInt(VHOST_F_LOG_ALL));
    dev.ops.setFeatures(frontend);
    expect(model.logging).toBe(true);
    expect(model.dma.windows.map((w) => w.iova)).toContain(IFCVF_LOG_BASE);
    model.receive(0, FRAME);
    const pages = [(GUEST_BASE + at) >> 12, (GUEST_BASE + frontend.ring(0).used) >> 12];
    for (const page of pages) expect(log[page >> 3] & (1 << (page & 7))).not.toBe(0);
    expect(model.loggedPages).toBeGreaterThanOrEqual(pages.length);
    expect(log.reduce((n, b) => n + (b === 0 ? 0 : 1), 0)).toBeLessThanOrEqual(2);
    dev.ops.devClose(frontend);
    expect(model.logging).toBe(false);
    expect(model.dma.windows).toEqual([]);
    expect(frontend.loggedUsed.map(([q]) => q)).toEqual([0, 1, 2, 3]);
  });

  it('on QEMU virtio-net-pci: standard structures only, ring bases from the used index, no LM block touched', async () => {
    const { model, dev } = await start({ layout: 'qemu' }, 'vdpa=1,sw-live-migration=1', netIfcvfVirtioDriver);
    dev.ops.devConf(frontend);
    // QEMU's device fails FEATURES_OK without IOMMU_PLATFORM, which the frontend never negotiates.
    expect(model.status & L.STATUS_DRIVER_OK).toBe(L.STATUS_DRIVER_OK);
    expect(model.driverFeatures).toBe(NEGOTIATED | IOMMU_PLATFORM);
    expect(model.queue(1)).toMatchObject({ running: true, desc: GUEST_BASE + frontend.ring(1).desc });
    frontend.transmit(1, FRAME);
    await until('the frame', () => model.transmitted.length === 1);
    dev.ops.devClose(frontend);
    expect(frontend.bases[1]).toEqual({ lastAvail: 1, lastUsed: 1 });
    expect(model.status).toBe(0);
  });
});

describe('net_ifcvf statistics', () => {
  /** Descriptors received and completed by vring `qid`. */
  const counts = (dev: VdpaDevice, qid: number): bigint[] => vdpaStats(dev, qid).slice(0, 2).map((s) => s.value);
  /** Doorbell writes the notify relay made for vring `qid`. */
  const relayed = (dev: VdpaDevice, qid: number): bigint => vdpaStats(dev, qid)[2].value;

  it('counts the descriptors each ring took and completed, across a stop and a restart, and resets per ring', async () => {
    const { model, dev } = await start();
    expect(vdpaStatsNames(dev)).toEqual(['received_descriptors', 'completed_descriptors', 'relayed_notifications']);
    for (let i = 0; i < 3; i++) frontend.post(0, 2048, true);
    dev.ops.devConf(frontend);
    expect(counts(dev, 0)).toEqual([0n, 0n]);
    for (let i = 0; i < 3; i++) frontend.transmit(1, FRAME);
    await until('three frames', () => model.transmitted.length === 3);
    expect(model.receive(0, FRAME)).toBe(true);
    expect(model.receive(0, FRAME)).toBe(true);
    expect([counts(dev, 0), counts(dev, 1), counts(dev, 3)]).toEqual([[2n, 2n], [3n, 3n], [0n, 0n]]);
    // Three kicks of vring 1, relayed as one to three doorbell writes (kicks that wait together are one); none of the rx vring.
    expect(relayed(dev, 1)).toBeGreaterThanOrEqual(1n);
    expect(relayed(dev, 1)).toBeLessThanOrEqual(3n);
    expect(model.kicks[1]).toBe(Number(relayed(dev, 1)));
    expect(relayed(dev, 0)).toBe(0n);
    vdpaResetStats(dev, 1);
    expect([counts(dev, 0), counts(dev, 1)]).toEqual([[2n, 2n], [0n, 0n]]);
    expect(relayed(dev, 1)).toBe(0n);
    dev.ops.devClose(frontend);
    // Stopped: what the rings did until the stop stays; a restart counts on from the bases.
    expect(model.receive(0, FRAME)).toBe(false);
    expect(counts(dev, 0)).toEqual([2n, 2n]);
    dev.ops.devConf(frontend);
    frontend.transmit(1, FRAME);
    await until('the fourth frame', () => model.transmitted.length === 4);
    expect(model.receive(0, FRAME)).toBe(true);
    expect([counts(dev, 0), counts(dev, 1)]).toEqual([[3n, 3n], [1n, 1n]]);
    dev.ops.devClose(frontend);
    expect(() => vdpaStats(dev, 4)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
  });

  it('on QEMU virtio-net-pci (no LM ring state) counts from the used index', async () => {
    const { model, dev } = await start({ layout: 'qemu' }, 'vdpa=1,sw-live-migration=1', netIfcvfVirtioDriver);
    dev.ops.devConf(frontend);
    frontend.transmit(1, FRAME);
    frontend.transmit(1, FRAME);
    await until('two frames', () => model.transmitted.length === 2);
    expect(counts(dev, 1)).toEqual([2n, 2n]);
    dev.ops.devClose(frontend);
    expect(counts(dev, 1)).toEqual([2n, 2n]);
  });
});
