import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { init, lcoresOnCpus, NicError, processCpus, setLogSink, type Eal, type LogRecord, type ProbeResult } from '@nic/eal';
import { ensureFreeHugepages, restoreHugepagePools } from '@nic/native/testing';
import { pci, PCI_BUS_NAME } from './index.js';
import type { PciDevice } from './device.js';
import { PCI_DRV_KEEP_MAPPED_RES, PCI_DRV_NEED_MAPPING, PCI_DRV_PROBE_AGAIN, PCI_DRV_WC_ACTIVATE, type PciDriver, type PciProbeReturn } from './driver-api.js';
import { pciDevice } from './id-table.js';
import { pciPmd } from './pmd.js';
import { PCI_COMMAND, PCI_COMMAND_MASTER } from './regs.js';
import { NIC_DEV_ROOT_ENV, SYSFS_PCI_DEVICES_ENV } from './sysfs.js';
import { addDpdkTestDevices, FakeSysfs, ioBar, memBar } from './testing/fake-sysfs.js';

let fake: FakeSysfs;
const live: Eal[] = [];
let seq = 0;
const savedEnv = { sysfs: process.env[SYSFS_PCI_DEVICES_ENV], dev: process.env[NIC_DEV_ROOT_ENV] };

beforeEach(() => {
  fake = new FakeSysfs();
  process.env[SYSFS_PCI_DEVICES_ENV] = fake.devicesPath;
  process.env[NIC_DEV_ROOT_ENV] = fake.devRoot;
});

afterEach(async () => {
  for (const eal of live.splice(0)) await eal.cleanup();
  fake.remove();
  restore(SYSFS_PCI_DEVICES_ENV, savedEnv.sysfs);
  restore(NIC_DEV_ROOT_ENV, savedEnv.dev);
});

afterAll(restoreHugepagePools);

function restore(key: string, value: string | undefined): void {
  if (value === undefined) delete process.env[key];
  else process.env[key] = value;
}

/** Free 2 MiB pages an instance with hugepages takes (`-m 8`). */
const HUGE_PAGES = 4;

/** Starts an instance of 8 MiB; `'huge'` (UIO devices need physical addresses) first makes sure its pages are free. */
async function start(args: string[], drivers: PciDriver[] = [], memory: 'no-huge' | 'huge' = 'no-huge'): Promise<Eal> {
  if (memory === 'huge') expect(ensureFreeHugepages(HUGE_PAGES), `needs ${HUGE_PAGES} free 2 MiB hugepages, or root to reserve them`).toBe(true);
  const mem = memory === 'huge' ? [] : ['--no-huge'];
  const { eal } = await init([...mem, '-m', '8', '-l', lcoresOnCpus(1, processCpus()), '--file-prefix', `pci-test-${process.pid}-${seq++}`, ...args], {
    drivers: drivers.map(pciPmd),
  });
  live.push(eal);
  return eal;
}

/** A driver that records what it probes and answers with `answer`. */
function testDriver(name: string, ids: [number, number][], answer: (dev: PciDevice) => PciProbeReturn = () => 0, flags = 0) {
  const probed: string[] = [];
  const removed: string[] = [];
  const driver: PciDriver = {
    name,
    idTable: ids.map(([v, d]) => pciDevice(v, d)),
    flags,
    probe(dev) {
      probed.push(dev.name);
      return answer(dev);
    },
    remove(dev) {
      removed.push(dev.name);
    },
  };
  return { driver, probed, removed };
}

function outcomes(results: readonly ProbeResult[]) {
  return results.map((r) => `${r.device} ${r.driver ?? '-'} ${r.outcome}`);
}

async function rejection(p: Promise<unknown>): Promise<NicError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(NicError);
    return e as NicError;
  }
  throw new Error('expected a rejection');
}

describe('test_pci, ported', () => {
  it('scans three devices, probes all three with two drivers, none when all are blocked', async () => {
    addDpdkTestDevices(fake);
    const my = testDriver('my_driver', [[0x0001, 0x1234]]);
    const my2 = testDriver('my_driver2', [[0x0001, 0x4444], [0x0002, 0xabcd]]);
    const eal = await start([], [my.driver, my2.driver]);
    const bus = pci(eal);
    expect(bus.devices()).toHaveLength(3);
    expect(bus.drivers()).toEqual(['my_driver', 'my_driver2']);
    expect(outcomes(eal.probeResults())).toEqual([
      '0000:01:00.0 my_driver probed',
      '0000:01:02.0 my_driver2 probed',
      '0000:02:1b.0 my_driver2 probed',
    ]);
    await eal.cleanup();

    const blocked = await start(['-b', '0000:01:00.0', '-b', '0000:01:02.0', '-b', '0000:02:1b.0'], [my.driver, my2.driver]);
    expect(blocked.probeResults()).toEqual([]);
    expect(pci(blocked).devices().map((d) => d.state)).toEqual(['ignored', 'ignored', 'ignored']);
    expect(my.probed).toHaveLength(1);
  });
});

describe('allow and block lists', () => {
  beforeEach(() => addDpdkTestDevices(fake));

  it('probes only allowed devices and hands them their devargs', async () => {
    const seen: string[] = [];
    const any = testDriver('any', [[0x0001, 0x1234], [0x0002, 0xabcd], [0x0001, 0x4444]], (dev) => {
      seen.push(`${dev.name} ${dev.devargs?.kvargs().get('k') ?? '-'}`);
    });
    const eal = await start(['-a', '01:02.0,k=v'], [any.driver]);
    expect(seen).toEqual(['0000:01:02.0 v']);
    expect(pci(eal).devices().map((d) => `${d.name} ${d.state}`)).toEqual(['0000:01:00.0 ignored', '0000:01:02.0 probed', '0000:02:1b.0 ignored']);
  });

  it('scans nothing with --no-pci', async () => {
    const any = testDriver('any', [[0x0001, 0x1234]]);
    const eal = await start(['--no-pci'], [any.driver]);
    expect(pci(eal).devices()).toEqual([]);
    expect(eal.probeResults()).toEqual([]);
    expect(any.probed).toEqual([]);
  });

  it('recognises PCI addresses and returns the canonical name', async () => {
    const eal = await start(['--no-pci']);
    const bus = pci(eal);
    expect(bus.name).toBe(PCI_BUS_NAME);
    expect(bus.parse('1:2.3')).toBe('0000:01:02.3');
    expect(bus.parse('0000:01:00.0')).toBe('0000:01:00.0');
    expect(bus.parse('net_ring0')).toBeUndefined();
  });
});

describe('probe order and outcomes', () => {
  beforeEach(() => {
    fake.addDevice({ address: '0000:03:00.0', vendorId: 0x8086, deviceId: 0x10c9 });
    fake.addDevice({ address: '0000:01:00.0', vendorId: 0x8086, deviceId: 0x10c9 });
    fake.addDevice({ address: '0000:02:00.0', vendorId: 0x8086, deviceId: 0x10c9 });
    fake.addDevice({ address: '0000:04:00.0', vendorId: 0x1234, deviceId: 0x0001 });
  });

  it('offers each device to matching drivers in registration order until one takes it', async () => {
    const decliner = testDriver('decliner', [[0x8086, 0x10c9]], () => 1);
    const failer = testDriver('failer', [[0x8086, 0x10c9]], (dev) => {
      if (dev.name === '0000:02:00.0') throw new Error('reset timed out');
      return dev.name === '0000:03:00.0' ? -5 : 1;
    });
    const taker = testDriver('taker', [[0x8086, 0x10c9]]);
    const eal = await start([], [decliner.driver, failer.driver, taker.driver]);
    expect(outcomes(eal.probeResults())).toEqual([
      '0000:01:00.0 taker probed',
      '0000:02:00.0 failer failed',
      '0000:03:00.0 failer failed',
    ]);
    const [, thrown, negative] = eal.probeResults();
    expect(thrown.error?.message).toBe('reset timed out');
    expect(negative.error?.message).toMatch(/returned -5/);
    expect(decliner.probed).toEqual(['0000:01:00.0', '0000:02:00.0', '0000:03:00.0']);
    expect(taker.probed).toEqual(['0000:01:00.0']);
    const states = Object.fromEntries(pci(eal).devices().map((d) => [d.name, `${d.state} ${d.driver ?? '-'}`]));
    expect(states).toEqual({
      '0000:01:00.0': 'probed taker',
      '0000:02:00.0': 'failed -',
      '0000:03:00.0': 'failed -',
      '0000:04:00.0': 'unclaimed -',
    });
    expect(pci(eal).device('02:00.0')?.error).toBe('reset timed out');
  });

  it('reports a device every matching driver declined as unclaimed, with the reasons', async () => {
    const decliner = testDriver('decliner', [[0x8086, 0x10c9]], () => 1);
    const eal = await start(['-a', '0000:01:00.0'], [decliner.driver]);
    const [result] = eal.probeResults();
    expect(result.outcome).toBe('unclaimed');
    expect(result.error?.message).toMatch(/decliner: probe returned 1/);
  });

  it('never lets two EAL instances probe the same device', async () => {
    const a = testDriver('a', [[0x8086, 0x10c9]]);
    const first = await start(['-a', '0000:01:00.0'], [a.driver]);
    const second = await start(['-a', '0000:01:00.0'], [a.driver]);
    expect(outcomes(first.probeResults())).toEqual(['0000:01:00.0 a probed']);
    const [r] = second.probeResults();
    expect(r.outcome).toBe('failed');
    expect((r.error as NicError).code).toBe('NIC_EBUSY');
  });
});

describe('drivers that need mapping', () => {
  it('skips a device a kernel driver owns and never writes to it', async () => {
    fake.addDevice({ address: '0000:00:03.0', vendorId: 0x1af4, deviceId: 0x1041, driver: 'virtio-pci', bars: [memBar(0x4000100000, 0x80000, { is64: true })], resourceFiles: true });
    const config = join(fake.devicesPath, '0000:00:03.0', 'config');
    const before = readFileSync(config);
    const mtime = statSync(config).mtimeMs;
    const pmd = testDriver('net_virtio', [[0x1af4, 0x1041]], () => 0, PCI_DRV_NEED_MAPPING);
    const eal = await start([], [pmd.driver]);
    const [result] = eal.probeResults();
    expect(result.outcome).toBe('unclaimed');
    expect(result.error?.message).toMatch(/not managed by a supported kernel driver \(bound to virtio-pci\)/);
    expect(pmd.probed).toEqual([]);
    const dev = pci(eal).device('0000:00:03.0');
    expect(dev?.writeRefusal).toMatch(/owned by kernel driver virtio-pci/);
    expect(() => dev?.config.writeU16(PCI_COMMAND, 0)).toThrow(/not writing config space/);
    expect(() => dev?.mapBar(0)).toThrow(/not mapping: .*virtio-pci/);
    expect(() => dev?.setBusMaster(true)).toThrow(NicError);
    expect(readFileSync(config)).toEqual(before);
    expect(statSync(config).mtimeMs).toBe(mtime);
  });

  it('maps the BARs of a uio_pci_generic device before probe and unmaps at cleanup', async () => {
    fake.addDevice({
      address: '0000:01:00.0',
      vendorId: 0x8086,
      deviceId: 0x10c9,
      driver: 'uio_pci_generic',
      uio: 3,
      bars: [memBar(0xfe000000, 0x20000), undefined, ioBar(0xe000, 0x20), memBar(0xfe020000, 0x4000)],
      resourceFiles: true,
    });
    const devDir = join(fake.devicesPath, '0000:01:00.0');
    let seen: { bar0: number; bar3: number; intr: unknown; master: number } | undefined;
    const pmd = testDriver('net_e1000_igb', [[0x8086, 0x10c9]], (dev) => {
      const bar0 = dev.bar(0);
      const bar3 = dev.bar(3);
      if (!bar0 || !bar3) throw new Error('BARs not mapped');
      bar0.u32[0x10 >> 2] = 0xcafef00d;
      seen = { bar0: bar0.length, bar3: bar3.phys, intr: dev.intr, master: dev.config.readU16(PCI_COMMAND) & PCI_COMMAND_MASTER };
      expect(() => dev.mapBar(2)).toThrow(expect.objectContaining({ code: 'NIC_ENOTSUP' }));
      expect(dev.mapBar(0)).toBe(bar0);
    }, PCI_DRV_NEED_MAPPING);
    const eal = await start([], [pmd.driver], 'huge');
    expect(outcomes(eal.probeResults())).toEqual(['0000:01:00.0 net_e1000_igb probed']);
    expect(seen).toMatchObject({ bar0: 0x20000, bar3: 0xfe020000, master: PCI_COMMAND_MASTER, intr: { kind: 'uio_intx', nbVectors: 1 } });
    expect(readFileSync(join(devDir, 'resource0')).readUInt32LE(0x10)).toBe(0xcafef00d);
    const dev = pci(eal).device('0000:01:00.0');
    expect(dev?.mapMethod).toBe('uio');
    await eal.cleanup();
    expect(dev?.bar(0)).toBeUndefined();
    expect(dev?.intr).toBeUndefined();
  });

  it('unmaps when a driver declines, unless it keeps mapped resources', async () => {
    fake.addDevice({ address: '0000:01:00.0', vendorId: 0x8086, deviceId: 0x10c9, driver: 'igb_uio', uio: 0, bars: [memBar(0xfe000000, 0x1000)], resourceFiles: true });
    let sawMapped = false;
    const dropper = testDriver('dropper', [[0x8086, 0x10c9]], () => 1, PCI_DRV_NEED_MAPPING);
    const keeper = testDriver('keeper', [[0x8086, 0x10c9]], () => 1, PCI_DRV_NEED_MAPPING | PCI_DRV_KEEP_MAPPED_RES);
    const checker = testDriver('checker', [[0x8086, 0x10c9]], (dev) => {
      sawMapped = dev.bar(0) !== undefined;
      return 1;
    });
    const eal = await start([], [dropper.driver, checker.driver, keeper.driver], 'huge');
    expect(sawMapped).toBe(false);
    expect(pci(eal).device('0000:01:00.0')?.bar(0)).toBeUndefined();
    expect(dropper.probed).toHaveLength(1);
    expect(keeper.probed).toHaveLength(1);
  });

  it('gives a uio_pci_generic device without an interrupt line (irq 0) no interrupt, and one with a line its uio node', async () => {
    fake.addDevice({ address: '0000:01:00.0', vendorId: 0x8086, deviceId: 0x10c9, driver: 'uio_pci_generic', uio: 3, irq: 0, bars: [memBar(0xfe000000, 0x1000)], resourceFiles: true });
    fake.addDevice({ address: '0000:02:00.0', vendorId: 0x8086, deviceId: 0x10c9, driver: 'uio_pci_generic', uio: 4, irq: 11, bars: [memBar(0xfe100000, 0x1000)], resourceFiles: true });
    const seen = new Map<string, unknown>();
    const pmd = testDriver('net_e1000_igb', [[0x8086, 0x10c9]], (dev) => void seen.set(dev.name, dev.intr), PCI_DRV_NEED_MAPPING);
    const eal = await start([], [pmd.driver], 'huge');
    expect(outcomes(eal.probeResults())).toEqual(['0000:01:00.0 net_e1000_igb probed', '0000:02:00.0 net_e1000_igb probed']);
    expect(seen.get('0000:01:00.0')).toBeUndefined();
    expect(seen.get('0000:02:00.0')).toMatchObject({ kind: 'uio_intx', nbVectors: 1 });
    await eal.cleanup();
  });

  it('maps resourceN_wc for a write-combining driver, and gives igb_uio interrupts', async () => {
    fake.addDevice({
      address: '0000:01:00.0',
      vendorId: 0x8086,
      deviceId: 0x10c9,
      driver: 'igb_uio',
      uio: 5,
      bars: [memBar(0xfe000000, 0x1000, { prefetch: true })],
      resourceFiles: true,
      files: { resource0_wc: '\0'.repeat(0x1000) },
    });
    const pmd = testDriver('wc', [[0x8086, 0x10c9]], (dev) => {
      const bar = dev.bar(0);
      if (bar) bar.u32[0] = 0x11223344;
      expect(dev.intr).toMatchObject({ kind: 'uio', nbVectors: 1 });
    }, PCI_DRV_NEED_MAPPING | PCI_DRV_WC_ACTIVATE);
    const eal = await start([], [pmd.driver], 'huge');
    expect(outcomes(eal.probeResults())).toEqual(['0000:01:00.0 wc probed']);
    const dir = join(fake.devicesPath, '0000:01:00.0');
    expect(readFileSync(join(dir, 'resource0_wc')).readUInt32LE(0)).toBe(0x11223344);
    expect(readFileSync(join(dir, 'resource0')).readUInt32LE(0)).toBe(0);
  });

  it('fails a UIO device when EAL runs IOVA as VA (--no-huge): UIO devices need physical addresses', async () => {
    fake.addDevice({ address: '0000:01:00.0', vendorId: 0x8086, deviceId: 0x10c9, driver: 'uio_pci_generic', uio: 2, bars: [memBar(0xfe000000, 0x1000)], resourceFiles: true });
    const pmd = testDriver('net_e1000_igb', [[0x8086, 0x10c9]], () => 0, PCI_DRV_NEED_MAPPING);
    const eal = await start([], [pmd.driver]);
    expect(eal.arena.iovaMode).toBe('va');
    const [result] = eal.probeResults();
    expect(result).toMatchObject({ device: '0000:01:00.0', outcome: 'failed', error: { code: 'NIC_EINVAL' } });
    expect(result?.error?.message).toMatch(/uio_pci_generic.*physical addresses.*IOVA as VA.*use hugepages, or bind it to vfio-pci/);
    expect(pmd.probed).toEqual([]);
    expect(pci(eal).device('0000:01:00.0')?.mapMethod).toBeUndefined();
  });

  it('fails a vfio-pci device without /dev/vfio, naming the device and the fix', async () => {
    fake.addDevice({ address: '0000:05:00.0', vendorId: 0x8086, deviceId: 0x10c9, driver: 'vfio-pci', iommuGroup: 7, bars: [memBar(0xfe000000, 0x1000)] });
    const pmd = testDriver('net_e1000_igb', [[0x8086, 0x10c9]], () => 0, PCI_DRV_NEED_MAPPING);
    const eal = await start([], [pmd.driver]);
    const [result] = eal.probeResults();
    expect(result.outcome).toBe('failed');
    expect(result.error?.message).toMatch(/0000:05:00\.0: neither .*vfio\/7 nor .*vfio\/noiommu-7 exists; bind the device to vfio-pci .* load the module/);
    expect(pmd.probed).toEqual([]);
  });

  it('fails cleanly when the VFIO group node is not a VFIO group', async () => {
    fake.addDevice({ address: '0000:05:00.0', vendorId: 0x8086, deviceId: 0x10c9, driver: 'vfio-pci', iommuGroup: 7, bars: [memBar(0xfe000000, 0x1000)] });
    mkdirSync(join(fake.devRoot, 'vfio'));
    writeFileSync(join(fake.devRoot, 'vfio', '7'), '');
    const pmd = testDriver('net_e1000_igb', [[0x8086, 0x10c9]], () => 0, PCI_DRV_NEED_MAPPING);
    const eal = await start([], [pmd.driver]);
    const [result] = eal.probeResults();
    expect(result.outcome).toBe('failed');
    expect(result.error).toMatchObject({ syscall: 'ioctl' });
    expect(result.error?.message).toMatch(/^0000:05:00\.0: VFIO_GROUP_GET_STATUS/);
    expect(pmd.probed).toEqual([]);
  });

  it('maps an unbound device through sysfs only when named and forced', async () => {
    fake.addDevice({ address: '0000:01:00.0', vendorId: 0x8086, deviceId: 0x10c9, bars: [memBar(0xfe000000, 0x1000)], resourceFiles: true });
    fake.addDevice({ address: '0000:02:00.0', vendorId: 0x8086, deviceId: 0x10c9, bars: [memBar(0xfd000000, 0x1000)], resourceFiles: true });
    const eal = await start(['-a', '0000:01:00.0']);
    const named = pci(eal).device('0000:01:00.0');
    expect(() => named?.mapBar(0)).toThrow(expect.objectContaining({ code: 'NIC_EPERM' }));
    expect(named?.mapBar(0, { force: true }).length).toBe(0x1000);
    expect(named?.intr).toBeUndefined();
    expect(named?.mapMethod).toBe('sysfs');
    await eal.cleanup();
    const other = await start(['-b', '0000:01:00.0']);
    expect(() => pci(other).device('0000:02:00.0')?.mapBar(0, { force: true })).toThrow(expect.objectContaining({ code: 'NIC_EPERM' }));
  });
});

describe('runtime attach and detach', () => {
  beforeEach(() => addDpdkTestDevices(fake));

  it('attaches a blocked device with devargs, detaches it, and attaches it again', async () => {
    const my = testDriver('my_driver', [[0x0001, 0x1234]], (dev) => (dev.devargs?.kvargs().get('k') === 'v' ? 0 : 1));
    const eal = await start(['-b', '0000:01:00.0'], [my.driver]);
    expect(eal.probeResults()).toEqual([]);
    const bus = pci(eal);
    const dev = await bus.attach('01:00.0,k=v');
    expect(dev.name).toBe('0000:01:00.0');
    expect(dev.state).toBe('probed');
    expect(dev.driver?.name).toBe('my_driver');
    expect((await rejection(bus.attach('0000:01:00.0'))).code).toBe('NIC_EEXIST');
    await bus.detach('0000:01:00.0');
    expect(my.removed).toEqual(['0000:01:00.0']);
    expect(bus.device('0000:01:00.0')).toBeUndefined();
    expect((await rejection(bus.attach('0000:01:00.0,k=x'))).code).toBe('NIC_ENOTSUP');
    expect((await bus.attach('bus=pci,addr=0000:01:00.0/driver=my_driver,k=v')).state).toBe('probed');
  });

  it('reports bad, missing and unprobed devices', async () => {
    const eal = await start([]);
    const bus = pci(eal);
    expect((await rejection(bus.attach('0000:09:00.0'))).code).toBe('NIC_ENODEV');
    expect((await rejection(bus.attach('net_ring0'))).code).toBe('NIC_EINVAL');
    expect((await rejection(bus.attach('0000:01:00.0'))).code).toBe('NIC_ENOTSUP');
    expect((await rejection(bus.detach('0000:01:00.0'))).code).toBe('NIC_EINVAL');
    expect((await rejection(bus.detach('0000:09:00.0'))).code).toBe('NIC_ENODEV');
    expect((await rejection(bus.detach('nonsense'))).code).toBe('NIC_EINVAL');
  });

  it('throws a failing probe as a NicError and keeps the device unowned', async () => {
    const bad = testDriver('bad', [[0x0001, 0x1234]], () => {
      throw new Error('no link');
    });
    const eal = await start(['-b', '0000:01:00.0'], [bad.driver]);
    const e = await rejection(pci(eal).attach('0000:01:00.0'));
    expect(e.message).toMatch(/attach 0000:01:00.0: bad failed: no link/);
    expect(pci(eal).device('0000:01:00.0')?.state).toBe('failed');
  });

  it('is reachable through the generic EAL hotplug (eal.attach / eal.detach)', async () => {
    const drv = testDriver('hotplug', [[0x0001, 0x1234]]);
    const eal = await start(['-b', '0000:01:00.0'], [drv.driver]);
    expect(pci(eal).device('0000:01:00.0')?.state).not.toBe('probed');
    await eal.attach('01:00.0,k=v');
    expect(drv.probed).toEqual(['0000:01:00.0']);
    expect(pci(eal).device('0000:01:00.0')?.devargs?.args).toBe('k=v');
    await eal.detach('0000:01:00.0');
    expect(drv.removed).toEqual(['0000:01:00.0']);
  });

  it('probes again a device whose driver has PROBE_AGAIN', async () => {
    const again = testDriver('again', [[0x0001, 0x1234]], () => 0, PCI_DRV_PROBE_AGAIN);
    const eal = await start(['-a', '0000:01:00.0'], [again.driver]);
    await pci(eal).attach('0000:01:00.0,port=1');
    expect(again.probed).toEqual(['0000:01:00.0', '0000:01:00.0']);
    expect(pci(eal).device('0000:01:00.0')?.devargs?.args).toBe('port=1');
  });

  it('keeps a device probed when its remove fails', async () => {
    const sticky: PciDriver = {
      name: 'sticky',
      idTable: [pciDevice(0x0001, 0x1234)],
      probe: () => 0,
      remove: () => -16,
    };
    const eal = await start(['-a', '0000:01:00.0'], [sticky]);
    const e = await rejection(pci(eal).detach('0000:01:00.0'));
    expect(e.code).toBe('NIC_EIO');
    expect(pci(eal).device('0000:01:00.0')?.state).toBe('probed');
    await expect(eal.cleanup()).rejects.toThrow(/EAL cleanup/);
    live.splice(live.indexOf(eal), 1);
  });
});

describe('the driver list', () => {
  it('ignores the same driver twice and refuses a second driver with its name', async () => {
    const eal = await start(['--no-pci']);
    const bus = pci(eal);
    const a = testDriver('dup', [[1, 2]]);
    bus.registerDriver(a.driver);
    bus.registerDriver(a.driver);
    expect(bus.drivers()).toEqual(['dup']);
    expect(() => bus.registerDriver(testDriver('dup', [[1, 2]]).driver)).toThrow(expect.objectContaining({ code: 'NIC_EEXIST' }));
    expect(() => bus.registerDriver({ ...a.driver, name: 'flags', flags: 0x8000 })).toThrow(TypeError);
    expect(() => bus.registerDriver({ name: 'noprobe', idTable: [] } as unknown as PciDriver)).toThrow(TypeError);
    expect(pciPmd(a.driver)).toBe(pciPmd(a.driver));
  });

  it('fills the instance pci_driver_list at dev init, from dev_driver_list entries', async () => {
    addDpdkTestDevices(fake);
    let driversAtProbe: readonly string[] = [];
    const driver: PciDriver = {
      name: 'probe_sees',
      idTable: [pciDevice(0x0001, 0x1234)],
      probe: (_dev, eal) => {
        driversAtProbe = pci(eal).drivers();
      },
    };
    const eal = await start(['-a', '0000:01:00.0'], [driver]);
    expect(eal.drivers().map((d) => d.name)).toContain('probe_sees');
    expect(driversAtProbe).toEqual(['probe_sees']);
    const other = await start(['--no-pci']);
    expect(pci(other).drivers()).toEqual([]);
  });
});

describe('DMA windows', () => {
  it('records windows for the VFIO container and checks their numbers', async () => {
    const eal = await start(['--no-pci']);
    const bus = pci(eal);
    bus.dmaMap(0x7f0000000000, 0x100000, 0x200000);
    expect(bus.dmaUnmap(0x100000)).toBe(true);
    expect(bus.dmaUnmap(0x100000)).toBe(false);
    expect(() => bus.dmaMap(-1, 0, 4096)).toThrow(TypeError);
    expect(() => bus.dmaMap(0, 0.5, 4096)).toThrow(TypeError);
  });
});

describe('scan warnings and rescans', () => {
  it('logs a skipped device with the file that broke it, and keeps probed devices across a rescan', async () => {
    addDpdkTestDevices(fake);
    fake.addDevice({ address: '0000:07:00.0', vendorId: 0x8086, deviceId: 0x10c9, resourceText: 'junk\n' });
    const records: LogRecord[] = [];
    const previous = setLogSink((r) => records.push(r));
    try {
      const my = testDriver('my_driver', [[0x0001, 0x1234]]);
      const eal = await start([], [my.driver]);
      const warning = records.find((r) => r.type === 'bus.pci' && r.message.includes('0000:07:00.0'));
      expect(warning?.message).toContain(join(fake.devicesPath, '0000:07:00.0', 'resource'));
      fake.addDevice({ address: '0000:08:00.0', vendorId: 0x0001, deviceId: 0x9999 });
      pci(eal).scan();
      expect(pci(eal).devices().map((d) => `${d.name} ${d.state}`)).toEqual([
        '0000:01:00.0 probed',
        '0000:01:02.0 unclaimed',
        '0000:02:1b.0 unclaimed',
        '0000:08:00.0 unclaimed',
      ]);
    } finally {
      setLogSink(previous);
    }
  });
});
