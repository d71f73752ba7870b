import { afterEach, describe, expect, it } from 'vitest';
import { eventfdRead, VFIO } from '@nic/native';
import { pci, pciDevice, pciPmd, PCI_COMMAND, PCI_COMMAND_MASTER, PCI_COMMAND_MEMORY, PCI_DRV_NEED_MAPPING, type PciDevice, type PciDriver, type PciRegisters } from '@nic/pci/driver';
import '@nic/pci';
import { DATA_CMD, enableRx, enableTx, frameTo, PAYLEN_SHIFT } from './__fixtures__/rings.js';
import { IgbModelBench } from './bench.js';
import { RXD_STAT_DD } from '../model/descriptors.js';
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

  it('lets the model DMA into the EAL arena through the windows the bus mapped', async () => {
    bench = await IgbModelBench.create({ ports: 2, wire: true });
    const { driver } = statusDriver();
    const eal = await bench.init(['-a', bench.addresses[0], '-a', bench.addresses[1]], { drivers: [pciPmd(driver)] });
    const [a, b] = bench.models;
    const { arena } = eal;
    // One tx and one rx descriptor and a buffer each, at the start of a scratch zone.
    const base = arena.size - 64 * 1024;
    const frame = frameTo(b.mac, 5, 100);
    arena.u8.set(frame, base + 4096);
    const txd = base >>> 2;
    arena.u32.set([arena.iova(base + 4096) % 2 ** 32, Math.floor(arena.iova(base + 4096) / 2 ** 32), DATA_CMD | frame.length, frame.length << PAYLEN_SHIFT], txd);
    const rxd = (base + 1024) >>> 2;
    arena.u32.set([arena.iova(base + 8192) % 2 ** 32, Math.floor(arena.iova(base + 8192) / 2 ** 32), 0, 0], rxd);
    for (const [m, lo, hi, len, at] of [[a, R.TDBAL(0), R.TDBAH(0), R.TDLEN(0), base], [b, R.RDBAL(0), R.RDBAH(0), R.RDLEN(0), base + 1024]] as const) {
      m.write32(lo, arena.iova(at) % 2 ** 32);
      m.write32(hi, Math.floor(arena.iova(at) / 2 ** 32));
      m.write32(len, 8 * R.DESC_SIZE);
    }
    enableRx(b);
    b.write32(R.RDT(0), 7);
    enableTx(a);
    a.write32(R.TDT(0), 1);
    expect(bench.wire?.lastOutcome).toBe('delivered');
    expect(arena.u32[rxd + 2] & RXD_STAT_DD).toBe(RXD_STAT_DD);
    expect(arena.u8.slice(base + 8192, base + 8192 + frame.length)).toEqual(frame);
    expect(a.dma.faults).toBe(0);
  });

});
