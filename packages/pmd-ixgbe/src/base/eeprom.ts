/**
 * EEPROM access through EERD and the checksum check of the 82599 and the X540
 * (`ixgbe_calc_eeprom_checksum_generic` / `_X540`): words 0x00-0x3E plus every section a
 * pointer in words 0x03-0x0E names (a length word, then that many words; the X540 skips
 * the PHY and option ROM sections) must add up, with the checksum word 0x3F, to 0xBABA.
 */
import { HwError, type IntelHw } from '@nic/intel-common';
import { EERD, EERD_ADDR_SHIFT, EERD_DATA_SHIFT, EERD_DONE, EERD_START } from './regs.js';

/** The checksum word. */
export const EEPROM_CHECKSUM = 0x3f;
/** What the covered words and the checksum add up to (mod 2^16). */
export const EEPROM_SUM = 0xbaba;
/** First and past-the-last pointer words whose sections the checksum covers. */
export const PCIE_ANALOG_PTR = 0x03;
export const FW_PTR = 0x0f;
/** Sections the X540's checksum leaves out. */
export const PHY_PTR = 0x04;
export const OPTION_ROM_PTR = 0x05;
/** Pointer or length values that mean "no section". */
const NO_SECTION = [0x0000, 0xffff];
/** Polls of EERD.DONE per word. */
const EERD_POLLS = 100_000;
/** Words of the 82599's EEPROM address space reachable through EERD (14 address bits). */
export const EEPROM_WORDS = 1 << 14;

/** Reads EEPROM word `word`. Throws `HwError` when the read never completes. */
export function readEepromWord(hw: IntelHw, word: number): number {
  hw.write(EERD, (word << EERD_ADDR_SHIFT) | EERD_START);
  const value = hw.poll(EERD, (v) => (v & EERD_DONE) !== 0, EERD_POLLS, 0, `EEPROM read of word 0x${word.toString(16)}`);
  return value >>> EERD_DATA_SHIFT;
}

/** The checksum the covered words call for: 0xBABA minus their sum. */
export function calcEepromChecksum(hw: IntelHw, x540: boolean): number {
  let sum = 0;
  for (let w = 0; w < EEPROM_CHECKSUM; w++) sum += readEepromWord(hw, w);
  for (let p = PCIE_ANALOG_PTR; p < FW_PTR; p++) {
    if (x540 && (p === PHY_PTR || p === OPTION_ROM_PTR)) continue;
    const pointer = readEepromWord(hw, p);
    if (NO_SECTION.includes(pointer) || pointer >= EEPROM_WORDS) continue;
    const length = readEepromWord(hw, pointer);
    if (NO_SECTION.includes(length) || pointer + length >= EEPROM_WORDS) continue;
    for (let w = pointer + 1; w <= pointer + length; w++) sum += readEepromWord(hw, w);
  }
  return (EEPROM_SUM - sum) & 0xffff;
}

/** Checks the EEPROM checksum; throws `HwError` (`nvm`) when word 0x3F disagrees. */
export function validateEepromChecksum(hw: IntelHw, x540: boolean): void {
  const want = calcEepromChecksum(hw, x540);
  const have = readEepromWord(hw, EEPROM_CHECKSUM);
  if (want !== have) {
    throw new HwError('nvm', `EEPROM checksum is invalid: word 0x3F holds 0x${have.toString(16)}, the covered words call for 0x${want.toString(16)}`);
  }
}
