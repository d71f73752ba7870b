/**
 * The Ethernet frame check sequence: CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320,
 * initial value and final XOR all ones), sent least significant byte first.
 */

const POLY_REFLECTED = 0xedb88320;
const ALL_ONES = 0xffffffff;
const BYTE_VALUES = 256;
const BITS_PER_BYTE = 8;
const BYTE_MASK = 0xff;
/** Bytes of the FCS. */
export const FCS_LEN = 4;

const TABLE = (() => {
  const table = new Uint32Array(BYTE_VALUES);
  for (let n = 0; n < BYTE_VALUES; n++) {
    let c = n;
    for (let k = 0; k < BITS_PER_BYTE; k++) c = c & 1 ? POLY_REFLECTED ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC-32 of `bytes` (`crc32("123456789") === 0xCBF43926`). */
export function crc32(bytes: Uint8Array): number {
  let c = ALL_ONES;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & BYTE_MASK] ^ (c >>> BITS_PER_BYTE);
  return (c ^ ALL_ONES) >>> 0;
}

/** Writes the FCS of `frame` into `out[at .. at + 4)`, least significant byte first. */
export function putFcs(frame: Uint8Array, out: Uint8Array, at: number): void {
  const fcs = crc32(frame);
  for (let i = 0; i < FCS_LEN; i++) out[at + i] = (fcs >>> (BITS_PER_BYTE * i)) & BYTE_MASK;
}
