/**
 * Global reset of one 82599/X540 function (DPDK's `ixgbe_stop_adapter` and
 * `ixgbe_reset_hw_82599`): stop receive and transmit, mask and clear interrupts, stop the
 * function's DMA (CTRL.GIO_DIS until STATUS.GIO clears), set CTRL.RST, wait for it to clear,
 * let the MAC settle, then wait for the EEPROM auto-read that reloads the MAC address.
 */
import { delayMs, HwError, type IntelHw } from '@nic/intel-common';
import {
  CTRL,
  CTRL_GIO_DIS,
  CTRL_RST,
  CTRL_RST_MASK,
  EEC,
  EEC_ARD,
  EICR,
  EIMC,
  RXCTRL,
  RXCTRL_RXEN,
  RXDCTL,
  RXDCTL_ENABLE,
  STATUS,
  STATUS_GIO,
  TXDCTL,
} from './regs.js';

/** Every interrupt but the reserved bit 31 (what `ixgbe_stop_adapter` masks). */
const EIMC_ALL = 0x7fffffff;
/** Polls of STATUS.GIO after CTRL.GIO_DIS, 1 ms apart. */
const GIO_POLLS = 80;
/** Polls of CTRL.RST, 1 ms apart. */
const RESET_POLLS = 10;
/** Milliseconds the MAC needs after the reset bit clears (DPDK waits 50). */
const SETTLE_MS = 50;
/** Polls of EEC.ARD, 1 ms apart. */
const AUTO_READ_POLLS = 10;

/**
 * Stops every queue the driver may have enabled (`queues` each way), receive DMA and
 * interrupts. Safe on a device just out of power-on.
 */
export function stopAdapter(hw: IntelHw, queues: number): void {
  hw.clearBits(RXCTRL, RXCTRL_RXEN);
  hw.write(EIMC, EIMC_ALL);
  hw.read(EICR);
  for (let q = 0; q < queues; q++) {
    hw.write(TXDCTL(q), 0);
    hw.clearBits(RXDCTL(q), RXDCTL_ENABLE);
  }
  hw.flush();
}

/**
 * Resets the function. Throws `HwError`: `removed` when the device reads all ones,
 * `timeout` when CTRL.RST never clears or the EEPROM auto-read never completes. A primary
 * that does not stop is tolerated, as the reset stops it anyway (DPDK does the same).
 */
export function resetHw(hw: IntelHw, queues: number): void {
  if (hw.removed()) throw new HwError('removed', 'reset: the device reads all ones (removed?)');
  stopAdapter(hw, queues);
  hw.setBits(CTRL, CTRL_GIO_DIS);
  try {
    hw.poll(STATUS, (v) => (v & STATUS_GIO) === 0, GIO_POLLS, 1, 'PCIe primary disable (STATUS.GIO)');
  } catch (e) {
    if (hw.removed()) throw e;
  }
  hw.write(CTRL, hw.read(CTRL) | CTRL_RST);
  hw.flush();
  hw.poll(CTRL, (v) => (v & CTRL_RST_MASK) === 0, RESET_POLLS, 1, 'reset (CTRL.RST)');
  delayMs(SETTLE_MS);
  hw.poll(EEC, (v) => (v & EEC_ARD) !== 0, AUTO_READ_POLLS, 1, 'EEPROM auto-read (EEC.ARD)');
  hw.write(EIMC, EIMC_ALL);
  hw.read(EICR);
}
