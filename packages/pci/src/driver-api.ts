/**
 * The contract between the PCI bus and a PCI driver (DPDK's `rte_pci_driver`): the id table,
 * the flags, and the probe/remove callbacks.
 */
import type { Eal } from '@nic/eal';
import type { PciDevice } from './device.js';
import type { PciId } from './id-table.js';

/** Map the BARs before `probe`; the device must be bound to vfio-pci, igb_uio or uio_pci_generic. */
export const PCI_DRV_NEED_MAPPING = 0x0001;
/** Map `resourceN_wc` (write-combining) instead of `resourceN` where it exists (UIO path). */
export const PCI_DRV_WC_ACTIVATE = 0x0002;
/** A probed device may be probed again by `attach` (a driver that adds ports). */
export const PCI_DRV_PROBE_AGAIN = 0x0004;
/** The driver reports link-state changes by interrupt (ethdev's `INTR_LSC`). */
export const PCI_DRV_INTR_LSC = 0x0008;
/** The driver reports device removal by interrupt (ethdev's `INTR_RMV`). */
export const PCI_DRV_INTR_RMV = 0x0010;
/** Keep the BARs mapped when `probe` declines the device (returns a positive number). */
export const PCI_DRV_KEEP_MAPPED_RES = 0x0020;
/** The driver needs IO virtual addresses equal to process virtual addresses (VFIO with an IOMMU). */
export const PCI_DRV_NEED_IOVA_AS_VA = 0x0040;

/** Every flag bit defined above. */
export const PCI_DRV_ALL_FLAGS =
  PCI_DRV_NEED_MAPPING |
  PCI_DRV_WC_ACTIVATE |
  PCI_DRV_PROBE_AGAIN |
  PCI_DRV_INTR_LSC |
  PCI_DRV_INTR_RMV |
  PCI_DRV_KEEP_MAPPED_RES |
  PCI_DRV_NEED_IOVA_AS_VA;

/**
 * What `probe` returns: nothing or 0 when the driver took the device; a positive number when
 * the device is not its own (the bus offers it to the next matching driver); a negative
 * number (or a throw) when taking it failed.
 */
export type PciProbeReturn = number | void;

/** A PCI driver as it sits in a bus's `pci_driver_list`. */
export interface PciDriver {
  /** Unique driver name, e.g. `net_e1000_igb`. */
  readonly name: string;
  /** The devices the driver serves; an entry with vendor 0 ends the table. */
  readonly idTable: readonly PciId[];
  /** `PCI_DRV_*` bits; 0 when omitted. */
  readonly flags?: number;
  /**
   * Takes a matching device. With {@link PCI_DRV_NEED_MAPPING} the BARs are mapped before
   * this runs (`dev.bar(i)`). The device's devargs (`-a addr,k=v`) are in `dev.devargs`.
   */
  probe(dev: PciDevice, eal: Eal): PciProbeReturn | Promise<PciProbeReturn>;
  /**
   * Lets go of a probed device (detach, cleanup), before its BARs are unmapped. A negative
   * return or a throw keeps the device probed and fails the detach. Without it, detaching
   * just unmaps and releases the device.
   */
  remove?(dev: PciDevice, eal: Eal): PciProbeReturn | Promise<PciProbeReturn>;
}

/** Whether `driver` has every bit of `flag`. */
export function hasDriverFlag(driver: PciDriver, flag: number): boolean {
  return ((driver.flags ?? 0) & flag) === flag;
}
