/**
 * The 82599's interrupt logic over the register file. EICR holds the non-queue causes in
 * bits 31:16 (link change, SDP pins, missed packets...) and, in bits 15:0, the queue causes:
 * without MSI-X mode the RTxQ bit an IVAR entry names, in MSI-X mode (GPIE.MSIX_MODE) the
 * causes of vectors 0-15 (vectors 16-63 have causes no register shows).
 *
 * - A queue's write-back looks up its IVAR entry (two queues per register, rx and tx bytes).
 *   In MSI-X mode the entry names a vector; the vector is sent when its cause becomes set
 *   while its mask bit (EIMS_EX; EIMS bits 15:0 are the same bits for vectors 0-15) is set,
 *   or when the mask is set while the cause is pending.
 * - A non-queue cause enabled in EIMS sends the vector IVAR_MISC names (byte 1; byte 0 for
 *   the TCP timer) when it becomes pending; the vector's EIMS_EX bit does not gate it.
 * - Sending applies auto-clear (EIAC: the cause of vectors 0-15, and the non-queue causes
 *   it lists; causes of vectors 16-63 always clear) and, with GPIE.EIAME, auto-mask (EIAM_EX
 *   clears the vector's mask bit; EIAM bits 31:16 clear non-queue causes' mask bits).
 * - Without MSI-X mode, any newly pending enabled cause sends vector 0.
 * - Reading EICR returns it and clears it (only bits 31:16 with GPIE.OCD in MSI-X mode);
 *   writing 1s clears bits; EICS and EICS_EX set causes as the hardware would; reading EICS
 *   returns EICR without clearing it (Linux's ixgbe reads it so, working around an erratum).
 *
 * EITR throttling is not modelled: every interrupt is sent at once.
 */
import {
  EIAC,
  EIAM,
  EIAM_EX,
  EICR,
  EICR_CAUSES,
  EICR_RTX_QUEUE,
  EICR_TCP_TIMER,
  EIMS,
  EIMS_EX,
  GPIE,
  GPIE_EIAME,
  GPIE_MSIX_MODE,
  GPIE_OCD,
  IVAR,
  IVAR_ALLOC_MASK,
  IVAR_ALLOC_VAL,
  IVAR_ENTRY_BITS,
  IVAR_ENTRY_MASK,
  IVAR_MISC,
} from './regs.js';

/** Sends MSI-X message `vector` (to whatever eventfd is bound to it). */
export type SignalVector = (vector: number) => void;

const REG_SHIFT = 2;
const WORD_BITS = 32;
const WORDS = 2;
/** Vectors whose cause EICR shows (0-15). */
const VISIBLE_VECTORS = 16;
/** IVAR bytes: rx of queue 2n, tx of 2n, rx of 2n + 1, tx of 2n + 1. */
const QUEUES_PER_IVAR = 2;
const IVAR_TX_ENTRY = 1;
const IVAR_ODD_QUEUE_ENTRY = 2;
const MISC_TCP_TIMER_ENTRY = 0;
const MISC_OTHER_ENTRY = 1;

/** Interrupt state and delivery of one 82599, over its register file. */
export class IxgbeInterrupts {
  readonly #regs: Uint32Array;
  readonly #signal: SignalVector;
  /** Causes of vectors 16-63 (bits 16-31 of word 0, all of word 1). */
  readonly #hidden = new Uint32Array(WORDS);

  /** `regs`: the device's register file (32-bit words); `signal`: MSI-X delivery. */
  constructor(regs: Uint32Array, signal: SignalVector) {
    this.#regs = regs;
    this.#signal = signal;
  }

  /** Forgets hidden causes (device reset; the registers are reset by the caller). */
  reset(): void {
    this.#hidden.fill(0);
  }

  /** Raises the write-back cause of rx (`tx` false) or tx queue `queue`. */
  queueCause(queue: number, tx: boolean): void {
    const entry = (queue % QUEUES_PER_IVAR) * IVAR_ODD_QUEUE_ENTRY + (tx ? IVAR_TX_ENTRY : 0);
    const value = (this.#get(IVAR(Math.floor(queue / QUEUES_PER_IVAR))) >>> (IVAR_ENTRY_BITS * entry)) & IVAR_ENTRY_MASK;
    if ((value & IVAR_ALLOC_VAL) === 0) return;
    const alloc = value & IVAR_ALLOC_MASK;
    if (this.#msix()) this.#raiseVector(alloc);
    else this.#raiseLegacy(1 << (alloc % VISIBLE_VECTORS));
  }

  /** Raises non-queue causes `bits` (EICR bits 31:16). */
  cause(bits: number): void {
    const causes = bits & EICR_CAUSES;
    if (causes === 0) return;
    if (!this.#msix()) {
      this.#raiseLegacy(causes);
      return;
    }
    const old = this.#get(EICR);
    this.#set(EICR, (old | causes) >>> 0);
    this.#sendCauses(causes & ~old & this.#get(EIMS));
  }

  /** EICS write: sets causes (bits 15:0 are queue causes, or vectors 0-15 in MSI-X mode). */
  writeEics(value: number): void {
    this.cause(value);
    const queues = value & EICR_RTX_QUEUE;
    if (queues === 0) return;
    if (this.#msix()) this.#raiseVectors(0, queues);
    else this.#raiseLegacy(queues);
  }

  /** EICS_EX(n) write: sets the causes of vectors 32n .. 32n + 31 (RTxQ bits without MSI-X mode). */
  writeEicsEx(n: number, value: number): void {
    if (this.#msix()) this.#raiseVectors(n, value);
    else if (n === 0) this.#raiseLegacy(value & EICR_RTX_QUEUE);
  }

  /** EICR read: the causes, then cleared (bits 31:16 only with GPIE.OCD in MSI-X mode). */
  readEicr(): number {
    const eicr = this.#get(EICR);
    const keep = this.#msix() && (this.#get(GPIE) & GPIE_OCD) !== 0 ? EICR_RTX_QUEUE : 0;
    this.#set(EICR, eicr & keep);
    return eicr;
  }

  /** EICR write: clears the bits written as 1. */
  writeEicr(value: number): void {
    this.#set(EICR, (this.#get(EICR) & ~value) >>> 0);
  }

  /** EIMS write: enables causes and vectors 0-15; pending ones newly enabled are sent. */
  writeEims(value: number): void {
    const old = this.#masks();
    this.#setMask(0, (this.#get(EIMS_EX(0)) | (value & EICR_RTX_QUEUE)) >>> 0, (this.#get(EIMS) | value) & EICR_CAUSES);
    this.#afterUnmask(old);
  }

  /** EIMC write: disables causes and vectors 0-15. */
  writeEimc(value: number): void {
    this.#setMask(0, (this.#get(EIMS_EX(0)) & ~(value & EICR_RTX_QUEUE)) >>> 0, (this.#get(EIMS) & ~value) & EICR_CAUSES);
  }

  /** EIMS_EX(n) write: enables vectors 32n ..; pending ones newly enabled are sent. */
  writeEimsEx(n: number, value: number): void {
    const old = this.#masks();
    this.#setMask(n, (this.#get(EIMS_EX(n)) | value) >>> 0, this.#get(EIMS) & EICR_CAUSES);
    this.#afterUnmask(old);
  }

  /** EIMC_EX(n) write: disables vectors 32n ... */
  writeEimcEx(n: number, value: number): void {
    this.#setMask(n, (this.#get(EIMS_EX(n)) & ~value) >>> 0, this.#get(EIMS) & EICR_CAUSES);
  }

  /** EIAM write: bits 15:0 are EIAM_EX(0) bits 15:0. */
  writeEiam(value: number): void {
    this.#set(EIAM, value >>> 0);
    this.#set(EIAM_EX(0), ((this.#get(EIAM_EX(0)) & ~EICR_RTX_QUEUE) | (value & EICR_RTX_QUEUE)) >>> 0);
  }

  /** EIAM_EX(n) write (n = 0 shows in EIAM bits 15:0). */
  writeEiamEx(n: number, value: number): void {
    this.#set(EIAM_EX(n), value >>> 0);
    if (n === 0) this.#set(EIAM, ((this.#get(EIAM) & EICR_CAUSES) | (value & EICR_RTX_QUEUE)) >>> 0);
  }

  #msix(): boolean {
    return (this.#get(GPIE) & GPIE_MSIX_MODE) !== 0;
  }

  /** Stores the mask of vectors 32n.. and the non-queue cause mask, keeping EIMS and EIMS_EX(0) in step. */
  #setMask(n: number, vectors: number, causes: number): void {
    this.#set(EIMS_EX(n), vectors >>> 0);
    const low = n === 0 ? vectors & EICR_RTX_QUEUE : this.#get(EIMS) & EICR_RTX_QUEUE;
    this.#set(EIMS, (causes | low) >>> 0);
  }

  /** EIMS, EIMS_EX(0) and EIMS_EX(1) as they are now. */
  #masks(): [number, number, number] {
    return [this.#get(EIMS), this.#get(EIMS_EX(0)), this.#get(EIMS_EX(1))];
  }

  /** After masks were set (`old`: {@link #masks} before): sends what is pending and newly enabled. */
  #afterUnmask(old: readonly [number, number, number]): void {
    const [oldEims, ...oldEx] = old;
    if (!this.#msix()) {
      // A pending cause newly enabled fires vector 0.
      if ((this.#get(EICR) & this.#get(EIMS) & ~oldEims) !== 0) this.#signal(0);
      return;
    }
    this.#sendCauses(this.#get(EICR) & this.#get(EIMS) & ~oldEims & EICR_CAUSES);
    for (let n = 0; n < WORDS; n++) {
      const fire = this.#pendingVectors(n) & this.#get(EIMS_EX(n)) & ~oldEx[n];
      for (let b = 0; b < WORD_BITS; b++) if ((fire & (1 << b)) !== 0) this.#send(n * WORD_BITS + b);
    }
  }

  #pendingVectors(n: number): number {
    return n === 0 ? (this.#hidden[0] & ~EICR_RTX_QUEUE) | (this.#get(EICR) & EICR_RTX_QUEUE) : this.#hidden[n];
  }

  #raiseVectors(n: number, bits: number): void {
    for (let b = 0; b < WORD_BITS; b++) if ((bits & (1 << b)) !== 0) this.#raiseVector(n * WORD_BITS + b);
  }

  /** Sets the cause of vector `v`; sends it when that is new and the vector is enabled. */
  #raiseVector(v: number): void {
    const n = Math.floor(v / WORD_BITS);
    const bit = 1 << (v % WORD_BITS);
    if ((this.#pendingVectors(n) & bit) !== 0) return;
    if (v < VISIBLE_VECTORS) this.#set(EICR, (this.#get(EICR) | bit) >>> 0);
    else this.#hidden[n] |= bit;
    if ((this.#get(EIMS_EX(n)) & bit) !== 0) this.#send(v);
  }

  /** Sends queue vector `v`, then auto-clears and auto-masks it. */
  #send(v: number): void {
    this.#signal(v);
    const n = Math.floor(v / WORD_BITS);
    const bit = 1 << (v % WORD_BITS);
    if (v >= VISIBLE_VECTORS) this.#hidden[n] &= ~bit;
    else if ((this.#get(EIAC) & bit) !== 0) this.#set(EICR, (this.#get(EICR) & ~bit) >>> 0);
    if ((this.#get(GPIE) & GPIE_EIAME) !== 0 && (this.#get(EIAM_EX(n)) & bit) !== 0) {
      this.#setMask(n, (this.#get(EIMS_EX(n)) & ~bit) >>> 0, this.#get(EIMS) & EICR_CAUSES);
    }
  }

  /** Sends the IVAR_MISC vector(s) of newly pending enabled non-queue causes `causes`. */
  #sendCauses(causes: number): void {
    if (causes === 0) return;
    const misc = this.#get(IVAR_MISC);
    for (const [mask, entry] of [[EICR_TCP_TIMER, MISC_TCP_TIMER_ENTRY], [EICR_CAUSES & ~EICR_TCP_TIMER, MISC_OTHER_ENTRY]] as const) {
      const these = causes & mask;
      const value = (misc >>> (IVAR_ENTRY_BITS * entry)) & IVAR_ENTRY_MASK;
      if (these === 0 || (value & IVAR_ALLOC_VAL) === 0) continue;
      this.#signal(value & IVAR_ALLOC_MASK);
      this.#set(EICR, (this.#get(EICR) & ~(these & this.#get(EIAC))) >>> 0);
      if ((this.#get(GPIE) & GPIE_EIAME) !== 0) this.#set(EIMS, (this.#get(EIMS) & ~(these & this.#get(EIAM))) >>> 0);
    }
  }

  /** Without MSI-X mode: sets EICR bits; newly pending enabled ones fire vector 0. */
  #raiseLegacy(bits: number): void {
    const old = this.#get(EICR);
    this.#set(EICR, (old | bits) >>> 0);
    if ((bits & ~old & this.#get(EIMS)) !== 0) this.#signal(0);
  }

  #get(offset: number): number {
    return this.#regs[offset >>> REG_SHIFT];
  }

  #set(offset: number, value: number): void {
    this.#regs[offset >>> REG_SHIFT] = value;
  }
}
