/**
 * VFIO interrupt programming: `VFIO_DEVICE_SET_IRQS` requests (linux/vfio.h) and the call
 * that hands them to the kernel.
 */
import * as native from '@nic/native';
import { errnoError } from './io.js';

/** vfio-pci's interrupt indexes (`VFIO_PCI_*_IRQ_INDEX`). */
export const VFIO_PCI_IRQ_INDEX = {
  INTX: 0,
  MSI: 1,
  MSIX: 2,
  ERR: 3,
  REQ: 4,
} as const;

/** `vfio_irq_set.flags`: one data type and one action (`VFIO_IRQ_SET_*`). */
export const VFIO_IRQ_SET = {
  DATA_NONE: 1 << 0,
  DATA_BOOL: 1 << 1,
  DATA_EVENTFD: 1 << 2,
  ACTION_MASK: 1 << 3,
  ACTION_UNMASK: 1 << 4,
  ACTION_TRIGGER: 1 << 5,
} as const;

/** One `VFIO_DEVICE_SET_IRQS` request; `fds` is the data of `DATA_EVENTFD` (-1 unbinds a vector). */
export interface VfioIrqRequest {
  readonly index: number;
  readonly start: number;
  readonly count: number;
  readonly flags: number;
  readonly fds: readonly number[];
}

/** Issues `request` on the VFIO device fd; a refusal is a NicError naming `what`. */
export function vfioSetIrqs(deviceFd: number, request: VfioIrqRequest, what: string): void {
  try {
    native.vfioSetIrqs(deviceFd, request.index, request.start, request.count, request.flags, request.fds);
  } catch (e) {
    throw errnoError(e, what);
  }
}
