/**
 * EEPROM (NVM) access through EERD, the checksum check, and the permanent MAC address,
 * which the EEPROM auto-read loads into receive address entry 0.
 */
import { HwError, type IntelHw } from '@nic/intel-common';
import { EERD, EERD_ADDR_SHIFT, EERD_DATA_SHIFT, EERD_DONE, EERD_START } from './regs.js';

/** Words covered by the checksum (0x00 to 0x3F, the checksum word last). */
export const NVM_CHECKSUM_WORDS = 0x40;
/** What those words must add up to (mod 2^16). */
export const NVM_SUM = 0xbaba;
/** Polls of EERD.DONE per word. */
const EERD_POLLS = 100_000;

/** Reads EEPROM word `word`. Throws `HwError` when the read never completes. */
export function readNvmWord(hw: IntelHw, word: number): number {
  hw.write(EERD, (word << EERD_ADDR_SHIFT) | EERD_START);
  const value = hw.poll(EERD, (v) => (v & EERD_DONE) !== 0, EERD_POLLS, 0, `EEPROM read of word ${word}`);
  return value >>> EERD_DATA_SHIFT;
}

/** Checks the EEPROM checksum; throws `HwError` (`nvm`) when it is wrong. */
export function validateNvmChecksum(hw: IntelHw): void {
  let sum = 0;
  for (let w = 0; w < NVM_CHECKSUM_WORDS; w++) sum = (sum + readNvmWord(hw, w)) & 0xffff;
  if (sum !== NVM_SUM) {
    throw new HwError('nvm', `EEPROM checksum is invalid: words 0x00-0x3F add up to 0x${sum.toString(16)}, not 0x${NVM_SUM.toString(16)}`);
  }
}
