/**
 * Receive filters: exact unicast addresses (RAL/RAH), the multicast hash table (MTA) and
 * the VLAN filter table (VFTA).
 */
import type { IntelHw } from '@nic/intel-common';
import { MTA, MTA_WORDS, RAH, RAH_AV, RAL, VFTA } from './regs.js';

/** MTA hash width: 12 bits pick one of 4096 table bits. */
const MTA_HASH_MASK = 0xfff;
/** Low 5 hash bits pick the bit within a 32-bit word. */
const WORD_BIT_MASK = 0x1f;
const WORD_SHIFT = 5;
/** Bits of the multicast offset the driver programs (RCTL.MO = 0: address bits 47:36). */
const MO0_LOW_SHIFT = 4;
const MO0_HIGH_SHIFT = 4;

/** Writes `mac` into receive address entry `index` and marks it valid. */
export function rarSet(hw: IntelHw, index: number, mac: Uint8Array): void {
  const lo = (mac[0] | (mac[1] << 8) | (mac[2] << 16) | (mac[3] << 24)) >>> 0;
  const hi = (mac[4] | (mac[5] << 8) | RAH_AV) >>> 0;
  hw.write(RAL(index), lo);
  hw.write(RAH(index), hi);
}

/** Invalidates receive address entry `index`. */
export function rarClear(hw: IntelHw, index: number): void {
  hw.write(RAH(index), 0);
  hw.write(RAL(index), 0);
}

/** The MTA hash of multicast address `mac` with RCTL.MO = 0. */
export function mtaHash(mac: Uint8Array): number {
  return ((mac[4] >>> MO0_LOW_SHIFT) | (mac[5] << MO0_HIGH_SHIFT)) & MTA_HASH_MASK;
}

/** Replaces the multicast table with the hashes of `macs`. */
export function mtaUpdate(hw: IntelHw, macs: readonly Uint8Array[]): void {
  const table = new Uint32Array(MTA_WORDS);
  for (const mac of macs) {
    const hash = mtaHash(mac);
    table[hash >>> WORD_SHIFT] |= 1 << (hash & WORD_BIT_MASK);
  }
  for (let i = 0; i < MTA_WORDS; i++) hw.write(MTA + 4 * i, table[i]);
}

/** Accepts (`on`) or drops VLAN `vlanId` in the VLAN filter table. */
export function vftaSet(hw: IntelHw, vlanId: number, on: boolean): void {
  const reg = VFTA + 4 * (vlanId >>> WORD_SHIFT);
  const bit = 1 << (vlanId & WORD_BIT_MASK);
  const old = hw.read(reg);
  hw.write(reg, on ? old | bit : old & ~bit);
}

/** Writes the whole VLAN filter table from a bitmap of 4096 bits (byte `i`, bit `j` = id `8i + j`). */
export function vftaWriteAll(hw: IntelHw, bitmap: Uint8Array): void {
  const words = new Uint32Array(bitmap.buffer.slice(bitmap.byteOffset, bitmap.byteOffset + bitmap.byteLength));
  for (let i = 0; i < words.length; i++) hw.write(VFTA + 4 * i, words[i]);
}
