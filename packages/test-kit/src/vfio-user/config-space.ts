/**
 * The configuration space a vfio-user server shows QEMU for a model (region 7): the model's
 * image, with writes kept only where a function's registers are writable (command register,
 * cache line and latency, interrupt line, power management control, PCI Express device and
 * link control), and a function-level reset when the guest sets Initiate FLR in Device
 * Control. Status.Interrupt follows the function's INTx line (see {@link ServedConfig.showIntx}).
 * QEMU emulates the BARs, the ROM BAR and the MSI/MSI-X capabilities itself; their
 * writes land nowhere here.
 */
import { PCI_CAP_ID_EXP, PCI_CAP_ID_PM } from '@nic/pci/driver';
import { CONFIG_SIZE } from './protocol.js';

const PCI_COMMAND = 0x04;
/** Status, low byte: the Interrupt bit (the INTx line is asserted; read-only). */
const PCI_STATUS = 0x06;
const PCI_STATUS_INTERRUPT = 0x08;
/** I/O, memory, bus master, parity, SERR, INTx disable. */
const PCI_COMMAND_WRITABLE = 0x0547;
const PCI_CACHE_LINE_SIZE = 0x0c;
const PCI_LATENCY_TIMER = 0x0d;
const PCI_INTERRUPT_LINE = 0x3c;
const PCI_CAPABILITY_LIST = 0x34;
/** Offsets inside the power management capability: control/status. */
const PM_CTRL = 0x04;
/** PowerState and PME enable (PME status is write-one-to-clear and stays 0 here). */
const PM_CTRL_WRITABLE = 0x0103;
/** Offsets inside the PCI Express capability. */
const EXP_DEVCTL = 0x08;
const EXP_LNKCTL = 0x10;
const EXP_DEVCTL2 = 0x28;
const EXP_LNKCTL2 = 0x30;
/** Device Control: Initiate Function Level Reset (reads as 0). */
const EXP_DEVCTL_BCR_FLR = 0x8000;
const CAP_NEXT = 1;
const FIRST_CAP = 0x40;
const HEADER_END = 0x100;
/** Guard against a capability list that loops. */
const MAX_CAPS = 48;

/** Config space served for one model. */
export class ServedConfig {
  /** The bytes QEMU reads. */
  readonly bytes: Uint8Array;
  readonly #image: Uint8Array;
  /** Per-byte write masks of the writable registers. */
  readonly #mask = new Uint8Array(CONFIG_SIZE);
  readonly #flrAt: number;
  readonly #onFlr: () => void;

  /** Serves `image` (the model's fresh config space); `onFlr` runs on a function-level reset. */
  constructor(image: Uint8Array, onFlr: () => void) {
    this.bytes = new Uint8Array(CONFIG_SIZE);
    this.bytes.set(image.subarray(0, CONFIG_SIZE));
    this.#image = this.bytes.slice();
    this.#onFlr = onFlr;
    this.#writable(PCI_COMMAND, PCI_COMMAND_WRITABLE, 2);
    this.#writable(PCI_CACHE_LINE_SIZE, 0xff, 1);
    this.#writable(PCI_LATENCY_TIMER, 0xff, 1);
    this.#writable(PCI_INTERRUPT_LINE, 0xff, 1);
    let flrAt = -1;
    let at = this.bytes[PCI_CAPABILITY_LIST];
    for (let n = 0; n < MAX_CAPS && at >= FIRST_CAP && at < HEADER_END; n++) {
      const id = this.bytes[at];
      if (id === PCI_CAP_ID_PM) this.#writable(at + PM_CTRL, PM_CTRL_WRITABLE, 2);
      if (id === PCI_CAP_ID_EXP) {
        flrAt = at + EXP_DEVCTL;
        for (const reg of [EXP_DEVCTL, EXP_LNKCTL, EXP_DEVCTL2, EXP_LNKCTL2]) this.#writable(at + reg, 0xffff, 2);
        this.#mask[flrAt + 1] &= ~(EXP_DEVCTL_BCR_FLR >> 8);
      }
      at = this.bytes[at + CAP_NEXT];
    }
    this.#flrAt = flrAt;
  }

  /**
   * Applies a write of `data` at `offset` (in range: the caller checked): writable bits
   * change, the rest stay; Initiate FLR resets the function and the writable registers.
   */
  write(offset: number, data: Uint8Array): void {
    let flr = false;
    for (let i = 0; i < data.length; i++) {
      const at = offset + i;
      const mask = this.#mask[at];
      this.bytes[at] = (this.bytes[at] & ~mask) | (data[i] & mask);
      if (this.#flrAt >= 0 && at === this.#flrAt + 1 && (data[i] & (EXP_DEVCTL_BCR_FLR >> 8)) !== 0) flr = true;
    }
    if (flr) this.reset();
  }

  /** Sets Status.Interrupt to `asserted` (the function's INTx line). */
  showIntx(asserted: boolean): void {
    if (asserted) this.bytes[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    else this.bytes[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
  }

  /** A function-level reset: the config registers to their image, then the model. */
  reset(): void {
    this.bytes.set(this.#image);
    this.#onFlr();
  }

  #writable(offset: number, mask: number, bytes: number): void {
    for (let i = 0; i < bytes; i++) this.#mask[offset + i] = (mask >> (8 * i)) & 0xff;
  }
}
