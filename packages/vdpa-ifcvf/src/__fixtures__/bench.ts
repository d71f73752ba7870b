/**
 * Modelled IFC VFs (and QEMU virtio-net-pci stand-ins) visible to nic's PCI bus, with EAL
 * instances started against them; {@link IfcvfBench.close} undoes everything.
 */
import '@nic/pci';
import { init, type Eal } from '@nic/eal';
import type { DriverDescriptor } from '@nic/eal';
import { NIC_DEV_ROOT_ENV, registerPciBackend, SYSFS_PCI_DEVICES_ENV } from '@nic/pci/driver';
import { IfcvfModelBackend, withDefaultLcores, type IfcvfModel, type IfcvfModelOptions } from '@nic/test-kit/models';

let seq = 0;

export class IfcvfBench {
  readonly backend = new IfcvfModelBackend();
  readonly #unregister = registerPciBackend(this.backend);
  readonly #saved = { sysfs: process.env[SYSFS_PCI_DEVICES_ENV], dev: process.env[NIC_DEV_ROOT_ENV] };
  readonly #eals: Eal[] = [];

  constructor() {
    process.env[SYSFS_PCI_DEVICES_ENV] = this.backend.sysfs.devicesPath;
    process.env[NIC_DEV_ROOT_ENV] = this.backend.sysfs.devRoot;
  }

  /** Adds a function at `address`. */
  add(address: string, options: Omit<IfcvfModelOptions, 'dma' | 'name'> = {}): IfcvfModel {
    return this.backend.addDevice(address, options).model;
  }

  /** An EAL instance (no hugepages) with `args` and `drivers`. */
  async init(args: readonly string[], drivers: readonly DriverDescriptor[]): Promise<Eal> {
    const { eal } = await init(['--no-huge', '-m', '16', '--file-prefix', `vdpa-ifcvf-${process.pid}-${seq++}`, ...withDefaultLcores(args)], { drivers: [...drivers] });
    this.#eals.push(eal);
    return eal;
  }

  async close(): Promise<void> {
    try {
      for (const eal of this.#eals.splice(0).reverse()) await eal.cleanup();
    } finally {
      this.#unregister();
      this.backend.sysfs.remove();
      for (const [key, value] of [[SYSFS_PCI_DEVICES_ENV, this.#saved.sysfs], [NIC_DEV_ROOT_ENV, this.#saved.dev]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  }
}
