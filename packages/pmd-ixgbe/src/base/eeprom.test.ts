import { describe, expect, it } from 'vitest';
import { HwError, IntelHw } from '@nic/intel-common';
import { calcEepromChecksum, EEPROM_CHECKSUM, EEPROM_SUM, validateEepromChecksum } from './eeprom.js';
import { EERD, EERD_ADDR_SHIFT, EERD_DATA_SHIFT, EERD_DONE, EERD_START } from './regs.js';

/** Registers where only EERD answers, from an EEPROM image: the driver's EEPROM logic alone, with no device model. */
function eerdOnly(image: Uint16Array): IntelHw {
  let eerd = 0;
  return new IntelHw({
    read32: (offset) => (offset === EERD ? eerd : 0),
    write32: (offset, value) => {
      if (offset !== EERD || (value & EERD_START) === 0) return;
      const word = value >>> EERD_ADDR_SHIFT;
      eerd = ((image[word] << EERD_DATA_SHIFT) | EERD_DONE) >>> 0;
    },
  });
}

/** An image with words 0x00-0x3E set, pointers 0x03-0x0E naming small sections, and a right checksum. */
function image(x540: boolean): Uint16Array {
  const words = new Uint16Array(0x200);
  for (let w = 0; w < EEPROM_CHECKSUM; w++) words[w] = (w * 0x1111) & 0xffff;
  for (let p = 0x03; p < 0x0f; p++) {
    const at = 0x100 + (p - 3) * 0x10;
    words[p] = at;
    words[at] = 3;
    words[at + 1] = 0x1000 + p;
    words[at + 2] = 0x2000 + p;
    words[at + 3] = 0x3000 + p;
  }
  let sum = 0;
  for (let w = 0; w < EEPROM_CHECKSUM; w++) sum += words[w];
  for (let p = 0x03; p < 0x0f; p++) {
    if (x540 && (p === 0x04 || p === 0x05)) continue;
    const at = words[p];
    for (let w = at + 1; w <= at + words[at]; w++) sum += words[w];
  }
  words[EEPROM_CHECKSUM] = (EEPROM_SUM - sum) & 0xffff;
  return words;
}

describe('the 82599/X540 EEPROM checksum', () => {
  it.each([
    ['82599', false],
    ['X540', true],
  ])('accepts a good %s image, covering the words each family covers', (_, x540) => {
    const words = image(x540);
    expect(calcEepromChecksum(eerdOnly(words), x540)).toBe(words[EEPROM_CHECKSUM]);
    expect(() => validateEepromChecksum(eerdOnly(words), x540)).not.toThrow();
  });

  it('refuses an image whose pointed-to section changed, and an X540 image read as an 82599 one', () => {
    const words = image(false);
    words[0x100 + 2] ^= 1;
    expect(() => validateEepromChecksum(eerdOnly(words), false)).toThrow(expect.objectContaining({ kind: 'nvm', message: expect.stringContaining('word 0x3F') }));
    // The X540 leaves the PHY (0x04) and option ROM (0x05) sections out; an 82599 does not.
    expect(() => validateEepromChecksum(eerdOnly(image(true)), false)).toThrow(HwError);
  });

  it('skips pointers and lengths of 0 and 0xFFFF', () => {
    const words = image(false);
    words[0x03] = 0xffff;
    words[words[0x04]] = 0;
    // Recompute: without sections 0x03 and 0x04.
    let sum = 0;
    for (let w = 0; w < EEPROM_CHECKSUM; w++) sum += words[w];
    for (let p = 0x05; p < 0x0f; p++) for (let w = words[p] + 1; w <= words[p] + words[words[p]]; w++) sum += words[w];
    expect(calcEepromChecksum(eerdOnly(words), false)).toBe((EEPROM_SUM - sum) & 0xffff);
  });
});
