/**
 * Receive-side scaling: the redirection table (RETA), the hash key (RSSRK) and which
 * header fields are hashed (MRQC).
 */
import type { IntelHw } from '@nic/intel-common';
import {
  MRQC,
  MRQC_ENABLE_RSS_4Q,
  MRQC_RSS_FIELD_IPV4,
  MRQC_RSS_FIELD_IPV4_TCP,
  MRQC_RSS_FIELD_IPV4_UDP,
  MRQC_RSS_FIELD_IPV6,
  MRQC_RSS_FIELD_IPV6_TCP,
  MRQC_RSS_FIELD_IPV6_UDP,
  RETA,
  RETA_ENTRIES,
  RSS_KEY_SIZE,
  RSSRK,
} from './regs.js';

/** Header fields RSS can hash on, as this driver names them. */
export interface RssFields {
  readonly ipv4: boolean;
  readonly ipv4Tcp: boolean;
  readonly ipv4Udp: boolean;
  readonly ipv6: boolean;
  readonly ipv6Tcp: boolean;
  readonly ipv6Udp: boolean;
}

/** Entries packed in one RETA register. */
const RETA_PER_REG = 4;
const BITS_PER_BYTE = 8;

/** Writes the 40-byte key, little-endian per register as the datasheet lays it out. */
export function rssKeyWrite(hw: IntelHw, key: Uint8Array): void {
  for (let i = 0; i < RSS_KEY_SIZE / 4; i++) {
    hw.write(RSSRK + 4 * i, (key[4 * i] | (key[4 * i + 1] << 8) | (key[4 * i + 2] << 16) | (key[4 * i + 3] << 24)) >>> 0);
  }
}

/** Reads the key back. */
export function rssKeyRead(hw: IntelHw): Uint8Array {
  const key = new Uint8Array(RSS_KEY_SIZE);
  for (let i = 0; i < RSS_KEY_SIZE / 4; i++) {
    const w = hw.read(RSSRK + 4 * i);
    for (let b = 0; b < 4; b++) key[4 * i + b] = (w >>> (BITS_PER_BYTE * b)) & 0xff;
  }
  return key;
}

/** Writes all {@link RETA_ENTRIES} redirection entries (queue numbers). */
export function retaWrite(hw: IntelHw, entries: Uint8Array): void {
  for (let r = 0; r < RETA_ENTRIES / RETA_PER_REG; r++) {
    let v = 0;
    for (let b = 0; b < RETA_PER_REG; b++) v |= entries[r * RETA_PER_REG + b] << (BITS_PER_BYTE * b);
    hw.write(RETA + 4 * r, v >>> 0);
  }
}

/** Reads the redirection table. */
export function retaRead(hw: IntelHw): Uint8Array {
  const entries = new Uint8Array(RETA_ENTRIES);
  for (let r = 0; r < RETA_ENTRIES / RETA_PER_REG; r++) {
    const v = hw.read(RETA + 4 * r);
    for (let b = 0; b < RETA_PER_REG; b++) entries[r * RETA_PER_REG + b] = (v >>> (BITS_PER_BYTE * b)) & 0xff;
  }
  return entries;
}

/** Turns RSS on over `fields`, or off when `fields` is undefined. */
export function mrqcWrite(hw: IntelHw, fields: RssFields | undefined): void {
  if (!fields) {
    hw.write(MRQC, 0);
    return;
  }
  let v = MRQC_ENABLE_RSS_4Q;
  if (fields.ipv4) v |= MRQC_RSS_FIELD_IPV4;
  if (fields.ipv4Tcp) v |= MRQC_RSS_FIELD_IPV4_TCP;
  if (fields.ipv4Udp) v |= MRQC_RSS_FIELD_IPV4_UDP;
  if (fields.ipv6) v |= MRQC_RSS_FIELD_IPV6;
  if (fields.ipv6Tcp) v |= MRQC_RSS_FIELD_IPV6_TCP;
  if (fields.ipv6Udp) v |= MRQC_RSS_FIELD_IPV6_UDP;
  hw.write(MRQC, v >>> 0);
}
