/**
 * The 82576's NVM as software sees it through EERD: 256 16-bit words (EECD.SIZE_EX 2),
 * the MAC address in words 0-2 and a checksum word at 0x3F making words 0x00-0x3F sum to
 * 0xBABA. Other words hold plausible 82576 values or 0xFFFF ("not programmed").
 */
import { checksumFor, eerdResult, NVM_CHECKSUM_WORD, NVM_SUM, NVM_UNPROGRAMMED, wordSum } from '../model/nvm.js';

/** EECD.SIZE_EX of this NVM: 2^(SIZE_EX + 6) words. */
export const EEPROM_SIZE_EX = 2;
const WORD_SIZE_BASE_SHIFT = 6;
/** Words of the NVM. */
export const EEPROM_WORDS = 1 << (EEPROM_SIZE_EX + WORD_SIZE_BASE_SHIFT);
/** The word making words 0x00..0x3F sum to {@link EEPROM_SUM}. */
export const EEPROM_CHECKSUM_WORD = NVM_CHECKSUM_WORD;
/** What words 0x00..0x3F sum to (mod 2^16) in a valid image. */
export const EEPROM_SUM = NVM_SUM;

/** Words of the image by datasheet name (section 6.1). */
const NVM_COMPAT = 0x03;
const NVM_IMAGE_VERSION = 0x05;
const NVM_PBA_0 = 0x08;
const NVM_PBA_1 = 0x09;
const NVM_INIT_CONTROL_1 = 0x0a;
const NVM_SUBSYSTEM_ID = 0x0b;
const NVM_SUBSYSTEM_VENDOR_ID = 0x0c;
const NVM_DEVICE_ID = 0x0d;
const NVM_VENDOR_ID = 0x0e;
const NVM_INIT_CONTROL_2 = 0x0f;
const NVM_ALT_MAC_ADDR_PTR = 0x37;
const UNPROGRAMMED = NVM_UNPROGRAMMED;
const WORD_MASK = 0xffff;
const MAC_WORDS = 3;
const BYTE_SHIFT = 8;
const BYTE_MASK = 0xff;

/** The 82576's PCI ids. */
export const INTEL_VENDOR_ID = 0x8086;
export const E82576_DEVICE_ID = 0x10c9;

/** Fixed words of the image (values as QEMU's igb template gives them). */
const FIXED_WORDS: ReadonlyArray<readonly [number, number]> = [
  [NVM_COMPAT, 0x0d14],
  [NVM_IMAGE_VERSION, 0x2010],
  [NVM_PBA_0, 0x1040],
  [NVM_PBA_1, UNPROGRAMMED],
  [NVM_INIT_CONTROL_1, 0x046b],
  [NVM_SUBSYSTEM_ID, E82576_DEVICE_ID],
  [NVM_SUBSYSTEM_VENDOR_ID, INTEL_VENDOR_ID],
  [NVM_DEVICE_ID, E82576_DEVICE_ID],
  [NVM_VENDOR_ID, INTEL_VENDOR_ID],
  [NVM_INIT_CONTROL_2, 0xf14b],
  [NVM_ALT_MAC_ADDR_PTR, UNPROGRAMMED],
];

/** The NVM of one port. */
export class IgbEeprom {
  /** Words of the image. */
  readonly size = EEPROM_WORDS;
  readonly #words = new Uint16Array(EEPROM_WORDS);

  /** An image carrying `mac` (6 bytes) with a valid checksum. */
  constructor(mac: Uint8Array) {
    this.#words.fill(UNPROGRAMMED);
    for (let i = 0; i < MAC_WORDS; i++) this.#words[i] = mac[2 * i] | (mac[2 * i + 1] << BYTE_SHIFT);
    for (const [word, value] of FIXED_WORDS) this.#words[word] = value;
    this.#words[EEPROM_CHECKSUM_WORD] = checksumFor(wordSum(this.#words, 0, EEPROM_CHECKSUM_WORD));
  }

  /** Word `index` (0 to {@link EEPROM_WORDS} - 1). */
  word(index: number): number {
    return this.#words[index];
  }

  /** The MAC address in words 0-2. */
  mac(): Uint8Array {
    const mac = new Uint8Array(2 * MAC_WORDS);
    for (let i = 0; i < MAC_WORDS; i++) {
      mac[2 * i] = this.#words[i] & BYTE_MASK;
      mac[2 * i + 1] = this.#words[i] >>> BYTE_SHIFT;
    }
    return mac;
  }

  /** Fault injection: breaks (`true`) or repairs the checksum word. */
  corruptChecksum(corrupt: boolean): void {
    const valid = checksumFor(wordSum(this.#words, 0, EEPROM_CHECKSUM_WORD));
    this.#words[EEPROM_CHECKSUM_WORD] = corrupt ? valid ^ WORD_MASK : valid;
  }

  /** What EERD holds after software writes `value` (see {@link eerdResult}). */
  eerdWrite(value: number): number {
    return eerdResult(this.#words, value);
  }
}
