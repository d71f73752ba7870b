/**
 * Interrupt routing as the ethdev glue uses it. In MSI-X mode: vector 0 for the "other"
 * causes (link status), vectors 1 and up for rx queues, each auto-cleared so a queue's
 * vector fires once per arming (the NAPI pattern). Out of it (GPIE 0, DPDK's igb without
 * queue vectors): the causes set in IMS raise the function's one interrupt, INTx or MSI, and
 * reading ICR clears them (which lowers INTx).
 */
import type { IntelHw, MsixRouting } from '@nic/intel-common';
import {
  EIAC,
  EIAM,
  EIMC,
  EIMS,
  EITR,
  GPIE,
  GPIE_EIAME,
  GPIE_MSIX_MODE,
  GPIE_NSICR,
  GPIE_PBA,
  ICR,
  ICR_LSC,
  IMC,
  IMC_ALL,
  IMS,
  IVAR0,
  IVAR_MISC,
  IVAR_MISC_OTHER_SHIFT,
  IVAR_QUEUES_PER_REG,
  IVAR_RX_SHIFT_HIGH,
  IVAR_RX_SHIFT_LOW,
  IVAR_VALID,
} from './regs.js';

/** The vector of the "other" causes. */
export const MISC_VECTOR = 0;
/** The vector of rx queue 0; queue q uses `RX_VECTOR_BASE + q`. */
export const RX_VECTOR_BASE = 1;
const IVAR_ENTRY_MASK = 0xff;

/** The EIMS/EICR bit of vector `v`. */
export function vectorBit(v: number): number {
  return (1 << v) >>> 0;
}

/** Puts the function in MSI-X mode with the "other" causes on {@link MISC_VECTOR}. */
export function msixEnable(hw: IntelHw): void {
  hw.write(GPIE, GPIE_MSIX_MODE | GPIE_PBA | GPIE_EIAME | GPIE_NSICR);
  hw.write(IVAR_MISC, (MISC_VECTOR | IVAR_VALID) << IVAR_MISC_OTHER_SHIFT);
}

/**
 * Routes rx queue `queue`'s cause to vector `vector`, auto-cleared and auto-masked on
 * delivery, so the vector fires once per arming; unthrottled (EITR 0), since the masking
 * already keeps a busy queue from interrupting and throttling would only delay the wake.
 */
export function msixMapRxQueue(hw: IntelHw, queue: number, vector: number): void {
  const reg = IVAR0(queue % IVAR_QUEUES_PER_REG);
  const shift = queue < IVAR_QUEUES_PER_REG ? IVAR_RX_SHIFT_LOW : IVAR_RX_SHIFT_HIGH;
  const old = hw.read(reg) & ~(IVAR_ENTRY_MASK << shift);
  hw.write(reg, (old | ((vector | IVAR_VALID) << shift)) >>> 0);
  hw.write(EIAC, hw.read(EIAC) | vectorBit(vector));
  hw.write(EIAM, hw.read(EIAM) | vectorBit(vector));
  hw.write(EITR(vector), 0);
}

/**
 * Takes the function out of MSI-X mode. EIMS stays clear: out of MSI-X mode its bits would
 * let the queues' extended causes interrupt too.
 */
export function legacyEnable(hw: IntelHw): void {
  hw.write(GPIE, 0);
}

/**
 * Lets the "other" causes in `icrMask` interrupt: on {@link MISC_VECTOR} in MSI-X mode, else
 * on the function's one interrupt.
 */
export function miscIntrEnable(hw: IntelHw, icrMask: number, msix: boolean): void {
  if (msix) hw.write(EIMS, vectorBit(MISC_VECTOR));
  hw.write(IMS, icrMask);
  hw.flush();
}

/** Masks every cause and vector. */
export function intrDisableAll(hw: IntelHw): void {
  hw.write(EIMC, 0xffffffff);
  hw.write(IMC, IMC_ALL);
  hw.flush();
}

/**
 * igb's routing for the shared interrupt glue: the link-change handler is DPDK's
 * `eth_igb_interrupt_handler` (mask everything, read the read-to-clear ICR; re-enabled
 * after), the same in either mode.
 */
export const IGB_MSIX: MsixRouting = {
  queueVectorBase: RX_VECTOR_BASE,
  disableAll: intrDisableAll,
  msixEnable,
  legacyEnable,
  mapQueue: msixMapRxQueue,
  lscEnable: (hw, msix) => miscIntrEnable(hw, ICR_LSC, msix),
  takeLinkCause(hw) {
    intrDisableAll(hw);
    return (hw.read(ICR) & ICR_LSC) !== 0;
  },
};
