/**
 * The interrupt side of a modelled VFIO device: eventfds bound as `VFIO_DEVICE_SET_IRQS` binds
 * them (a vfio-user server's SET_IRQS lands here too) to the MSI-X vectors, the one MSI
 * message, INTx and the removal request. The device sends "vector v"; where it goes depends on
 * what the driver enabled, as on the bus: MSI-X vector v while any MSI-X vector is bound, else
 * the MSI message (vector 0), else INTx (vector 0). INTx is level-triggered and automasked as
 * VFIO serves it: a signal masks it, and a signal while masked waits for the unmask. The
 * line counts as asserted from the signal until an unmask finds no signal waiting (VFIO's
 * unmask is the end of the interrupt: QEMU sends it when the guest next touches a BAR), which
 * is what the function's Status.Interrupt bit shows. An unbound vector is lost.
 */
import { eventfdWrite, NicError, VFIO } from '@nic/native';

/** What `setIrqs` may do with an interrupt index (VFIO_DEVICE_SET_IRQS). */
export type SetIrqsAction = readonly number[] | 'mask' | 'unmask' | 'disable';

const NO_FD = -1;

/** The interrupt eventfds of one device. */
export class VfioIrqs {
  /** MSI-X vectors of the device. */
  readonly vectors: number;
  readonly #owner: string;
  readonly #msix: number[];
  /** MSI-X vectors bound now: while any is, the device signals through MSI-X. */
  #msixBound = 0;
  #msiFd = NO_FD;
  #intxFd = NO_FD;
  #intxMasked = false;
  /** A signal came while INTx was masked: it is sent on the unmask. */
  #intxPending = false;
  #intxAsserted = false;
  #reqFd = NO_FD;

  constructor(owner: string, vectors: number) {
    this.#owner = owner;
    this.vectors = vectors;
    this.#msix = new Array<number>(vectors).fill(NO_FD);
  }

  /**
   * `VFIO_DEVICE_SET_IRQS`: binds eventfds (`-1` unbinds) to vectors `start ..` of MSI-X
   * (`VFIO.VFIO_PCI_MSIX_IRQ_INDEX`), MSI (one vector), INTx (one) or the removal request
   * (one), or unbinds an index's all (`'disable'`); masks or unmasks INTx. Other indexes,
   * masking anything but INTx and out-of-range vectors are `NIC_EINVAL` (the kernel's EINVAL).
   */
  setIrqs(index: number, start: number, how: SetIrqsAction): void {
    const table = this.#table(index);
    if (!Number.isInteger(start) || start < 0) throw new TypeError(`${this.#owner}: setIrqs start must be a non-negative integer`);
    if (how === 'mask' || how === 'unmask') {
      if (index !== VFIO.VFIO_PCI_INTX_IRQ_INDEX) {
        throw new NicError('NIC_EINVAL', `${this.#owner}: ${how} of interrupt index ${index} is not supported (VFIO masks only INTx)`);
      }
      if (how === 'mask') this.#intxMasked = true;
      else this.#unmaskIntx();
      return;
    }
    if (how === 'disable') {
      table.fill(NO_FD);
    } else {
      if (!Array.isArray(how) || how.some((fd) => !Number.isInteger(fd) || fd < NO_FD)) throw new TypeError(`${this.#owner}: setIrqs expects eventfds (-1 to unbind) or an action`);
      if (start + how.length > table.length) {
        throw new NicError('NIC_EINVAL', `${this.#owner}: vectors ${start}..${start + how.length - 1} of index ${index}; the device has ${table.length}`);
      }
      how.forEach((fd, i) => (table[start + i] = fd));
    }
    switch (index) {
      case VFIO.VFIO_PCI_MSIX_IRQ_INDEX:
        this.#msix.splice(0, this.vectors, ...table);
        this.#msixBound = table.filter((fd) => fd !== NO_FD).length;
        break;
      case VFIO.VFIO_PCI_MSI_IRQ_INDEX:
        this.#msiFd = table[0];
        break;
      case VFIO.VFIO_PCI_INTX_IRQ_INDEX:
        this.#intxFd = table[0];
        this.#intxMasked = false;
        this.#intxPending = false;
        this.#intxAsserted = false;
        break;
      default:
        this.#reqFd = table[0];
    }
  }

  /** Sends vector `vector` (MSI-X), or the MSI message or INTx for vector 0 (a no-op while nothing is bound to it). */
  signal(vector: number): void {
    if (this.#msixBound > 0) {
      const fd = this.#msix[vector];
      if (fd !== undefined && fd !== NO_FD) eventfdWrite(fd, 1);
    } else if (vector !== 0) {
      return;
    } else if (this.#msiFd !== NO_FD) {
      eventfdWrite(this.#msiFd, 1);
    } else if (this.#intxFd !== NO_FD) {
      this.#intxAsserted = true;
      if (this.#intxMasked) {
        this.#intxPending = true;
      } else {
        this.#intxMasked = true;
        eventfdWrite(this.#intxFd, 1);
      }
    }
  }

  /** Whether the INTx line is asserted: signalled, and no unmask since found nothing waiting. */
  get intxAsserted(): boolean {
    return this.#intxAsserted;
  }

  /** Signals the removal request, when bound. */
  requestRemoval(): void {
    if (this.#reqFd !== NO_FD) eventfdWrite(this.#reqFd, 1);
  }

  #unmaskIntx(): void {
    this.#intxMasked = false;
    this.#intxAsserted = this.#intxPending;
    if (!this.#intxPending) return;
    this.#intxPending = false;
    this.signal(0);
  }

  /** A copy of index `index`'s bindings. */
  #table(index: number): number[] {
    switch (index) {
      case VFIO.VFIO_PCI_MSIX_IRQ_INDEX:
        return [...this.#msix];
      case VFIO.VFIO_PCI_MSI_IRQ_INDEX:
        return [this.#msiFd];
      case VFIO.VFIO_PCI_INTX_IRQ_INDEX:
        return [this.#intxFd];
      case VFIO.VFIO_PCI_REQ_IRQ_INDEX:
        return [this.#reqFd];
      default:
        throw new NicError('NIC_EINVAL', `${this.#owner}: interrupt index ${index} is not modelled (only INTx, MSI, MSI-X and the removal request)`);
    }
  }
}
