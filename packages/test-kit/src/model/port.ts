/**
 * What every modelled Ethernet port of this kit has in common, whatever the chip: a name,
 * a permanent MAC address, the register BAR (a {@link RegisterFile}), the DMA space, the
 * MSI-X and removal-request eventfds, a cable, the frames it puts on the cable, an NVM to
 * inspect and corrupt, and surprise removal. A chip model extends it with its registers,
 * its link rule and its receive path.
 */
import { NicError } from '@nic/native';
import { DmaSpace } from './dma.js';
import { WIRE_MAX_FRAME, WIRE_MIN_FRAME } from './frame.js';
import { defaultMac, parseMac } from './mac.js';
import type { ModelPciSpec, PciModel } from './pci-model.js';
import { RegisterFile } from './register-file.js';
import type { TxRingEngine } from './tx-ring.js';
import { VfioIrqs, type SetIrqsAction } from './vfio-irqs.js';
import type { WirePort } from './wire.js';

/** Options every port model takes. */
export interface PortModelOptions {
  /** Name in messages; default `<kind><n>`. */
  readonly name?: string;
  /** The permanent MAC address (6 bytes or `aa:bb:cc:dd:ee:ff`); default a locally administered one. */
  readonly mac?: Uint8Array | string;
  /** The DMA space the port reaches; default a fresh one. */
  readonly dma?: DmaSpace;
  /** Whether the cable is connected at power-on; default true. */
  readonly link?: boolean;
}

/** The chip-specific facts the base needs. */
export interface PortLayout {
  /** Prefix of default names and of messages: `igb`, `ixgbe`. */
  readonly kind: string;
  /** Second byte of default MAC addresses (02:<family>:00:00:..). */
  readonly macFamily: number;
  readonly registerBarSize: number;
  readonly msixVectors: number;
  /** Folds register aliases onto their canonical offset. */
  readonly canonical?: (offset: number) => number;
  /** The errors {@link PortModel.injectRxError} accepts. */
  readonly rxErrors: readonly string[];
}

/** The NVM of a port, as fault injection and tests see it. */
export interface PortNvm {
  /** Words of the image. */
  readonly size: number;
  word(index: number): number;
  corruptChecksum(corrupt: boolean): void;
}

/** What {@link PortModel.receiveFrame} returns before the chip's receive path runs. */
export type PortRxOutcome = 'removed' | 'no-link';

let instances = 0;

/** The common part of a modelled port. */
export abstract class PortModel<Outcome extends string, RxError extends string> implements PciModel, WirePort<Outcome | PortRxOutcome> {
  /** Name in messages. */
  readonly name: string;
  /** Its PCI identity and BAR layout. */
  abstract readonly pci: ModelPciSpec;
  /** The register BAR; plain reads of it have no side effects. */
  readonly buffer: SharedArrayBuffer;
  /** {@link buffer} as 32-bit registers (`u32[offset >> 2]`). */
  readonly u32: Uint32Array;
  /** The memory this port reaches by DMA; its `faults` count DMA to unmapped IOVAs. */
  readonly dma: DmaSpace;
  /** The permanent MAC address (in the NVM). */
  readonly mac: Uint8Array;
  protected readonly regs: RegisterFile;
  protected abstract readonly nvm: PortNvm;
  /** The transmit rings. */
  protected abstract readonly tx: TxRingEngine;
  readonly #layout: PortLayout;
  readonly #irqs: VfioIrqs;
  readonly #listeners = new Set<(frame: Uint8Array) => void>();
  #cable: boolean;

  constructor(layout: PortLayout, options: PortModelOptions) {
    const who = new.target.name;
    if (typeof options !== 'object' || options === null) throw new TypeError(`${who}: options must be an object`);
    if (options.dma !== undefined && !(options.dma instanceof DmaSpace)) throw new TypeError(`${who}: dma must be a DmaSpace`);
    const n = instances++;
    this.#layout = layout;
    this.name = options.name ?? `${layout.kind}${n}`;
    this.mac = options.mac === undefined ? defaultMac(layout.macFamily, n) : parseMac(options.mac, `${layout.kind} model`);
    this.dma = options.dma ?? new DmaSpace();
    this.#cable = options.link ?? true;
    this.regs = new RegisterFile(`${layout.kind} model`, layout.registerBarSize, { canonical: layout.canonical });
    this.buffer = this.regs.buffer;
    this.u32 = this.regs.u32;
    this.#irqs = new VfioIrqs(this.name, layout.msixVectors);
  }

  /** The register at byte `offset`, with the read's side effects; all ones once removed. */
  read32(offset: number): number {
    return this.regs.read32(offset);
  }

  /** Writes the register at byte `offset`, with the write's side effects; ignored once removed. */
  write32(offset: number, value: number): void {
    this.regs.write32(offset, value);
  }

  /** Power-on reset: registers to their defaults; interrupt bindings (VFIO state) and the cable stay. */
  abstract reset(): void;

  /** Whether the link is up, as the chip's link status register shows it. */
  abstract get linkUp(): boolean;

  /** Whether the cable is connected (fault injection: {@link setLink}). */
  get cable(): boolean {
    return this.#cable;
  }

  /** Connects (`true`) or pulls (`false`) the cable; the chip's link status and link-change interrupt follow. */
  setLink(up: boolean): void {
    if (typeof up !== 'boolean') throw new TypeError(`${this.name}: setLink expects a boolean`);
    this.#cable = up;
    if (!this.regs.removed) this.updateLink(true);
  }

  /**
   * Pauses (`true`) or resumes transmission, as a link partner's PAUSE frames (XOFF, XON)
   * would: while paused the port takes nothing from its transmit queues, whose tail writes
   * wait (so the driver's rings fill); resuming sends what they hold. It outlasts resets,
   * like the cable.
   */
  pauseTransmit(paused: boolean): void {
    if (typeof paused !== 'boolean') throw new TypeError(`${this.name}: pauseTransmit expects a boolean`);
    this.tx.pause(paused);
  }

  /** Whether {@link pauseTransmit} holds transmission. */
  get transmitPaused(): boolean {
    return this.tx.paused;
  }

  /**
   * A frame arriving from the cable (destination address first, no FCS, 14 to 16383
   * bytes). Returns what became of it.
   */
  receiveFrame(frame: Uint8Array): Outcome | PortRxOutcome {
    if (!(frame instanceof Uint8Array)) throw new TypeError(`${this.name}: receiveFrame expects a Uint8Array`);
    if (frame.length < WIRE_MIN_FRAME || frame.length > WIRE_MAX_FRAME) {
      throw new NicError('NIC_EINVAL', `${this.name}: a frame on the wire has ${WIRE_MIN_FRAME} to ${WIRE_MAX_FRAME} bytes, not ${frame.length}`);
    }
    if (this.regs.removed) return 'removed';
    if (!this.linkUp) return 'no-link';
    return this.receive(frame);
  }

  /**
   * Calls `listener` with every frame this port puts on the cable (no FCS) while the link
   * is up. Returns the function that stops it. The frame is the listener's to keep.
   */
  onTransmit(listener: (frame: Uint8Array) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError(`${this.name}: onTransmit expects a function`);
    const own = (frame: Uint8Array): void => listener(frame);
    this.#listeners.add(own);
    return () => this.#listeners.delete(own);
  }

  /** Fault injection: the next frame reaching the receive path carries error `kind`. */
  injectRxError(kind: RxError): void {
    if (!this.#layout.rxErrors.includes(kind)) throw new NicError('NIC_EINVAL', `${this.name}: unknown rx error "${String(kind)}" (${this.#layout.rxErrors.join(' or ')})`);
    this.injectError(kind);
  }

  /** Fault injection: breaks (default) or repairs the NVM checksum. */
  corruptEepromChecksum(corrupt = true): void {
    if (typeof corrupt !== 'boolean') throw new TypeError(`${this.name}: corruptEepromChecksum expects a boolean`);
    this.nvm.corruptChecksum(corrupt);
  }

  /** NVM word `index`, as EERD would read it. */
  eepromWord(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.nvm.size) {
      throw new NicError('NIC_EINVAL', `${this.name}: EEPROM word ${index} is not 0 to ${this.nvm.size - 1}`);
    }
    return this.nvm.word(index);
  }

  /**
   * Fault injection: the device is gone. From now on every register reads all ones, writes
   * are ignored, no DMA happens, and the bound removal-request eventfd is signalled.
   */
  surpriseRemove(): void {
    if (this.regs.removed) return;
    this.regs.remove();
    this.#irqs.requestRemoval();
  }

  /** Whether {@link surpriseRemove} happened. */
  get removed(): boolean {
    return this.regs.removed;
  }

  /**
   * `VFIO_DEVICE_SET_IRQS` for this device: binds eventfds (`-1` unbinds) to MSI-X vectors
   * `start ..` or to the removal request (`VFIO.VFIO_PCI_REQ_IRQ_INDEX`, vector 0), or
   * unbinds them all (`'disable'`). Other indexes, masking MSI-X and out-of-range vectors
   * are `NIC_EINVAL` (the kernel's EINVAL).
   */
  setIrqs(index: number, start: number, how: SetIrqsAction): void {
    this.#irqs.setIrqs(index, start, how);
  }

  /** Whether the INTx line is asserted (see {@link VfioIrqs.intxAsserted}): PCI Status.Interrupt. */
  get intxAsserted(): boolean {
    return this.#irqs.intxAsserted;
  }

  /** Recomputes the link from the cable and the chip's state; raises the link-change cause when `raise` and it changed. */
  protected abstract updateLink(raise: boolean): void;

  /** The chip's receive path for a frame that reached a live port with its link up. */
  protected abstract receive(frame: Uint8Array): Outcome;

  /** Makes the next received frame carry `kind`. */
  protected abstract injectError(kind: RxError): void;

  /** Sends MSI-X message `vector` unless the device is gone. */
  protected signal(vector: number): void {
    if (!this.regs.removed) this.#irqs.signal(vector);
  }

  /** Puts `frame` on the cable while the link is up. */
  protected send(frame: Uint8Array): void {
    if (!this.linkUp) return;
    for (const listener of this.#listeners) listener(frame);
  }
}
