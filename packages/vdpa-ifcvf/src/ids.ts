/**
 * The functions net_ifcvf serves (DPDK's `pci_id_ifcvf_map`): virtio's vendor and device
 * ids together with Intel's IFC subsystem ids, net and blk. QEMU's modern virtio-net-pci and
 * virtio-blk-pci have the same vendor and device ids but QEMU's subsystem ids, and no IFC
 * live-migration block: they are served only by the opt-in driver ({@link IFCVF_VIRTIO_OPT_IN_IDS}).
 */
import type { PciId } from '@nic/pci/driver';
import { PCI_CLASS_ANY_ID } from '@nic/pci/driver';

export const VIRTIO_VENDOR_ID = 0x1af4;
export const VIRTIO_NET_MODERN_ID = 0x1041;
export const VIRTIO_BLK_MODERN_ID = 0x1042;
export const VIRTIO_NET_TRANSITIONAL_ID = 0x1000;
export const VIRTIO_BLK_TRANSITIONAL_ID = 0x1001;
export const IFCVF_SUBSYS_VENDOR_ID = 0x8086;
export const IFCVF_SUBSYS_DEVICE_ID = 0x001a;
export const IFCVF_SUBSYS_NET = 0x0001;
export const IFCVF_SUBSYS_BLK = 0x0002;
export const IFCVF_SUBSYS_DEFAULT = 0x0000;
/** QEMU's subsystem ids of a modern virtio-pci function (PCI_SUBVENDOR_ID_REDHAT_QUMRANET, PCI_SUBDEVICE_ID_QEMU). */
export const QEMU_SUBSYS_VENDOR_ID = 0x1af4;
export const QEMU_SUBSYS_DEVICE_ID = 0x1100;

function entry(deviceId: number, subsystemVendorId: number, subsystemDeviceId: number): PciId {
  return { vendorId: VIRTIO_VENDOR_ID, deviceId, subsystemVendorId, subsystemDeviceId, classId: PCI_CLASS_ANY_ID };
}

/** IFC parts (net modern and transitional, blk modern and transitional). */
export const IFCVF_ID_TABLE: readonly PciId[] = [
  entry(VIRTIO_NET_MODERN_ID, IFCVF_SUBSYS_VENDOR_ID, IFCVF_SUBSYS_DEVICE_ID),
  entry(VIRTIO_NET_TRANSITIONAL_ID, IFCVF_SUBSYS_VENDOR_ID, IFCVF_SUBSYS_NET),
  entry(VIRTIO_BLK_TRANSITIONAL_ID, IFCVF_SUBSYS_VENDOR_ID, IFCVF_SUBSYS_BLK),
  entry(VIRTIO_BLK_MODERN_ID, IFCVF_SUBSYS_VENDOR_ID, IFCVF_SUBSYS_BLK),
  entry(VIRTIO_BLK_MODERN_ID, IFCVF_SUBSYS_VENDOR_ID, IFCVF_SUBSYS_DEFAULT),
];

/**
 * The opt-in entries: QEMU's modern virtio-net-pci (1AF4:1041) and virtio-blk-pci (1AF4:1042),
 * subsystem 1AF4:1100, virtio-compatible functions standing in for a VF
 * (`disable-legacy=on,iommu_platform=on` behind a vIOMMU). Only standard virtio structures
 * are used on them; BAR4, where an IFC part has its live-migration block and QEMU has the
 * common configuration, is never written as the LM block.
 */
export const IFCVF_VIRTIO_OPT_IN_IDS: readonly PciId[] = [
  entry(VIRTIO_NET_MODERN_ID, QEMU_SUBSYS_VENDOR_ID, QEMU_SUBSYS_DEVICE_ID),
  entry(VIRTIO_BLK_MODERN_ID, QEMU_SUBSYS_VENDOR_ID, QEMU_SUBSYS_DEVICE_ID),
];

/** Whether `id` is a net function (else blk). */
export function isNetId(id: PciId): boolean {
  return id.deviceId === VIRTIO_NET_MODERN_ID || id.deviceId === VIRTIO_NET_TRANSITIONAL_ID;
}
