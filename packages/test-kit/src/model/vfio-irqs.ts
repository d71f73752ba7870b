/**
 * The interrupt side of a modelled VFIO device: eventfds bound to its MSI-X vectors and to
 * the removal request, as `VFIO_DEVICE_SET_IRQS` binds them (a vfio-user server's SET_IRQS
 * lands here too). Sending a vector writes its eventfd; an unbound vector is lost.
 */
import { eventfdWrite, NicError, VFIO } from '@nic/native';

/** What `setIrqs` may do with an interrupt index (VFIO_DEVICE_SET_IRQS). */
export type SetIrqsAction = readonly number[] | 'mask' | 'unmask' | 'disable';

const NO_FD = -1;

/** MSI-X and removal-request eventfds of one device. */
export class VfioIrqs {
  /** MSI-X vectors of the device. */
  readonly vectors: number;
  readonly #owner: string;
  readonly #msix: number[];
  #reqFd = NO_FD;

  constructor(owner: string, vectors: number) {
    this.#owner = owner;
    this.vectors = vectors;
    this.#msix = new Array<number>(vectors).fill(NO_FD);
  }

  /**
   * `VFIO_DEVICE_SET_IRQS`: binds eventfds (`-1` unbinds) to MSI-X vectors `start ..` or to
   * the removal request (`VFIO.VFIO_PCI_REQ_IRQ_INDEX`, vector 0), or unbinds them all
   * (`'disable'`). Other indexes, masking and out-of-range vectors are `NIC_EINVAL` (the
   * kernel's EINVAL).
   */
  setIrqs(index: number, start: number, how: SetIrqsAction): void {
    const table = this.#table(index);
    if (!Number.isInteger(start) || start < 0) throw new TypeError(`${this.#owner}: setIrqs start must be a non-negative integer`);
    if (how === 'disable') {
      table.fill(NO_FD);
    } else if (how === 'mask' || how === 'unmask') {
      throw new NicError('NIC_EINVAL', `${this.#owner}: ${how} of interrupt index ${index} is not supported (VFIO cannot mask MSI-X or the request interrupt)`);
    } else {
      if (!Array.isArray(how) || how.some((fd) => !Number.isInteger(fd) || fd < NO_FD)) throw new TypeError(`${this.#owner}: setIrqs expects eventfds (-1 to unbind) or an action`);
      if (start + how.length > table.length) {
        throw new NicError('NIC_EINVAL', `${this.#owner}: vectors ${start}..${start + how.length - 1} of index ${index}; the device has ${table.length}`);
      }
      how.forEach((fd, i) => (table[start + i] = fd));
    }
    if (index === VFIO.VFIO_PCI_REQ_IRQ_INDEX) this.#reqFd = table[0];
    else this.#msix.splice(0, this.vectors, ...table);
  }

  /** Sends MSI-X message `vector` (a no-op while no eventfd is bound to it). */
  signal(vector: number): void {
    const fd = this.#msix[vector];
    if (fd !== undefined && fd !== NO_FD) eventfdWrite(fd, 1);
  }

  /** Signals the removal request, when bound. */
  requestRemoval(): void {
    if (this.#reqFd !== NO_FD) eventfdWrite(this.#reqFd, 1);
  }

  #table(index: number): number[] {
    if (index === VFIO.VFIO_PCI_MSIX_IRQ_INDEX) return [...this.#msix];
    if (index === VFIO.VFIO_PCI_REQ_IRQ_INDEX) return [this.#reqFd];
    throw new NicError('NIC_EINVAL', `${this.#owner}: interrupt index ${index} is not modelled (only MSI-X and the removal request)`);
  }
}
