import {
  addon,
  type VfioConstants,
  type VfioDeviceInfo,
  type VfioGroupStatus,
  type VfioIrqInfo,
  type VfioRegionInfo,
} from './addon.js';

export type { VfioConstants, VfioDeviceInfo, VfioGroupStatus, VfioIrqInfo, VfioRegionInfo, VfioSparseArea } from './addon.js';

/**
 * The VFIO constants (IOMMU types, flags, vfio-pci region and interrupt indexes), read from
 * the kernel's `<linux/vfio.h>` when the addon was built, under their header names.
 */
export const VFIO: VfioConstants = addon.vfioConstants;

/** Where the VFIO container device lives. */
export const VFIO_CONTAINER_PATH = '/dev/vfio/vfio';

/**
 * Opens the VFIO container (`/dev/vfio/vfio`).
 * @throws NicError `NIC_ENOENT` (errno ENOENT, syscall `open`) when the vfio module is not
 * loaded, `NIC_EPERM` without access.
 */
export function vfioOpenContainer(path = VFIO_CONTAINER_PATH): number {
  return addon.vfioOpen(path);
}

/**
 * Opens a VFIO group: a number (the IOMMU group, `/dev/vfio/<n>`), a name under /dev/vfio
 * (`'noiommu-0'`), or an absolute path.
 * @throws NicError `NIC_ENOENT` when no such group exists, `NIC_EBUSY` when another process
 * holds it.
 */
export function vfioOpenGroup(group: number | string): number {
  if (typeof group === 'number') return addon.vfioOpen(`/dev/vfio/${group}`);
  if (typeof group !== 'string') throw new TypeError('vfioOpenGroup group must be a number or a string');
  return addon.vfioOpen(group.startsWith('/') ? group : `/dev/vfio/${group}`);
}

/** `VFIO_GET_API_VERSION` on a container: compare with `VFIO.VFIO_API_VERSION`. */
export function vfioGetApiVersion(container: number): number {
  return addon.vfioGetApiVersion(container);
}

/** `VFIO_CHECK_EXTENSION`: positive when the container supports `extension` (e.g. an IOMMU type). */
export function vfioCheckExtension(container: number, extension: number): number {
  return addon.vfioCheckExtension(container, extension);
}

/**
 * `VFIO_SET_IOMMU`: gives the container its IOMMU model (`VFIO_TYPE1_IOMMU`,
 * `VFIO_TYPE1v2_IOMMU`, or `VFIO_NOIOMMU_IOMMU` for unsafe no-IOMMU mode). At least one group
 * must be attached first.
 */
export function vfioSetIommu(container: number, type: number): void {
  addon.vfioSetIommu(container, type);
}

/** `VFIO_GROUP_GET_STATUS`: whether the group is viable and attached to a container. */
export function vfioGroupGetStatus(group: number): VfioGroupStatus {
  return addon.vfioGroupGetStatus(group);
}

/** `VFIO_GROUP_SET_CONTAINER`: attaches a group to a container. */
export function vfioGroupSetContainer(group: number, container: number): void {
  addon.vfioGroupSetContainer(group, container);
}

/** `VFIO_GROUP_UNSET_CONTAINER`: detaches a group from its container. */
export function vfioGroupUnsetContainer(group: number): void {
  addon.vfioGroupUnsetContainer(group);
}

/** `VFIO_GROUP_GET_DEVICE_FD`: the fd of one device of the group, by PCI address. */
export function vfioGroupGetDeviceFd(group: number, name: string): number {
  return addon.vfioGroupGetDeviceFd(group, name);
}

/** `VFIO_DEVICE_GET_INFO`. */
export function vfioDeviceGetInfo(device: number): VfioDeviceInfo {
  return addon.vfioDeviceGetInfo(device);
}

/**
 * `VFIO_DEVICE_GET_REGION_INFO` for region `index` (`VFIO.VFIO_PCI_BAR0_REGION_INDEX`...),
 * with its capability chain decoded (sparse mmap areas, region type, MSI-X mappable).
 * @throws NicError `NIC_EIO` when the kernel's capability chain is malformed.
 */
export function vfioDeviceGetRegionInfo(device: number, index: number): VfioRegionInfo {
  return addon.vfioDeviceGetRegionInfo(device, index);
}

/** `VFIO_DEVICE_GET_IRQ_INFO` for interrupt index `index` (`VFIO.VFIO_PCI_MSIX_IRQ_INDEX`...). */
export function vfioDeviceGetIrqInfo(device: number, index: number): VfioIrqInfo {
  return addon.vfioDeviceGetIrqInfo(device, index);
}

/**
 * `VFIO_DEVICE_SET_IRQS` on interrupts `start ..` of index `index`:
 * - an array of eventfds: each interrupt signals its eventfd (-1 unassigns that one);
 *   `[]` with start 0 is not a disable, use `'disable'`;
 * - `'mask'` / `'unmask'`: masks or unmasks `count` interrupts (INTx is unmasked after each
 *   interrupt);
 * - `'disable'`: turns the whole index off.
 * @throws NicError with the kernel's errno (`NIC_EINVAL` for a bad range).
 */
export function vfioDeviceSetIrqs(
  device: number,
  index: number,
  start: number,
  how: readonly number[] | 'mask' | 'unmask' | 'disable',
  count = 1,
): void {
  const { VFIO_IRQ_SET_DATA_NONE, VFIO_IRQ_SET_DATA_EVENTFD, VFIO_IRQ_SET_ACTION_MASK } = VFIO;
  const { VFIO_IRQ_SET_ACTION_UNMASK, VFIO_IRQ_SET_ACTION_TRIGGER } = VFIO;
  if (Array.isArray(how)) {
    addon.vfioDeviceSetIrqs(device, index, start, how.length, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, how);
  } else if (how === 'mask' || how === 'unmask') {
    const action = how === 'mask' ? VFIO_IRQ_SET_ACTION_MASK : VFIO_IRQ_SET_ACTION_UNMASK;
    addon.vfioDeviceSetIrqs(device, index, start, count, VFIO_IRQ_SET_DATA_NONE | action, null);
  } else if (how === 'disable') {
    addon.vfioDeviceSetIrqs(device, index, 0, 0, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, null);
  } else {
    throw new TypeError("vfioDeviceSetIrqs how must be an array of eventfds, 'mask', 'unmask' or 'disable'");
  }
}

/** `VFIO_DEVICE_RESET`, for devices whose info says `reset`. */
export function vfioDeviceReset(device: number): void {
  addon.vfioDeviceReset(device);
}

/**
 * `VFIO_IOMMU_MAP_DMA`: lets the device reach `size` bytes of this process at `vaddr` through
 * I/O address `iova`. `flags` default to device read and write. The pages are pinned.
 * The range must lie inside one live mapping made through nic; that mapping is then held for
 * the device (its `unmap()` is `NIC_EBUSY`, its pages outlive its last view) until
 * {@link vfioIommuUnmapDma} covers the IOVA range or `closeFd` closes the container.
 * @throws NicError `NIC_EINVAL` for a range outside live nic memory or a zero size.
 */
export function vfioIommuMapDma(
  container: number,
  vaddr: number,
  iova: number,
  size: number,
  flags = VFIO.VFIO_DMA_MAP_FLAG_READ | VFIO.VFIO_DMA_MAP_FLAG_WRITE,
): void {
  addon.vfioIommuMapDma(container, vaddr, iova, size, flags);
}

/**
 * `VFIO_IOMMU_UNMAP_DMA`: returns the bytes unmapped, and lets go of the mappings held by the
 * {@link vfioIommuMapDma} calls whose IOVA ranges it covered.
 */
export function vfioIommuUnmapDma(container: number, iova: number, size: number): number {
  return addon.vfioIommuUnmapDma(container, iova, size);
}
