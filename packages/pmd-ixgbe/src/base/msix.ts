/**
 * MSI-X routing as Linux's ixgbe lays it out, with the vector numbers nic's VFIO binding
 * gives: vector 0 for the "other" causes (link status, through IVAR_MISC), and each rx/tx
 * queue pair `q` a q_vector `q + 1` of its own (IVAR), auto-cleared and auto-masked on
 * delivery (EIAC, EIAM_EX with GPIE.EIAME), so it fires once per arming and is re-armed
 * through EIMS_EX. GPIE.OCD keeps the other causes until written back to EICR.
 */
import type { IntelHw, MsixRouting } from '@nic/intel-common';
import {
  EIAC,
  EIAM_EX,
  EICR,
  EICR_LSC,
  EICR_OTHER,
  EICS,
  EIMC,
  EIMC_EX,
  EIMS,
  EIMS_EX,
  EITR,
  GPIE,
  GPIE_EIAME,
  GPIE_MSIX_MODE,
  GPIE_OCD,
  GPIE_PBA_SUPPORT,
  IVAR,
  IVAR_ALLOC_VAL,
  IVAR_MISC,
  IVAR_MISC_OTHER_SHIFT,
} from './regs.js';

/** The vector of the "other" causes. */
export const MISC_VECTOR = 0;
/** The vector of queue pair 0; pair q uses `QUEUE_VECTOR_BASE + q`. */
export const QUEUE_VECTOR_BASE = 1;
/** Vectors whose EICR bit EIAC can auto-clear (the low 16). */
const EIAC_VECTORS = 16;
const VECTORS_PER_REG = 32;
const IVAR_ENTRY_MASK = 0xff;
/** Bits between an IVAR's rx entries for the even and the odd queue. */
const IVAR_QUEUE_SHIFT = 16;
/** Bits between a queue's rx entry and its tx entry. */
const IVAR_TX_SHIFT = 8;
/** Every other-cause bit (30:16) and OTHER. */
const EIMC_OTHER_CAUSES = 0xffff0000;
/** The other causes the misc vector clears (bits 30:16). */
const OTHER_CAUSES = 0x7fff0000;
/** Every vector bit of EIMC_EX. */
const ALL_VECTORS = 0xffffffff;

/** The register of vector `v` in the `_EX` pairs. */
export function vectorReg(v: number): number {
  return v >>> 5;
}

/** Vector `v`'s bit in its `_EX` register. */
export function vectorBit(v: number): number {
  return (1 << (v % VECTORS_PER_REG)) >>> 0;
}

/** Puts the function in MSI-X mode with the "other" causes on {@link MISC_VECTOR}. */
export function msixEnable(hw: IntelHw): void {
  hw.write(GPIE, GPIE_MSIX_MODE | GPIE_PBA_SUPPORT | GPIE_OCD | GPIE_EIAME);
  const misc = hw.read(IVAR_MISC) & ~(IVAR_ENTRY_MASK << IVAR_MISC_OTHER_SHIFT);
  hw.write(IVAR_MISC, (misc | ((MISC_VECTOR | IVAR_ALLOC_VAL) << IVAR_MISC_OTHER_SHIFT)) >>> 0);
}

function setIvar(hw: IntelHw, queue: number, tx: boolean, vector: number): void {
  const reg = IVAR(queue >>> 1);
  const shift = (queue & 1) * IVAR_QUEUE_SHIFT + (tx ? IVAR_TX_SHIFT : 0);
  const old = hw.read(reg) & ~(IVAR_ENTRY_MASK << shift);
  hw.write(reg, (old | ((vector | IVAR_ALLOC_VAL) << shift)) >>> 0);
}

/**
 * Makes queue pair `queue` (its rx and its tx cause) the q_vector `vector`: auto-cleared and
 * auto-masked on delivery; unthrottled (EITR 0), since the masking already keeps a busy
 * queue from interrupting and throttling would only delay the wake.
 */
export function msixMapQueuePair(hw: IntelHw, queue: number, vector: number): void {
  setIvar(hw, queue, false, vector);
  setIvar(hw, queue, true, vector);
  if (vector < EIAC_VECTORS) hw.write(EIAC, hw.read(EIAC) | vectorBit(vector));
  const eiam = EIAM_EX(vectorReg(vector));
  hw.write(eiam, hw.read(eiam) | vectorBit(vector));
  hw.write(EITR(vector), 0);
}

/**
 * Takes the function out of MSI-X mode: EICR's causes enabled in EIMS then raise its one
 * interrupt (INTx or MSI).
 */
export function legacyEnable(hw: IntelHw): void {
  hw.write(GPIE, hw.read(GPIE) & ~(GPIE_MSIX_MODE | GPIE_EIAME | GPIE_PBA_SUPPORT));
}

/**
 * Lets link-status changes interrupt: on {@link MISC_VECTOR} in MSI-X mode (through the
 * OTHER cause), else on the function's one interrupt.
 */
export function lscIntrEnable(hw: IntelHw, msix: boolean): void {
  hw.write(EIMS, msix ? EICR_LSC | EICR_OTHER : EICR_LSC);
  hw.flush();
}

/** Masks every cause and vector. */
export function intrDisableAll(hw: IntelHw): void {
  hw.write(EIMC, EIMC_OTHER_CAUSES);
  hw.write(EIMC_EX(0), ALL_VECTORS);
  hw.write(EIMC_EX(1), ALL_VECTORS);
  hw.flush();
}

/** The EIMS_EX and EIMC_EX registers and the bit that arm and disarm vector `vector`. */
export function vectorArming(vector: number): { set: number; clear: number; bit: number } {
  return { set: EIMS_EX(vectorReg(vector)), clear: EIMC_EX(vectorReg(vector)), bit: vectorBit(vector) };
}

/**
 * ixgbe's routing for the shared interrupt glue: the link-change handler is Linux's
 * `ixgbe_msix_other` (read the causes from EICS, which leaves them pending, and clear them by
 * writing them back to EICR; the 82599's errata path).
 */
export const IXGBE_MSIX: MsixRouting = {
  queueVectorBase: QUEUE_VECTOR_BASE,
  disableAll: intrDisableAll,
  msixEnable,
  legacyEnable,
  mapQueue: msixMapQueuePair,
  lscEnable: lscIntrEnable,
  takeLinkCause(hw) {
    const causes = hw.read(EICS) & OTHER_CAUSES;
    if (causes !== 0) hw.write(EICR, causes);
    return (causes & EICR_LSC) !== 0;
  },
};
