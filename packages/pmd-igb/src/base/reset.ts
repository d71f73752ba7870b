/**
 * Global reset of one function, in the order the 82575/82576 datasheet asks for: mask
 * every interrupt, stop receive and transmit, let pending DMA drain, set CTRL.RST, wait for
 * it to clear and for the EEPROM auto-read, then mask and clear interrupts again.
 */
import { delayMs, type IntelHw } from '@nic/intel-common';
import { CTRL, CTRL_RST, EECD, EECD_AUTO_RD, ICR, IMC, IMC_ALL, RCTL, TCTL, TCTL_PSP } from './regs.js';

/** Milliseconds pending DMA gets to drain before the reset. */
const DRAIN_MS = 10;
/** Polls of CTRL.RST, 1 ms apart (the datasheet allows a few milliseconds). */
const RESET_POLLS = 100;
/** Polls of EECD.AUTO_RD, 1 ms apart. */
const AUTO_RD_POLLS = 10;

/**
 * Resets the function. Throws `HwError` when the device is gone or CTRL.RST never clears;
 * an EEPROM auto-read that does not finish is tolerated (as DPDK does), since the MAC
 * address is re-read from RAL/RAH and checked after.
 */
export function resetHw(hw: IntelHw): void {
  hw.write(IMC, IMC_ALL);
  hw.write(RCTL, 0);
  hw.write(TCTL, TCTL_PSP);
  hw.flush();
  delayMs(DRAIN_MS);
  hw.write(CTRL, hw.read(CTRL) | CTRL_RST);
  hw.poll(CTRL, (v) => (v & CTRL_RST) === 0, RESET_POLLS, 1, 'reset (CTRL.RST)');
  try {
    hw.poll(EECD, (v) => (v & EECD_AUTO_RD) !== 0, AUTO_RD_POLLS, 1, 'EEPROM auto-read');
  } catch (e) {
    if (hw.removed()) throw e;
  }
  hw.write(IMC, IMC_ALL);
  hw.read(ICR);
}
