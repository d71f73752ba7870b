/**
 * Receive filters as igb and ixgbe lay them out: exact unicast addresses (RAL/RAH pairs),
 * the 4096-bit multicast hash table (MTA) and the 4096-bit VLAN filter table (VFTA). The
 * register offsets come from each driver's base layer.
 */
import type { IntelHw } from './hw.js';

/** Valid bit of a receive address high register. */
export const RAH_AV = 0x80000000;
/** Words of the multicast and VLAN tables. */
export const FILTER_TABLE_WORDS = 128;
/** MTA hash width: 12 bits pick one of 4096 table bits. */
const MTA_HASH_MASK = 0xfff;
/** Low 5 hash bits pick the bit within a 32-bit word. */
const WORD_BIT_MASK = 0x1f;
const WORD_SHIFT = 5;
/** Multicast offset 0 (RCTL.MO or MCSTCTRL.MO): the hash is address bits 47:36. */
const MO0_LOW_SHIFT = 4;
const MO0_HIGH_SHIFT = 4;

/** Writes `mac` into the receive address pair at `ral`/`rah` and marks it valid. */
export function rarSet(hw: IntelHw, ral: number, rah: number, mac: Uint8Array): void {
  const lo = (mac[0] | (mac[1] << 8) | (mac[2] << 16) | (mac[3] << 24)) >>> 0;
  const hi = (mac[4] | (mac[5] << 8) | RAH_AV) >>> 0;
  hw.write(ral, lo);
  hw.write(rah, hi);
}

/** Invalidates the receive address pair at `ral`/`rah`. */
export function rarClear(hw: IntelHw, ral: number, rah: number): void {
  hw.write(rah, 0);
  hw.write(ral, 0);
}

/** The address in the receive address pair at `ral`/`rah` (RAL little-endian bytes 0-3, RAH bytes 4-5). */
export function rarRead(hw: IntelHw, ral: number, rah: number): Uint8Array {
  const lo = hw.read(ral);
  const hi = hw.read(rah);
  return Uint8Array.of(lo & 0xff, (lo >>> 8) & 0xff, (lo >>> 16) & 0xff, lo >>> 24, hi & 0xff, (hi >>> 8) & 0xff);
}

/** The MTA hash of multicast address `mac` with multicast offset 0. */
export function mtaHash(mac: Uint8Array): number {
  return ((mac[4] >>> MO0_LOW_SHIFT) | (mac[5] << MO0_HIGH_SHIFT)) & MTA_HASH_MASK;
}

/** Replaces the multicast table at `mta` with the hashes of `macs`. */
export function mtaUpdate(hw: IntelHw, mta: number, macs: readonly Uint8Array[]): void {
  const table = new Uint32Array(FILTER_TABLE_WORDS);
  for (const mac of macs) {
    const hash = mtaHash(mac);
    table[hash >>> WORD_SHIFT] |= 1 << (hash & WORD_BIT_MASK);
  }
  for (let i = 0; i < FILTER_TABLE_WORDS; i++) hw.write(mta + 4 * i, table[i]);
}

/** Accepts (`on`) or drops VLAN `vlanId` in the VLAN filter table at `vfta`. */
export function vftaSet(hw: IntelHw, vfta: number, vlanId: number, on: boolean): void {
  const reg = vfta + 4 * (vlanId >>> WORD_SHIFT);
  const bit = 1 << (vlanId & WORD_BIT_MASK);
  const old = hw.read(reg);
  hw.write(reg, on ? old | bit : old & ~bit);
}

/** Writes the VLAN filter table at `vfta` from a bitmap of 4096 bits (byte `i`, bit `j` = id `8i + j`). */
export function vftaWriteAll(hw: IntelHw, vfta: number, bitmap: Uint8Array): void {
  const words = new Uint32Array(bitmap.buffer.slice(bitmap.byteOffset, bitmap.byteOffset + bitmap.byteLength));
  for (let i = 0; i < words.length; i++) hw.write(vfta + 4 * i, words[i]);
}
