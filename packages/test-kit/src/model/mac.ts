/** MAC addresses of device models: parsing the option, and a default per instance. */
import { NicError } from '@nic/native';

/** Bytes of a MAC address. */
export const MAC_LEN = 6;
const HEX = 16;
const BYTE_MASK = 0xff;
const BITS_PER_BYTE = 8;
/** Locally administered, unicast. */
const LOCAL_UNICAST = 0x02;
const RAL_BYTES = 4;

/** `mac` (6 bytes, or `aa:bb:cc:dd:ee:ff`) as a fresh array; `owner` names the model in errors. */
export function parseMac(mac: Uint8Array | string, owner: string): Uint8Array {
  if (mac instanceof Uint8Array) {
    if (mac.length !== MAC_LEN) throw new NicError('NIC_EINVAL', `${owner}: a MAC address has 6 bytes, not ${mac.length}`);
    return Uint8Array.from(mac);
  }
  if (typeof mac !== 'string') throw new TypeError(`${owner}: mac must be a Uint8Array or a string`);
  const parts = mac.split(':');
  if (parts.length !== MAC_LEN || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new NicError('NIC_EINVAL', `${owner}: "${mac}" is not a MAC address like 02:00:00:00:00:01`);
  }
  return Uint8Array.from(parts, (p) => Number.parseInt(p, HEX));
}

/** A locally administered address `02:<family>:00:00:<n>`, distinct per family and instance `n`. */
export function defaultMac(family: number, n: number): Uint8Array {
  return Uint8Array.of(LOCAL_UNICAST, family, 0, 0, (n >>> BITS_PER_BYTE) & BYTE_MASK, n & BYTE_MASK);
}

/** RAL and RAH (without the valid bit) holding `mac`: bytes 0-3 and 4-5, little-endian. */
export function macToRar(mac: Uint8Array): [ral: number, rah: number] {
  let ral = 0;
  for (let i = 0; i < RAL_BYTES; i++) ral |= mac[i] << (BITS_PER_BYTE * i);
  return [ral >>> 0, mac[RAL_BYTES] | (mac[RAL_BYTES + 1] << BITS_PER_BYTE)];
}
