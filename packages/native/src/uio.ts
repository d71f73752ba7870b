import { addon } from './addon.js';

/**
 * Reads a UIO device fd (`/dev/uioN`): returns its total interrupt count, waiting for the next
 * interrupt on a blocking fd; -1 on a non-blocking fd (one under `watchFd`) with no new
 * interrupt.
 * @throws NicError with the errno of `read` (a non-UIO fd is usually `NIC_EINVAL`).
 */
export function uioRead(fd: number): number {
  return addon.uioRead(fd);
}

/**
 * Enables (`true` or 1) or disables (`false` or 0) the interrupt of a UIO device; drivers
 * re-enable it after handling each interrupt, as uio_pci_generic and igb_uio expect.
 * @throws NicError with the errno of `write`.
 */
export function uioWrite(fd: number, enable: boolean | 0 | 1): void {
  addon.uioWrite(fd, enable);
}
