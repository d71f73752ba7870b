/**
 * An rx queue's interrupt as the polling thread drives it when the queue has an MSI-X
 * vector of its own: arming sets the vector's bit in an interrupt mask set register (EIMS,
 * or ixgbe's EIMS_EX), disarming writes it to the matching clear register.
 */
import type { RxQueueIntr } from '@nic/intr/driver';
import type { PciRegisters } from '@nic/pci/driver';

/** One queue's vector: the mask set and clear registers that hold its bit, and the bit. */
export class VectorRxIntr implements RxQueueIntr {
  readonly fd: number;
  readonly #regs: PciRegisters;
  readonly #setReg: number;
  readonly #clearReg: number;
  readonly #bit: number;

  constructor(regs: PciRegisters, fd: number, setReg: number, clearReg: number, bit: number) {
    this.#regs = regs;
    this.fd = fd;
    this.#setReg = setReg;
    this.#clearReg = clearReg;
    this.#bit = bit >>> 0;
  }

  enable(): void {
    this.#regs.write32(this.#setReg, this.#bit);
  }

  disable(): void {
    this.#regs.write32(this.#clearReg, this.#bit);
  }
}
