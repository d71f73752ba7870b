import { addon } from './addon.js';

/**
 * Reads a UIO device fd (`/dev/uioN`): returns its total interrupt count, waiting for the next
 * interrupt on a blocking fd; -1 on a non-blocking fd (one under {@link watchFd}) with no new
 * interrupt.
 * @throws NicError with the errno of `read` (a non-UIO fd is usually `NIC_EINVAL`).
 */
export function uioRead(fd: number): number {
  return addon.uioRead(fd);
}

/**
 * Enables (`true`) or disables (`false`) the interrupt of a UIO device, as uio_pci_generic
 * and igb_uio expect after each interrupt.
 */
export function uioWrite(fd: number, enable: boolean): void {
  addon.uioWrite(fd, enable);
}
