/** A test-only PCI driver that records, for each device it probes, the device, its BAR0 registers and one register read at probe. */
import { pciDevice, PCI_DRV_NEED_MAPPING, type PciDevice, type PciDriver, type PciRegisters } from '@nic/pci/driver';

/** What {@link probeDriver}'s probe saw. */
export interface Probed {
  readonly dev: PciDevice;
  readonly regs: PciRegisters;
  /** The register read at probe. */
  readonly value: number;
}

/** A driver for 8086:`deviceId` that maps BARs and reads register `register` through BAR0 at probe. */
export function probeDriver(deviceId: number, register: number): { driver: PciDriver; seen: Probed[] } {
  const seen: Probed[] = [];
  const driver: PciDriver = {
    name: `model_probe_${deviceId.toString(16)}`,
    idTable: [pciDevice(0x8086, deviceId)],
    flags: PCI_DRV_NEED_MAPPING,
    probe(dev) {
      const bar = dev.bar(0);
      if (!bar) throw new Error('BAR0 not mapped');
      seen.push({ dev, regs: bar.regs, value: bar.regs.read32(register) });
    },
  };
  return { driver, seen };
}
