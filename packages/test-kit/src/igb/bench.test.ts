import { afterEach, describe, expect, it } from 'vitest';
import { eventfdRead, VFIO } from '@nic/native';
import { pci, pciDevice, pciPmd, PCI_COMMAND, PCI_COMMAND_MASTER, PCI_COMMAND_MEMORY, PCI_DRV_NEED_MAPPING, type PciDevice, type PciDriver, type PciRegisters } from '@nic/pci/driver';
import '@nic/pci';
import { IgbModelBench } from './bench.js';
import * as R from './regs.js';

let bench: IgbModelBench | undefined;

afterEach(async () => {
  await bench?.close();
  bench = undefined;
});

/** A test-only driver that records the STATUS register its probe reads through BAR0. */
function statusDriver() {
  const seen: { dev: PciDevice; regs: PciRegisters; status: number }[] = [];
  const driver: PciDriver = {
    name: 'igb_model_status',
    idTable: [pciDevice(0x8086, 0x10c9)],
    flags: PCI_DRV_NEED_MAPPING,
    probe(dev) {
      const bar = dev.bar(0);
      if (!bar) throw new Error('BAR0 not mapped');
      seen.push({ dev, regs: bar.regs, status: bar.regs.read32(R.STATUS) });
    },
  };
  return { driver, seen };
}

describe('IgbModelBench with a real EAL', () => {
  it('scans the fake devices, maps BAR0 onto the model, and gives VFIO MSI-X facts', async () => {
    bench = await IgbModelBench.create({ ports: 2 });
    const { driver, seen } = statusDriver();
    const eal = await bench.init(['-a', bench.addresses[1]], { drivers: [pciPmd(driver)] });
    const bus = pci(eal);
    expect(bus.devices().map((d) => d.name)).toEqual(bench.addresses);
    expect(seen).toHaveLength(1);
    const { dev, regs, status } = seen[0];
    expect(dev.name).toBe(bench.addresses[1]);
    expect(bus.device(bench.addresses[1])).toBe(dev);
    expect(regs).toBe(bench.models[1]);
    expect(status & (R.STATUS_LU | R.STATUS_LAN_INIT_DONE)).toBe(R.STATUS_LU | R.STATUS_LAN_INIT_DONE);
    expect(dev.bar(0)?.u32).toBe(bench.models[1].u32);
    expect(dev.bar(3)?.length).toBe(R.BAR3_SIZE);
    expect(dev.intr).toMatchObject({ kind: 'vfio_msix', deviceFd: -1, nbVectors: R.MSIX_VECTORS });
    expect(dev.config.readU16(PCI_COMMAND) & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)).toBe(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
  });

  it('raises LSC on the bound vector-0 eventfd and the removal request on reqFd', async () => {
    bench = await IgbModelBench.create({ ports: 1 });
    const { driver, seen } = statusDriver();
    await bench.init(['-a', bench.addresses[0]], { drivers: [pciPmd(driver)] });
    const intr = seen[0].dev.intr;
    if (!intr?.setIrqs || intr.reqFd === undefined) throw new Error('no interrupt facts');
    intr.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, [intr.fd]);
    intr.setIrqs(VFIO.VFIO_PCI_REQ_IRQ_INDEX, 0, [intr.reqFd]);
    const model = bench.models[0];
    model.write32(R.IMS, R.ICR_LSC);
    model.setLink(false);
    expect(eventfdRead(intr.fd)).toBe(1);
    model.surpriseRemove();
    expect(eventfdRead(intr.reqFd)).toBe(1);
    expect(seen[0].regs.read32(R.STATUS)).toBe(0xffffffff);
  });

});
