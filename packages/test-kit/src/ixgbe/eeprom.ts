/**
 * The 82599's NVM as software sees it through EERD: 1024 16-bit words (EEC.SIZE 4). Words
 * 0x00-0x3F hold control words and pointers to modules further in; the LAN core module of
 * each port (pointers 0x09 and 0x0A) holds its MAC address in its words 1-3. The checksum
 * word 0x3F makes the sum of words 0x00-0x3F and of every module the pointers 0x03-0x0E
 * name (each module: a length word, then that many words) equal 0xBABA. Word 0x2B points
 * to the SFP+ set-up sequences drivers look their module type up in; word 0x0F to the firmware
 * module, whose patch configuration block holds the firmware version. Words nobody wrote
 * read 0xFFFF, as on an erased part.
 */
import { MAC_LEN } from '../model/mac.js';
import { checksumFor, eerdResult, NVM_CHECKSUM_WORD, NVM_SUM, NVM_UNPROGRAMMED, wordSum } from '../model/nvm.js';

/** EEC.SIZE of this NVM: 2^(SIZE + 6) words. */
export const EEPROM_SIZE_FIELD = 4;
const WORD_SIZE_BASE_SHIFT = 6;
/** Words of the NVM. */
export const EEPROM_WORDS = 1 << (EEPROM_SIZE_FIELD + WORD_SIZE_BASE_SHIFT);
/** The checksum word, and what the checksummed words sum to (mod 2^16) in a valid image. */
export const EEPROM_CHECKSUM_WORD = NVM_CHECKSUM_WORD;
export const EEPROM_SUM = NVM_SUM;
/** The first and last pointer whose module the checksum covers (0x0F, the firmware module, is not). */
export const EEPROM_FIRST_CHECKED_PTR = 0x03;
export const EEPROM_LAST_CHECKED_PTR = 0x0e;

/** Pointer words by datasheet name. */
export const NVM_PCIE_ANALOG_PTR = 0x03;
export const NVM_PCIE_GENERAL_PTR = 0x06;
export const NVM_PCIE_CONFIG0_PTR = 0x07;
export const NVM_PCIE_CONFIG1_PTR = 0x08;
export const NVM_CORE0_PTR = 0x09;
export const NVM_CORE1_PTR = 0x0a;
export const NVM_MAC0_PTR = 0x0b;
export const NVM_MAC1_PTR = 0x0c;
export const NVM_CSR0_CONFIG_PTR = 0x0d;
export const NVM_CSR1_CONFIG_PTR = 0x0e;
export const NVM_FW_PTR = 0x0f;
/** Word of the firmware module pointing at the pass-through patch configuration block. */
export const FW_PATCH_CONFIG_PTR = 0x04;
/** Word of the patch configuration block holding the firmware patch version. */
export const FW_PATCH_VERSION = 0x07;
/**
 * The firmware patch version of this image. Drivers call an SFI part whose version is 5 or lower
 * (or that has no firmware module) pre-production, and warn.
 */
export const FW_PATCH_VERSION_VALUE = 0x0006;
/** Part number (PBA), legacy two-word form. */
export const NVM_PBANUM0 = 0x15;
export const NVM_PBANUM1 = 0x16;
/** Pointer to the list of SFP+ set-up sequences: after its length word, pairs of module type and sequence pointer, ended by 0xFFFF. */
export const NVM_SFP_INIT_LIST_PTR = 0x2b;
/** Device capabilities (0: only Intel-branded SFP+ modules are supported). */
export const NVM_DEVICE_CAPS = 0x2c;
/** ETrack id, low and high words. */
export const NVM_ETRACK_LOW = 0x2d;
export const NVM_ETRACK_HIGH = 0x2e;
/** Word of a LAN core module holding the first MAC address word. */
export const CORE_MAC_WORD = 1;
/** The end mark of the SFP+ list and of a set-up sequence. */
export const SFP_LIST_END = 0xffff;
/** Module types of the SFP+ list (the ixgbe code's numbering). */
export const SFP_TYPE_DA_CU_CORE0 = 3;
export const SFP_TYPE_DA_CU_CORE1 = 4;
export const SFP_TYPE_SRLR_CORE0 = 5;
export const SFP_TYPE_SRLR_CORE1 = 6;

const UNPROGRAMMED = NVM_UNPROGRAMMED;
const WORD_MASK = 0xffff;
const BYTE_SHIFT = 8;
const BYTE_MASK = 0xff;
const MAC_WORDS = MAC_LEN / 2;

/** Where the modules of the image start, and their contents after the length word. */
const MODULES: ReadonlyArray<readonly [pointer: number, at: number, body: readonly number[]]> = [
  // PCIe analog settings: address/data pairs.
  [NVM_PCIE_ANALOG_PTR, 0x060, [0x0001, 0x0011, 0x0002, 0x0022]],
  // PCIe general configuration (0x24 words in the datasheet's layout; control words first).
  [NVM_PCIE_GENERAL_PTR, 0x070, [0x2c04, 0x0080, 0x0a00, 0x4000, ...new Array<number>(0x20).fill(0)]],
  [NVM_PCIE_CONFIG0_PTR, 0x0a0, [0x8086, 0x10fb, 0x8086, 0x10fb, 0x0200, 0x0000, 0x0000, 0x0000]],
  [NVM_PCIE_CONFIG1_PTR, 0x0b0, [0x8086, 0x10fb, 0x8086, 0x10fb, 0x0200, 0x0000, 0x0000, 0x0000]],
  // LAN core modules: the MAC (filled per image), then core control words.
  [NVM_CORE0_PTR, 0x0c0, [0, 0, 0, 0x0000, 0x0000]],
  [NVM_CORE1_PTR, 0x0d0, [0, 0, 0, 0x0000, 0x0000]],
  [NVM_MAC0_PTR, 0x0e0, [0x0000, 0x0000, 0x0000, 0x0000]],
  [NVM_MAC1_PTR, 0x0f0, [0x0000, 0x0000, 0x0000, 0x0000]],
  // CSR auto-configuration: register address/value pairs applied at reset (none here).
  [NVM_CSR0_CONFIG_PTR, 0x100, [0x0000]],
  [NVM_CSR1_CONFIG_PTR, 0x110, [0x0000]],
];
/** The SFP+ list and its set-up sequences (values written to CORECTL). */
const SFP_LIST_AT = 0x200;
const SFP_SEQUENCES: ReadonlyArray<readonly [type: number, at: number, values: readonly number[]]> = [
  [SFP_TYPE_DA_CU_CORE0, 0x220, [0x0b1d, 0x0c10]],
  [SFP_TYPE_DA_CU_CORE1, 0x230, [0x0b1d, 0x0c10]],
  [SFP_TYPE_SRLR_CORE0, 0x240, [0x0b1d, 0x0c20]],
  [SFP_TYPE_SRLR_CORE1, 0x250, [0x0b1d, 0x0c20]],
];
/** The firmware module (outside the checksum) and its pass-through patch configuration block. */
const FW_MODULE_AT = 0x300;
const FW_PATCH_CONFIG_AT = 0x310;
/** Fixed words of the header. */
const FIXED_WORDS: ReadonlyArray<readonly [number, number]> = [
  [0x00, 0x0800],
  [0x01, 0x0000],
  [0x02, 0x0000],
  [NVM_FW_PTR, FW_MODULE_AT],
  [FW_MODULE_AT + FW_PATCH_CONFIG_PTR, FW_PATCH_CONFIG_AT],
  [FW_PATCH_CONFIG_AT + FW_PATCH_VERSION, FW_PATCH_VERSION_VALUE],
  [NVM_PBANUM0, 0xe662],
  [NVM_PBANUM1, 0x1003],
  [NVM_DEVICE_CAPS, 0x0000],
  [NVM_ETRACK_LOW, 0x0348],
  [NVM_ETRACK_HIGH, 0x8000],
];

/** The NVM of one 82599. */
export class IxgbeEeprom {
  /** Words of the image. */
  readonly size = EEPROM_WORDS;
  readonly #words = new Uint16Array(EEPROM_WORDS);

  /** An image whose LAN core 0 holds `mac` and core 1 the next address, with a valid checksum. */
  constructor(mac: Uint8Array) {
    this.#words.fill(UNPROGRAMMED);
    for (const [word, value] of FIXED_WORDS) this.#words[word] = value;
    for (const [pointer, at, body] of MODULES) {
      this.#words[pointer] = at;
      this.#words[at] = body.length;
      this.#words.set(body, at + 1);
    }
    const second = Uint8Array.from(mac);
    second[MAC_LEN - 1] = (second[MAC_LEN - 1] + 1) & BYTE_MASK;
    this.#putMac(NVM_CORE0_PTR, mac);
    this.#putMac(NVM_CORE1_PTR, second);
    this.#words[NVM_SFP_INIT_LIST_PTR] = SFP_LIST_AT;
    this.#words[SFP_LIST_AT] = 2 * SFP_SEQUENCES.length;
    SFP_SEQUENCES.forEach(([type, at, values], i) => {
      this.#words[SFP_LIST_AT + 1 + 2 * i] = type;
      this.#words[SFP_LIST_AT + 2 + 2 * i] = at;
      this.#words[at] = values.length;
      this.#words.set([...values, SFP_LIST_END], at + 1);
    });
    this.#words[SFP_LIST_AT + 1 + 2 * SFP_SEQUENCES.length] = SFP_LIST_END;
    this.#words[EEPROM_CHECKSUM_WORD] = this.validChecksum();
  }

  /** Word `index` (0 to {@link EEPROM_WORDS} - 1). */
  word(index: number): number {
    return this.#words[index];
  }

  /** The MAC address of LAN core `lan` (0 or 1). */
  mac(lan: number): Uint8Array {
    const at = this.#words[lan === 0 ? NVM_CORE0_PTR : NVM_CORE1_PTR] + CORE_MAC_WORD;
    const mac = new Uint8Array(MAC_LEN);
    for (let i = 0; i < MAC_WORDS; i++) {
      mac[2 * i] = this.#words[at + i] & BYTE_MASK;
      mac[2 * i + 1] = this.#words[at + i] >>> BYTE_SHIFT;
    }
    return mac;
  }

  /** The checksum word that makes the image valid. */
  validChecksum(): number {
    let sum = wordSum(this.#words, 0, EEPROM_CHECKSUM_WORD);
    for (let p = EEPROM_FIRST_CHECKED_PTR; p <= EEPROM_LAST_CHECKED_PTR; p++) {
      const at = this.#words[p];
      if (at === 0 || at === UNPROGRAMMED) continue;
      const length = this.#words[at];
      if (length === 0 || length === UNPROGRAMMED) continue;
      sum += wordSum(this.#words, at + 1, at + 1 + length);
    }
    return checksumFor(sum & WORD_MASK);
  }

  /** Fault injection: breaks (`true`) or repairs the checksum word. */
  corruptChecksum(corrupt: boolean): void {
    const valid = this.validChecksum();
    this.#words[EEPROM_CHECKSUM_WORD] = corrupt ? valid ^ WORD_MASK : valid;
  }

  /** What EERD holds after software writes `value` (see {@link eerdResult}). */
  eerdWrite(value: number): number {
    return eerdResult(this.#words, value);
  }

  #putMac(pointer: number, mac: Uint8Array): void {
    const at = this.#words[pointer] + CORE_MAC_WORD;
    for (let i = 0; i < MAC_WORDS; i++) this.#words[at + i] = mac[2 * i] | (mac[2 * i + 1] << BYTE_SHIFT);
  }
}
