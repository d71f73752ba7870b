import { afterEach, describe, expect, it } from 'vitest';
import { eventfdRead, VFIO } from '@nic/native';
import { pci, pciDevice, pciPmd, PCI_CAP_ID_EXP, PCI_CAP_ID_MSIX, PCI_COMMAND, PCI_COMMAND_MASTER, PCI_COMMAND_MEMORY, PCI_DRV_NEED_MAPPING, type PciDevice, type PciDriver, type PciRegisters } from '@nic/pci/driver';
import '@nic/pci';
import { IxgbeModelBench } from './bench.js';
import * as R from './regs.js';

let bench: IxgbeModelBench | undefined;

afterEach(async () => {
  await bench?.close();
  bench = undefined;
});

/** A test-only driver that records what its probe reads through BAR0. */
function probeDriver(deviceId = 0x10fb) {
  const seen: { dev: PciDevice; regs: PciRegisters; links: number }[] = [];
  const driver: PciDriver = {
    name: 'ixgbe_model_probe',
    idTable: [pciDevice(0x8086, deviceId)],
    flags: PCI_DRV_NEED_MAPPING,
    probe(dev) {
      const bar = dev.bar(0);
      if (!bar) throw new Error('BAR0 not mapped');
      seen.push({ dev, regs: bar.regs, links: bar.regs.read32(R.LINKS) });
    },
  };
  return { driver, seen };
}

describe('IxgbeModelBench with a real EAL', () => {
  it('scans the 8086:10FB functions, maps BAR0 onto the model and BAR4, and gives 64 VFIO MSI-X vectors', async () => {
    bench = await IxgbeModelBench.create({ ports: 2 });
    const { driver, seen } = probeDriver();
    const eal = await bench.init(['-a', bench.addresses[1]], { drivers: [pciPmd(driver)] });
    const bus = pci(eal);
    expect(bus.devices().map((d) => d.name)).toEqual(bench.addresses);
    expect(seen).toHaveLength(1);
    const { dev, regs, links } = seen[0];
    expect(dev.name).toBe(bench.addresses[1]);
    expect(regs).toBe(bench.models[1]);
    expect(links & R.LINKS_UP).toBe(R.LINKS_UP);
    expect(dev.bar(0)?.u32).toBe(bench.models[1].u32);
    expect(dev.bar(0)?.length).toBe(R.BAR0_SIZE);
    expect(dev.bar(4)?.length).toBe(R.BAR4_SIZE);
    expect(dev.intr).toMatchObject({ kind: 'vfio_msix', deviceFd: -1, nbVectors: R.MSIX_VECTORS });
    expect(dev.config.readU16(PCI_COMMAND) & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)).toBe(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
  });

  it('lays the configuration space out as the 82599: MSI-X at 0x70 (64 vectors, BAR4), PCIe at 0xA0 (x8 link), 64-bit BARs', async () => {
    bench = await IxgbeModelBench.create({ ports: 1 });
    const { driver, seen } = probeDriver();
    await bench.init(['-a', bench.addresses[0]], { drivers: [pciPmd(driver)] });
    const config = seen[0].dev.config;
    expect(config.readU8(0x70)).toBe(PCI_CAP_ID_MSIX);
    expect(config.readU16(0x72) & 0x7ff).toBe(63);
    expect(config.readU32(0x74)).toBe(0x4);
    expect(config.readU32(0x78)).toBe(0x2004);
    expect(config.readU8(0xa0)).toBe(PCI_CAP_ID_EXP);
    expect((config.readU16(0xb2) >> 4) & 0x3f).toBe(8);
    expect(config.readU32(0x10) & 0x6).toBe(0x4);
    expect(config.readU32(0x20) & 0x6).toBe(0x4);
    expect(config.readU8(0x08)).toBe(1);
  });

  it('raises LSC on the bound vector-0 eventfd and the removal request on reqFd', async () => {
    bench = await IxgbeModelBench.create({ ports: 1 });
    const { driver, seen } = probeDriver();
    await bench.init(['-a', bench.addresses[0]], { drivers: [pciPmd(driver)] });
    const intr = seen[0].dev.intr;
    if (!intr?.setIrqs || intr.reqFd === undefined) throw new Error('no interrupt facts');
    intr.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, [intr.fd]);
    intr.setIrqs(VFIO.VFIO_PCI_REQ_IRQ_INDEX, 0, [intr.reqFd]);
    const model = bench.models[0];
    model.write32(R.EIMS, R.EICR_LSC);
    model.setModule(false);
    expect(eventfdRead(intr.fd)).toBe(1);
    model.surpriseRemove();
    expect(eventfdRead(intr.reqFd)).toBe(1);
    expect(seen[0].regs.read32(R.STATUS)).toBe(0xffffffff);
  });

  it('serves X540 ports as 8086:1528 when asked', async () => {
    bench = await IxgbeModelBench.create({ ports: 1, device: 'x540' });
    const { driver, seen } = probeDriver(0x1528);
    await bench.init(['-a', bench.addresses[0]], { drivers: [pciPmd(driver)] });
    expect(seen).toHaveLength(1);
    expect(bench.models[0].device).toBe('x540');
    expect(seen[0].dev.config.readU16(0x02)).toBe(0x1528);
  });

});
