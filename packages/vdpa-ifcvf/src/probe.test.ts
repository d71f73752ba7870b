import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pci } from '@nic/pci/driver';
import { findVdpaDevice, featureMask, VHOST_F_LOG_ALL, VHOST_USER_F_PROTOCOL_FEATURES, VHOST_USER_PROTOCOL_F_CONFIG, vdpaDeviceType, vdpaFeatures, vdpaProtocolFeatures, vdpaQueueNum } from '@nic/vdpa';
import { ifcvfLayout as L } from '@nic/test-kit/models';
import { IfcvfBench } from './__fixtures__/bench.js';
import { IFCVF_ID_TABLE, NET_IFCVF, netIfcvfDriver, netIfcvfVirtioDriver } from './driver.js';

const BDF = '0000:06:00.3';
let bench: IfcvfBench;

beforeEach(() => {
  bench = new IfcvfBench();
});

afterEach(async () => {
  await bench.close();
});

const bit = (n: number): bigint => 1n << BigInt(n);

describe('net_ifcvf probe', () => {
  it('keeps its manifest equal to its id table', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { nic: { drivers: { name: string; pciIds: string[] }[] } };
    const hex = (v: number): string => v.toString(16).padStart(4, '0');
    expect(manifest.nic.drivers).toEqual([{ name: NET_IFCVF, pciIds: IFCVF_ID_TABLE.map((e) => [e.vendorId, e.deviceId, e.subsystemVendorId, e.subsystemDeviceId].map(hex).join(':')) }]);
  });

  it.each([
    ['no devargs', ['-a', BDF]],
    ['vdpa=0', ['-a', `${BDF},vdpa=0`]],
  ])('leaves the function to others with %s (not mine)', async (_what, args) => {
    bench.add(BDF);
    const eal = await bench.init(args, [netIfcvfDriver]);
    expect(eal.probeResults()).toEqual([expect.objectContaining({ device: BDF, outcome: 'unclaimed' })]);
    expect(findVdpaDevice(BDF)).toBeUndefined();
  });

  it.each([
    [`${BDF},vdpa=2`, /devargs vdpa=2 must be 0 or 1/],
    [`${BDF},vdpa=1,speed=9`, /devargs "vdpa=1,speed=9"/],
    [`${BDF},vdpa=1,vdpa=1`, /devargs vdpa given 2 times/],
    [`${BDF},vdpa=1,sw-live-migration=yes`, /sw-live-migration=yes must be 0 or 1/],
  ])('fails on malformed devargs %s', async (devargs, message) => {
    bench.add(BDF);
    const eal = await bench.init(['-a', devargs], [netIfcvfDriver]);
    const [result] = eal.probeResults();
    expect(result).toMatchObject({ outcome: 'failed', error: { code: 'NIC_EINVAL' } });
    expect(result.error?.message).toMatch(message);
  });

  it('registers an IFC net function: queues, features and protocol features as DPDK advertises them', async () => {
    const model = bench.add(BDF, { queues: 2 });
    const eal = await bench.init(['-a', `${BDF},vdpa=1`], [netIfcvfDriver]);
    expect(eal.probeResults()).toEqual([expect.objectContaining({ device: BDF, driver: NET_IFCVF, outcome: 'probed' })]);
    const dev = findVdpaDevice(BDF);
    expect(dev).toBeDefined();
    if (!dev) return;
    expect(vdpaQueueNum(dev)).toBe(2);
    expect(vdpaDeviceType(dev)).toBe('net');
    const expected = (model.deviceFeatures & ~bit(L.VIRTIO_F_ACCESS_PLATFORM)) | bit(21) | bit(17) | bit(16) | bit(VHOST_USER_F_PROTOCOL_FEATURES) | bit(VHOST_F_LOG_ALL);
    expect(vdpaFeatures(dev)).toBe(expected);
    expect(vdpaProtocolFeatures(dev)).toBe(featureMask(3, 5, 10, 11, 1, 0, 16));
    // The function sits in a container of its own: the bus's arena windows do not reach it.
    expect(model.dma.windows).toEqual([]);
    expect(pci(eal).device(BDF)?.dmaContainer).toBeDefined();
    await eal.cleanup();
    expect(findVdpaDevice(BDF)).toBeUndefined();
  });

  it('keeps the private container apart: windows the bus maps reach other functions, not a vDPA one, until it is removed', async () => {
    const vdpa = bench.add(BDF);
    const other = bench.add('0000:06:00.4');
    const eal = await bench.init(['-a', `${BDF},vdpa=1`, '-a', '0000:06:00.4'], [netIfcvfDriver]);
    const window = { vaddr: 0x7f0000000000, iova: 0x200000, length: 0x1000 };
    pci(eal).dmaMap(window.vaddr, window.iova, window.length);
    expect(other.dma.windows).toEqual([window]);
    expect(vdpa.dma.windows).toEqual([]);
    await pci(eal).detach(BDF);
    expect(vdpa.dma.windows).toEqual([window]);
  });

  it('serves a blk function: its queues from the device config, CONFIG in the protocol features', async () => {
    bench.add(BDF, { type: 'blk', queues: 3 });
    await bench.init(['-a', `${BDF},vdpa=1`], [netIfcvfDriver]);
    const dev = findVdpaDevice(BDF);
    expect(dev && [vdpaQueueNum(dev), vdpaDeviceType(dev)]).toEqual([3, 'blk']);
    expect(dev && vdpaProtocolFeatures(dev) & bit(VHOST_USER_PROTOCOL_F_CONFIG)).toBe(bit(VHOST_USER_PROTOCOL_F_CONFIG));
  });

  it.each(['common', 'notify', 'isr', 'device'] as const)('refuses a %s capability that runs past its BAR', async (cap) => {
    bench.add(BDF, { capPastBar: cap });
    const eal = await bench.init(['-a', `${BDF},vdpa=1`], [netIfcvfDriver]);
    const [result] = eal.probeResults();
    expect(result).toMatchObject({ outcome: 'failed', error: { code: 'NIC_EINVAL' } });
    expect(result.error?.message).toMatch(new RegExp(`^${BDF}: the virtio .* structure .* runs past BAR 0 \\(0x4000 bytes\\)`));
    expect(findVdpaDevice(BDF)).toBeUndefined();
    expect(pci(eal).device(BDF)?.dmaContainer).toBeUndefined();
  });

  it('refuses a function with zero queues', async () => {
    bench.add(BDF, { zeroQueues: true });
    const eal = await bench.init(['-a', `${BDF},vdpa=1`], [netIfcvfDriver]);
    expect(eal.probeResults()[0].error?.message).toBe(`${BDF}: the device has 0 virtqueues, too few for one queue pair and the control queue`);
  });

  it('does not match QEMU virtio-net-pci without the opt-in driver', async () => {
    bench.add(BDF, { layout: 'qemu' });
    const eal = await bench.init(['-a', `${BDF},vdpa=1`], [netIfcvfDriver]);
    expect(eal.probeResults()).toEqual([]);
    expect(findVdpaDevice(BDF)).toBeUndefined();
  });

  it('takes QEMU virtio-net-pci through the opt-in driver, only with software migration, never writing BAR4 as the LM block', async () => {
    const model = bench.add(BDF, { layout: 'qemu' });
    const refused = await bench.init(['-a', `${BDF},vdpa=1`], [netIfcvfVirtioDriver]);
    expect(refused.probeResults()[0].error?.message).toMatch(/no IFC live-migration block; give sw-live-migration=1/);
    await refused.cleanup();
    const eal = await bench.init(['-a', `${BDF},vdpa=1,sw-live-migration=1`], [netIfcvfVirtioDriver]);
    expect(eal.probeResults()[0].outcome).toBe('probed');
    expect(model.resets).toBe(0);
    expect(model.status).toBe(0);
  });

  it('takes QEMU virtio-blk-pci (1af4:1042, subsystem 1af4:1100) only through the opt-in driver, as a blk device with its queues and config', async () => {
    const model = bench.add(BDF, { layout: 'qemu', type: 'blk', queues: 2, capacity: 96n });
    const plain = await bench.init(['-a', `${BDF},vdpa=1,sw-live-migration=1`], [netIfcvfDriver]);
    expect(plain.probeResults()).toEqual([]);
    await plain.cleanup();
    const eal = await bench.init(['-a', `${BDF},vdpa=1,sw-live-migration=1`], [netIfcvfVirtioDriver]);
    expect(eal.probeResults()[0].outcome).toBe('probed');
    const dev = findVdpaDevice(BDF);
    expect(dev && [vdpaQueueNum(dev), vdpaDeviceType(dev)]).toEqual([2, 'blk']);
    const config = dev?.ops.getConfig?.(undefined as never, 64);
    expect(config && new DataView(config.buffer, config.byteOffset).getBigUint64(0, true)).toBe(96n);
    expect(model.resets).toBe(0);
    expect(model.lmWrites).toBe(0);
  });
});
