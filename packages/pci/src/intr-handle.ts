/**
 * Interrupt handles for an opened PCI device: the handle of its interrupt (vector 0 and,
 * with queue vectors, MSI-X) and the handle of its VFIO removal request.
 */
import { IntrHandle, IntrHandleType } from '@nic/intr/driver';
import type { PciDevice } from './device.js';
import type { PciIntrKind } from './intr-info.js';

const HANDLE_TYPES: Record<PciIntrKind, IntrHandleType> = {
  uio: IntrHandleType.UIO,
  uio_intx: IntrHandleType.UIO_INTX,
  vfio_msix: IntrHandleType.VFIO_MSIX,
  vfio_msi: IntrHandleType.VFIO_MSI,
  vfio_legacy: IntrHandleType.VFIO_LEGACY,
};

/**
 * The interrupt handle of `dev` (DPDK's `pci_dev->intr_handle`), or undefined when the way
 * it was opened gives no interrupts (sysfs mapping, or no BAR mapped yet). The handle uses
 * the device's fds; they stay the device's.
 */
export function pciIntrHandle(dev: PciDevice): IntrHandle | undefined {
  const intr = dev.intr;
  if (!intr) return undefined;
  return new IntrHandle({ type: HANDLE_TYPES[intr.kind], fd: intr.fd, devFd: intr.deviceFd, setIrqs: intr.setIrqs });
}

/**
 * The handle of `dev`'s removal request (`VFIO_REQ`), which fires when the kernel wants the
 * device back (hot-unplug), or undefined when the device has none (not VFIO).
 */
export function pciReqHandle(dev: PciDevice): IntrHandle | undefined {
  const intr = dev.intr;
  if (intr?.reqFd === undefined) return undefined;
  return new IntrHandle({ type: IntrHandleType.VFIO_REQ, fd: intr.reqFd, devFd: intr.deviceFd, setIrqs: intr.setIrqs });
}
