/**
 * Turning a PCI driver into a `dev_driver_list` entry (DPDK v2.2's `PMD_REGISTER_DRIVER` of a
 * PDEV driver): the entry's `init`, run at EAL's dev-init stage, hands the PCI driver to the
 * instance's PCI bus, which is what fills its `pci_driver_list`.
 */
import type { PdevDriverDescriptor } from '@nic/eal';
import { pci } from './bus.js';
import type { PciDriver } from './driver-api.js';

const descriptors = new WeakMap<PciDriver, PdevDriverDescriptor>();

/**
 * The `pdev` descriptor of `driver`, for `registerDriver` (a PMD's main entry) or
 * `init(argv, { drivers: [...] })`. The same driver always gives the same descriptor, so
 * registering twice is a no-op. Its `init` is `NIC_ENODEV` when the PCI bus is not
 * registered, `NIC_EEXIST` when another driver of that name already is.
 */
export function pciPmd(driver: PciDriver): PdevDriverDescriptor {
  if (typeof driver !== 'object' || driver === null) throw new TypeError('pciPmd: expected a PCI driver object');
  let descriptor = descriptors.get(driver);
  if (!descriptor) {
    descriptor = { type: 'pdev', name: driver.name, init: (eal) => pci(eal).registerDriver(driver) };
    descriptors.set(driver, descriptor);
  }
  return descriptor;
}
