import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { init, lcoresOnCpus, processCpus, type Eal } from '@nic/eal';
import { pci } from './index.js';
import { NIC_DEV_ROOT_ENV, SYSFS_PCI_DEVICES_ENV } from './sysfs.js';
import { FakeSysfs, memBar } from './testing/fake-sysfs.js';

// The success path needs a kernel with VFIO and an IOMMU: the guest tier covers it through
// @nic/vdpa-ifcvf. Here: every refusal is clear and leaves no fd behind.
let fake: FakeSysfs;
let eal: Eal | undefined;
const saved = { sysfs: process.env[SYSFS_PCI_DEVICES_ENV], dev: process.env[NIC_DEV_ROOT_ENV] };

beforeEach(() => {
  fake = new FakeSysfs();
  process.env[SYSFS_PCI_DEVICES_ENV] = fake.devicesPath;
  process.env[NIC_DEV_ROOT_ENV] = fake.devRoot;
});

afterEach(async () => {
  await eal?.cleanup();
  eal = undefined;
  fake.remove();
  for (const [key, value] of [[SYSFS_PCI_DEVICES_ENV, saved.sysfs], [NIC_DEV_ROOT_ENV, saved.dev]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

async function start(): Promise<Eal> {
  ({ eal } = await init(['--no-huge', '-m', '8', '-l', lcoresOnCpus(1, processCpus()), '--file-prefix', `vdpa-pci-${process.pid}`, '-a', '0000:05:00.0']));
  return eal;
}

const openFds = (): number => readdirSync('/proc/self/fd').length;

describe('PciDevice.openPrivateContainer', () => {
  it('fails without /dev/vfio, naming the device and the fix, and leaks no fd', async () => {
    fake.addDevice({ address: '0000:05:00.0', vendorId: 0x1af4, deviceId: 0x1041, driver: 'vfio-pci', iommuGroup: 7, bars: [memBar(0xfe000000, 0x4000)] });
    const dev = pci(await start()).device('0000:05:00.0');
    const before = openFds();
    expect(() => dev?.openPrivateContainer()).toThrow(expect.objectContaining({ code: 'NIC_ENODEV', message: expect.stringMatching(/^0000:05:00\.0: .*vfio\/7.*bind the device to vfio-pci/) }));
    expect(openFds()).toBe(before);
    expect(dev?.dmaContainer).toBeUndefined();
  });

  it('fails on a group node that is not VFIO, closing the container it opened', async () => {
    fake.addDevice({ address: '0000:05:00.0', vendorId: 0x1af4, deviceId: 0x1041, driver: 'vfio-pci', iommuGroup: 7, bars: [memBar(0xfe000000, 0x4000)] });
    mkdirSync(join(fake.devRoot, 'vfio'));
    writeFileSync(join(fake.devRoot, 'vfio', '7'), '');
    const dev = pci(await start()).device('0000:05:00.0');
    const before = openFds();
    expect(() => dev?.openPrivateContainer()).toThrow(expect.objectContaining({ syscall: 'ioctl', message: expect.stringMatching(/^0000:05:00\.0: VFIO_GROUP_GET_STATUS/) }));
    expect(openFds()).toBe(before);
  });

  it('refuses a device mapped through UIO: only VFIO has containers', async () => {
    fake.addDevice({ address: '0000:05:00.0', vendorId: 0x1af4, deviceId: 0x1041, driver: 'uio_pci_generic', uio: 3, bars: [memBar(0xfe000000, 0x4000)], resourceFiles: true });
    const dev = pci(await start()).device('0000:05:00.0');
    expect(() => dev?.openPrivateContainer()).toThrow(expect.objectContaining({ code: 'NIC_ENOTSUP', message: expect.stringMatching(/^0000:05:00\.0: a private DMA container needs the device bound to vfio-pci/) }));
  });

  it('refuses a device already opened through the bus container', async () => {
    fake.addDevice({ address: '0000:05:00.0', vendorId: 0x1af4, deviceId: 0x1041, driver: 'uio_pci_generic', uio: 3, bars: [memBar(0xfe000000, 0x4000)], resourceFiles: true });
    const dev = pci(await start()).device('0000:05:00.0');
    dev?.mapBar(0);
    expect(() => dev?.openPrivateContainer()).toThrow(expect.objectContaining({ code: 'NIC_EBUSY' }));
  });
});
