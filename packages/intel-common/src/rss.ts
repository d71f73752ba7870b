/**
 * Receive-side scaling tables as igb and ixgbe lay them out: a 40-byte hash key in ten
 * registers (RSSRK) and a 128-entry redirection table packed four entries to a register
 * (RETA). Which fields are hashed (MRQC) differs by family and stays in each driver.
 */
import type { IntelHw } from './hw.js';

/** Bytes of the hash key. */
export const RSS_KEY_SIZE = 40;
/** Entries of the redirection table. */
export const RETA_ENTRIES = 128;
/** Entries packed in one RETA register. */
const RETA_PER_REG = 4;
const BITS_PER_BYTE = 8;

/** Writes the key into the registers from `rssrk` on, little-endian per register as the datasheets lay it out. */
export function rssKeyWrite(hw: IntelHw, rssrk: number, key: Uint8Array): void {
  for (let i = 0; i < RSS_KEY_SIZE / 4; i++) {
    hw.write(rssrk + 4 * i, (key[4 * i] | (key[4 * i + 1] << 8) | (key[4 * i + 2] << 16) | (key[4 * i + 3] << 24)) >>> 0);
  }
}

/** Writes all {@link RETA_ENTRIES} redirection entries (queue numbers) from register `reta` on. */
export function retaWrite(hw: IntelHw, reta: number, entries: Uint8Array): void {
  for (let r = 0; r < RETA_ENTRIES / RETA_PER_REG; r++) {
    let v = 0;
    for (let b = 0; b < RETA_PER_REG; b++) v |= entries[r * RETA_PER_REG + b] << (BITS_PER_BYTE * b);
    hw.write(reta + 4 * r, v >>> 0);
  }
}

/** The round-robin table over `nbQueues` queues that both drivers program by default. */
export function retaRoundRobin(nbQueues: number): Uint8Array {
  const reta = new Uint8Array(RETA_ENTRIES);
  for (let i = 0; i < reta.length; i++) reta[i] = i % nbQueues;
  return reta;
}

/** Header fields RSS can hash on. */
export interface RssFields {
  readonly ipv4: boolean;
  readonly ipv4Tcp: boolean;
  readonly ipv4Udp: boolean;
  readonly ipv6: boolean;
  readonly ipv6Tcp: boolean;
  readonly ipv6Udp: boolean;
}

/** Where a family's MRQC keeps RSS enable and each field's bit. */
export interface MrqcBits extends Record<keyof RssFields, number> {
  readonly enable: number;
}

/** The MRQC value that hashes `fields` (0, RSS off, when undefined). */
export function mrqcValue(fields: RssFields | undefined, bits: MrqcBits): number {
  if (!fields) return 0;
  let v = bits.enable;
  for (const key of Object.keys(fields) as (keyof RssFields)[]) if (fields[key]) v |= bits[key];
  return v >>> 0;
}
