import { afterEach, describe, expect, it } from 'vitest';
import { pciPmd, PCI_CAP_ID_EXP, PCI_CAP_ID_MSIX } from '@nic/pci/driver';
import '@nic/pci';
import { probeDriver } from '../model/__fixtures__/probe.js';
import { IxgbeModelBench } from './bench.js';
import * as R from './regs.js';

let bench: IxgbeModelBench | undefined;

afterEach(async () => {
  await bench?.close();
  bench = undefined;
});

describe('IxgbeModelBench with a real EAL', () => {
  it('lays the configuration space out as the 82599: MSI-X at 0x70 (64 vectors, BAR4), PCIe at 0xA0 (x8 link), 64-bit BARs', async () => {
    bench = await IxgbeModelBench.create({ ports: 1 });
    const { driver, seen } = probeDriver(0x10fb, R.STATUS);
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

  it('serves X540 ports as 8086:1528 when asked', async () => {
    bench = await IxgbeModelBench.create({ ports: 1, device: 'x540' });
    const { driver, seen } = probeDriver(0x1528, R.STATUS);
    await bench.init(['-a', bench.addresses[0]], { drivers: [pciPmd(driver)] });
    expect(seen).toHaveLength(1);
    expect(bench.models[0].device).toBe('x540');
    expect(seen[0].dev.config.readU16(0x02)).toBe(0x1528);
  });
});
