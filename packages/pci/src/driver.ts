/**
 * @nic/pci/driver — what PCI driver authors need: the driver contract and flags, `pciPmd`
 * to register a driver, and everything of the main entry. Free of side effects: importing
 * it registers nothing (register `pciBus` yourself, or import `@nic/pci`).
 */
export * from './public.js';
export {
  PCI_DRV_NEED_MAPPING,
  PCI_DRV_WC_ACTIVATE,
  PCI_DRV_PROBE_AGAIN,
  PCI_DRV_INTR_LSC,
  PCI_DRV_INTR_RMV,
  PCI_DRV_KEEP_MAPPED_RES,
  PCI_DRV_NEED_IOVA_AS_VA,
  PCI_DRV_ALL_FLAGS,
  hasDriverFlag,
  type PciDriver,
  type PciProbeReturn,
} from './driver-api.js';
export { pciPmd } from './pmd.js';
export { pciIntrHandle, pciReqHandle } from './intr-handle.js';
export { registerPciBackend, pciBackends, type PciDeviceBackend, type DmaWindow } from './backend.js';
export type { PciResources } from './resources.js';
export type { PciOpenOptions } from './open.js';
