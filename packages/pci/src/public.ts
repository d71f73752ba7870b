/**
 * What both entries of @nic/pci export: the bus and its devices, the sysfs scan, id tables,
 * configuration space and capabilities.
 */
export { PciBus, pci, pciBus } from './bus.js';
export { PCI_BUS_NAME } from './bus-name.js';
export { PciDevice, type PciMapOptions } from './device.js';
export {
  scanPciDevices,
  scanPciDevice,
  kernelDriverKind,
  VFIO_PCI_DRIVER,
  IGB_UIO_DRIVER,
  UIO_PCI_GENERIC_DRIVER,
  USERSPACE_DRIVERS,
  type PciKernelDriver,
  type PciDeviceRecord,
  type PciSriov,
  type PciScanSkip,
  type PciScanResult,
  type PciScanOptions,
} from './scan.js';
export {
  sysfsPciDevicesPath,
  sysfsPciDriversPath,
  devRootPath,
  parseSysfsNumber,
  readSysfsNumber,
  SYSFS_PCI_DEVICES_ENV,
  DEFAULT_SYSFS_PCI_DEVICES,
  NIC_DEV_ROOT_ENV,
  DEFAULT_DEV_ROOT,
} from './sysfs.js';
export * from './id-table.js';
export * from './resource.js';
export * from './config.js';
export * from './caps.js';
export * from './virtio-caps.js';
export * from './regs.js';
export type * from './intr-info.js';
export type { PciBarMapping, PciMapMethod } from './resources.js';
export { MmioRegisters, type PciRegisters, type PciNarrowRegisters, hasNarrowAccess } from './registers.js';
export type { PciDmaContainer } from './dma-container.js';
