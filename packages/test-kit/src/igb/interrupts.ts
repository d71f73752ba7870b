/**
 * The 82576's interrupt logic over the register file: causes (ICR, EICR), masks (IMS,
 * EIMS), auto-clear (EIAC), auto-mask (EIAM, IAM) and the mapping of causes to MSI-X
 * vectors (IVAR, IVAR_MISC). In MSI-X mode (GPIE.MSIX_MODE) an "other" cause enabled in
 * IMS sets the EICR bit of IVAR_MISC's vector; a queue cause sets the EICR bit its IVAR
 * entry names; a vector fires when its EICR bit becomes set while enabled in EIMS. Without
 * MSI-X mode, a newly enabled ICR cause fires vector 0. Interrupts are edge-like: a cause
 * already pending and enabled does not fire again. EITR throttling is not modelled: every
 * interrupt is delivered at once.
 */
import {
  EIAC,
  EIAM,
  EICR,
  EICR_VECTOR_MASK,
  EIMS,
  GPIE,
  GPIE_EIAME,
  GPIE_MSIX_MODE,
  GPIE_NSICR,
  IAM,
  ICR,
  ICR_DRSTA,
  IMS,
  IVAR0,
  IVAR_ENTRY_BITS,
  IVAR_ENTRY_MASK,
  IVAR_MISC,
  IVAR_MISC_OTHER_SHIFT,
  IVAR_VALID,
  IVAR_VECTOR_MASK,
} from './regs.js';

const REG_SHIFT = 2;
const REG_BYTES = 4;
/** Queues per IVAR register row: rx/tx of queue q and of queue q + 8. */
const IVAR_ROWS = 8;
/** Byte of an IVAR row for rx queue q (q < 8), tx adds 1, queues 8-15 add 2. */
const IVAR_TX_ENTRY = 1;
const IVAR_HIGH_QUEUE_ENTRY = 2;

/** Sends MSI-X message `vector` (to whatever eventfd is bound to it). */
export type SignalVector = (vector: number) => void;

/** Interrupt state and delivery of one device, over its register file. */
export class IgbInterrupts {
  readonly #regs: Uint32Array;
  readonly #signal: SignalVector;

  /** `regs`: the device's register file (32-bit words); `signal`: MSI-X delivery. */
  constructor(regs: Uint32Array, signal: SignalVector) {
    this.#regs = regs;
    this.#signal = signal;
  }

  /** Raises ICR causes `causes` (link change, rx/tx done, ICS). */
  raise(causes: number): void {
    const oldPending = this.#get(ICR) & this.#get(IMS);
    this.#set(ICR, this.#get(ICR) | causes);
    this.#delivered(oldPending);
  }

  /** Raises EICR bits `bits` (queue causes, EICS). */
  raiseExtended(bits: number): void {
    const oldPending = this.#get(EICR) & this.#get(EIMS);
    this.#set(EICR, this.#get(EICR) | (bits & EICR_VECTOR_MASK));
    this.#fire(oldPending);
  }

  /** IMS write: enables causes; a pending one newly enabled fires. */
  setMask(bits: number): void {
    const oldPending = this.#get(ICR) & this.#get(IMS);
    this.#set(IMS, this.#get(IMS) | bits);
    this.#delivered(oldPending);
  }

  /** IMC write: disables causes. */
  clearMask(bits: number): void {
    this.#set(IMS, this.#get(IMS) & ~bits);
  }

  /** EIMS write: enables vectors; a pending one newly enabled fires. */
  setExtendedMask(bits: number): void {
    const oldPending = this.#get(EICR) & this.#get(EIMS);
    this.#set(EIMS, this.#get(EIMS) | (bits & EICR_VECTOR_MASK));
    this.#fire(oldPending);
  }

  /** EIMC write: disables vectors. */
  clearExtendedMask(bits: number): void {
    this.#set(EIMS, this.#get(EIMS) & ~bits);
  }

  /**
   * ICR read: returns the causes and clears them when GPIE.NSICR is set, IMS is 0, an
   * enabled cause is pending, or the device is not in MSI-X mode; then applies IAM.
   */
  readCauses(): number {
    const icr = this.#get(ICR);
    const ims = this.#get(IMS);
    const gpie = this.#get(GPIE);
    const asserted = (icr & ims) !== 0;
    if ((gpie & GPIE_NSICR) !== 0 || ims === 0 || asserted || (gpie & GPIE_MSIX_MODE) === 0) this.#set(ICR, 0);
    this.#autoMask(asserted);
    return icr;
  }

  /** ICR write: clears the causes written as 1, then applies IAM. */
  clearCauses(bits: number): void {
    const asserted = (this.#get(ICR) & this.#get(IMS)) !== 0;
    this.#set(ICR, this.#get(ICR) & ~bits);
    this.#autoMask(asserted);
  }

  /** EICR read: returns the vectors' causes and clears them. */
  readExtendedCauses(): number {
    const eicr = this.#get(EICR);
    this.#set(EICR, 0);
    return eicr;
  }

  /** EICR write: clears the bits written as 1. */
  clearExtendedCauses(bits: number): void {
    this.#set(EICR, this.#get(EICR) & ~bits);
  }

  /** The EICR bit of rx queue `queue`'s IVAR entry, 0 when the entry is not valid. */
  rxQueueBit(queue: number): number {
    return this.#ivarBit(queue, 0);
  }

  /** The EICR bit of tx queue `queue`'s IVAR entry, 0 when the entry is not valid. */
  txQueueBit(queue: number): number {
    return this.#ivarBit(queue, IVAR_TX_ENTRY);
  }

  #ivarBit(queue: number, direction: number): number {
    const entry = (queue >= IVAR_ROWS ? IVAR_HIGH_QUEUE_ENTRY : 0) + direction;
    const value = (this.#get(IVAR0 + (queue % IVAR_ROWS) * REG_BYTES) >>> (IVAR_ENTRY_BITS * entry)) & IVAR_ENTRY_MASK;
    return this.#vectorBit(value);
  }

  #vectorBit(entry: number): number {
    return (entry & IVAR_VALID) !== 0 ? 1 << (entry & IVAR_VECTOR_MASK) : 0;
  }

  /** After ICR or IMS grew: route newly pending enabled causes to a vector. */
  #delivered(oldPending: number): void {
    const raised = this.#get(ICR) & this.#get(IMS) & ~oldPending;
    if (raised === 0) return;
    if ((this.#get(GPIE) & GPIE_MSIX_MODE) === 0) {
      this.#signal(0);
      return;
    }
    const misc = this.#get(IVAR_MISC);
    let bits = 0;
    if ((raised & ICR_DRSTA) !== 0) bits |= this.#vectorBit(misc & IVAR_ENTRY_MASK);
    if ((raised & ~ICR_DRSTA) !== 0) bits |= this.#vectorBit((misc >>> IVAR_MISC_OTHER_SHIFT) & IVAR_ENTRY_MASK);
    this.raiseExtended(bits);
  }

  /** Sends every vector that became pending and enabled, with EIAC and EIAM applied. */
  #fire(oldPending: number): void {
    const fire = this.#get(EICR) & this.#get(EIMS) & ~oldPending;
    for (let v = 0; fire >>> v !== 0; v++) {
      const bit = 1 << v;
      if ((fire & bit) === 0) continue;
      this.#signal(v);
      if ((this.#get(EIAC) & bit) !== 0) this.#set(EICR, this.#get(EICR) & ~bit);
      if ((this.#get(GPIE) & GPIE_EIAME) !== 0 && (this.#get(EIAM) & bit) !== 0) this.#set(EIMS, this.#get(EIMS) & ~bit);
    }
  }

  #autoMask(asserted: boolean): void {
    if ((this.#get(GPIE) & GPIE_NSICR) !== 0 || (this.#get(IMS) !== 0 && asserted)) this.#set(IMS, this.#get(IMS) & ~this.#get(IAM));
  }

  #get(offset: number): number {
    return this.#regs[offset >>> REG_SHIFT];
  }

  #set(offset: number, value: number): void {
    this.#regs[offset >>> REG_SHIFT] = value;
  }
}
