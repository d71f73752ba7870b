/**
 * What an interrupt handle needs to know about a mapped PCI device, as plain data: the
 * @nic/intr package builds handles from it.
 */

/**
 * How the device's interrupts reach userspace:
 * - `uio`: igb_uio; `fd` is `/dev/uioN`, written 1/0 to enable/disable.
 * - `uio_intx`: uio_pci_generic; `fd` is `/dev/uioN`, and INTx is re-enabled through the
 *   command register on `deviceFd` (the config file).
 * - `vfio_msix`, `vfio_msi`, `vfio_legacy`: `fd` is an eventfd for vector 0, bound with
 *   VFIO_DEVICE_SET_IRQS on `deviceFd` (the VFIO device fd).
 */
export type PciIntrKind = 'uio' | 'uio_intx' | 'vfio_msix' | 'vfio_msi' | 'vfio_legacy';

/** The interrupt facts of a mapped device. The fds belong to the device until it is unmapped. */
export interface PciIntrInfo {
  readonly kind: PciIntrKind;
  /** The fd that becomes readable on an interrupt. */
  readonly fd: number;
  /** The config-space fd (UIO) or VFIO device fd. */
  readonly deviceFd: number;
  /** Interrupt vectors available: 1 for UIO and INTx, the MSI/MSI-X count otherwise. */
  readonly nbVectors: number;
  /**
   * For VFIO: an eventfd for the device's removal request (`VFIO_PCI_REQ_IRQ_INDEX`), which
   * the kernel signals when it wants the device back (hot-unplug); undefined when the
   * device has no such interrupt.
   */
  readonly reqFd?: number;
  /**
   * Who carries out `VFIO_DEVICE_SET_IRQS` for this device when it is not the kernel (a
   * device model); undefined means the ioctl on `deviceFd`.
   */
  readonly setIrqs?: (index: number, start: number, how: readonly number[] | 'mask' | 'unmask' | 'disable') => void;
}
