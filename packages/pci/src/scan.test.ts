import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NicError } from '@nic/native';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { kernelDriverKind, scanPciDevice, scanPciDevices } from './scan.js';
import { addDpdkTestDevices, FakeSysfs, ioBar, memBar } from './testing/fake-sysfs.js';

let fake: FakeSysfs;
beforeEach(() => {
  fake = new FakeSysfs();
});
afterEach(() => fake.remove());

describe("scanning DPDK's test tree", () => {
  it('finds the three devices sorted by address, with ids, class and BARs', () => {
    addDpdkTestDevices(fake);
    const { devices, skipped } = scanPciDevices({ root: fake.devicesPath });
    expect(skipped).toEqual([]);
    expect(devices.map((d) => d.name)).toEqual(['0000:01:00.0', '0000:01:02.0', '0000:02:1b.0']);
    const [first] = devices;
    expect(first.id).toEqual({ vendorId: 0x0001, deviceId: 0x1234, subsystemVendorId: 0x0001, subsystemDeviceId: 0x0003, classId: 0x020000 });
    expect(first.addr).toEqual({ domain: 0, bus: 1, devid: 0, function: 0 });
    expect(first.kdrv).toBe('none');
    expect(first.kernelDriver).toBeUndefined();
    expect(first.numaNode).toBe(-1);
    expect(first.sriov).toEqual({ totalVfs: 63, numVfs: 0, vfs: [] });
    expect(first.bars.map((b) => b.kind)).toEqual(['mem', 'none', 'io', 'none', 'mem', 'none']);
    expect(devices[2].addr.devid).toBe(0x1b);
  });

  it("ignores DPDK's original 0000:02:ab.0: a device number above 0x1f is no PCI address", () => {
    mkdirSync(join(fake.devicesPath, '0000:02:ab.0'));
    expect(scanPciDevices({ root: fake.devicesPath }).devices).toEqual([]);
  });
});

describe('scanning a varied tree', () => {
  beforeEach(() => {
    // Added out of order on purpose: the scan sorts.
    fake.addDevice({ address: '0000:81:00.1', vendorId: 0x8086, deviceId: 0x10ed, physfn: '0000:81:00.0', driver: 'ixgbevf', numaNode: 1 });
    fake.addDevice({
      address: '0000:81:00.0',
      vendorId: 0x8086,
      deviceId: 0x10fb,
      subsystemVendorId: 0x8086,
      subsystemDeviceId: 0x000c,
      revision: 1,
      numaNode: 1,
      driver: 'vfio-pci',
      iommuGroup: 42,
      bars: [memBar(0x38000000000, 0x80000, { is64: true, prefetch: true }), undefined, ioBar(0xe000, 0x20), undefined, memBar(0x38000100000, 0x4000, { is64: true })],
      sriov: { totalVfs: 63, numVfs: 2, vfs: ['0000:81:10.0', '0000:81:00.1'] },
    });
    fake.addDevice({ address: '0000:00:19.0', vendorId: 0x8086, deviceId: 0x15b8, driver: 'e1000e', interfaces: [{ name: 'eno1', up: true }] });
    fake.addDevice({ address: '0001:00:02.0', vendorId: 0x1af4, deviceId: 0x1041, driver: 'uio_pci_generic', numaNode: null });
    fake.addDevice({ address: '0000:00:1f.6', vendorId: 0x8086, deviceId: 0x1234, resourceText: '0x0 0x0\n' });
    fake.addDevice({ address: '0000:00:1f.3', vendorId: 0x8086, deviceId: 0x1235, files: { vendor: null } });
    fake.addDevice({ address: '0000:00:1f.4', vendorId: 0x8086, deviceId: 0x1236, files: { class: '0x0c0500' } });
    fake.addDevice({ address: '0000:00:1f.5', vendorId: 0x8086, deviceId: 0x1237, files: { device: '0x12345\n' } });
    mkdirSync(join(fake.devicesPath, 'not-a-device'));
    mkdirSync(join(fake.devicesPath, '.hidden'));
  });

  it('keeps good devices in address order and skips broken ones naming the file', () => {
    const { devices, skipped } = scanPciDevices({ root: fake.devicesPath });
    expect(devices.map((d) => d.name)).toEqual(['0000:00:19.0', '0000:81:00.0', '0000:81:00.1', '0001:00:02.0']);
    const reasons = Object.fromEntries(skipped.map((s) => [s.name, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['0000:00:1f.3', '0000:00:1f.4', '0000:00:1f.5', '0000:00:1f.6']);
    expect(reasons['0000:00:1f.6']).toContain(join(fake.devicesPath, '0000:00:1f.6', 'resource'));
    expect(reasons['0000:00:1f.3']).toContain(join(fake.devicesPath, '0000:00:1f.3', 'vendor'));
    expect(reasons['0000:00:1f.4']).toContain(join(fake.devicesPath, '0000:00:1f.4', 'class'));
    expect(reasons['0000:00:1f.5']).toMatch(/device: .*out of range/);
  });

  it('reads kernel driver, IOMMU group, NUMA node, 64-bit BARs and SR-IOV', () => {
    const pf = scanPciDevice('81:00.0', fake.devicesPath);
    expect(pf).toMatchObject({ name: '0000:81:00.0', kernelDriver: 'vfio-pci', kdrv: 'vfio', iommuGroup: 42, numaNode: 1, revision: 1, maxVfs: 2 });
    expect(pf.id.subsystemDeviceId).toBe(0x000c);
    expect(pf.bars[0]).toMatchObject({ kind: 'mem', start: 0x38000000000, length: 0x80000, is64: true, prefetchable: true });
    expect(pf.bars[2]).toMatchObject({ kind: 'io', length: 0x20 });
    expect(pf.sriov).toEqual({ totalVfs: 63, numVfs: 2, vfs: ['0000:81:10.0', '0000:81:00.1'] });
    const vf = scanPciDevice('0000:81:00.1', fake.devicesPath);
    expect(vf).toMatchObject({ physfn: '0000:81:00.0', kdrv: 'unknown', kernelDriver: 'ixgbevf', sriov: undefined, maxVfs: 0 });
    expect(scanPciDevice('0001:00:02.0', fake.devicesPath)).toMatchObject({ kdrv: 'uio_generic', numaNode: -1, iommuGroup: undefined });
    expect(scanPciDevice('0000:00:19.0', fake.devicesPath).interfaces).toEqual(['eno1']);
  });

  it('filters before reading, so a filtered-out broken device is not reported', () => {
    const { devices, skipped } = scanPciDevices({ root: fake.devicesPath, filter: (name) => name.startsWith('0000:81') });
    expect(devices.map((d) => d.name)).toEqual(['0000:81:00.0', '0000:81:00.1']);
    expect(skipped).toEqual([]);
  });

  it('reports a missing device and a missing root', () => {
    expect(catchNic(() => scanPciDevice('0000:09:00.0', fake.devicesPath)).code).toBe('NIC_ENODEV');
    expect(catchNic(() => scanPciDevice('nonsense', fake.devicesPath)).code).toBe('NIC_EINVAL');
    rmSync(fake.devicesPath, { recursive: true });
    expect(catchNic(() => scanPciDevices({ root: fake.devicesPath })).code).toBe('NIC_ENOENT');
  });
});

describe('kernelDriverKind', () => {
  it("classifies drivers as DPDK's kdrv does", () => {
    expect(['vfio-pci', 'igb_uio', 'uio_pci_generic', undefined, 'virtio-pci'].map(kernelDriverKind)).toEqual(['vfio', 'igb_uio', 'uio_generic', 'none', 'unknown']);
  });
});

function catchNic(fn: () => unknown): NicError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NicError);
    return e as NicError;
  }
  throw new Error('expected a NicError');
}
