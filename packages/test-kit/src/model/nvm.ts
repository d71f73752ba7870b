/**
 * What the 82576 and the 82599 share about their NVM as software reads it: the EERD
 * register's layout (START bit 0, DONE bit 1, word address from bit 2, data from bit 16),
 * the checksum word 0x3F and the 0xBABA the checksummed words sum to, and erased words
 * reading 0xFFFF.
 */

export const EERD_START = 0x00000001;
export const EERD_DONE = 0x00000002;
export const EERD_ADDR_SHIFT = 2;
export const EERD_ADDR_MASK = 0x3fff;
export const EERD_DATA_SHIFT = 16;
/** The checksum word, and what the checksummed words sum to (mod 2^16) in a valid image. */
export const NVM_CHECKSUM_WORD = 0x3f;
export const NVM_SUM = 0xbaba;
/** What an erased word reads. */
export const NVM_UNPROGRAMMED = 0xffff;
const WORD_MASK = 0xffff;

/**
 * What EERD holds after software writes `value` to it, for an NVM of `words`: with START
 * and an address inside the image, DONE, the address and the word; otherwise the address
 * without DONE (a driver polling for DONE then times out).
 */
export function eerdResult(words: Uint16Array, value: number): number {
  const addr = (value >>> EERD_ADDR_SHIFT) & EERD_ADDR_MASK;
  if ((value & EERD_START) === 0 || addr >= words.length) return (addr << EERD_ADDR_SHIFT) >>> 0;
  return (EERD_DONE | (addr << EERD_ADDR_SHIFT) | (words[addr] << EERD_DATA_SHIFT)) >>> 0;
}

/** The sum (mod 2^16) of `words[from .. to)`. */
export function wordSum(words: Uint16Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += words[i];
  return sum & WORD_MASK;
}

/** The checksum word that makes `sum` (of every checksummed word but it) add up to {@link NVM_SUM}. */
export function checksumFor(sum: number): number {
  return (NVM_SUM - sum) & WORD_MASK;
}
