/**
 * Receive address filters as Intel's 82576 and 82599 both lay them out: receive-address
 * entries (RAL holds address bytes 0-3, RAH bytes 4-5 and the address-valid bit 31), a
 * 4096-bit multicast table indexed by 12 destination-address bits chosen by a 2-bit
 * multicast offset, and a 4096-bit VLAN filter table indexed by VLAN id. Each device keeps
 * its own policy (which control bits enable what); these are the table look-ups.
 */

/** Address valid bit of RAH. */
export const RAH_AV = 0x80000000;
/** Registers of the multicast table and of the VLAN filter table (4096 bits each). */
export const MTA_REGISTERS = 128;
export const VFTA_REGISTERS = 128;

const REG_SHIFT = 2;
const MAC_LEN = 6;
const RAL_BYTES = 4;
const BYTE_MASK = 0xff;
const BITS_PER_BYTE = 8;
/** Right shift of destination bytes 4-5 (as a little-endian u16) for each multicast offset. */
const MO_SHIFTS = [4, 3, 2, 0] as const;
const MO_MASK = 0x3;
const HASH_MASK = 0xfff;
const BIT_INDEX_SHIFT = 5;
const BIT_INDEX_MASK = 0x1f;

/** Whether the valid receive-address entry at RAL offset `ral` / RAH offset `rah` equals the destination of `frame`. */
export function rarMatches(regs: Uint32Array, ral: number, rah: number, frame: Uint8Array): boolean {
  const high = regs[rah >>> REG_SHIFT];
  if ((high & RAH_AV) === 0) return false;
  const low = regs[ral >>> REG_SHIFT];
  for (let i = 0; i < MAC_LEN; i++) {
    const byte = i < RAL_BYTES ? low >>> (BITS_PER_BYTE * i) : high >>> (BITS_PER_BYTE * (i - RAL_BYTES));
    if ((byte & BYTE_MASK) !== frame[i]) return false;
  }
  return true;
}

/** The 12-bit multicast table index of `frame`'s destination under multicast offset `mo` (0-3). */
export function mtaIndex(frame: Uint8Array, mo: number): number {
  return (((frame[5] << BITS_PER_BYTE) | frame[4]) >>> MO_SHIFTS[mo & MO_MASK]) & HASH_MASK;
}

/** Whether bit `index` of the 4096-bit table whose first register is at byte offset `base` is set. */
export function tableBit(regs: Uint32Array, base: number, index: number): boolean {
  return (regs[(base >>> REG_SHIFT) + (index >>> BIT_INDEX_SHIFT)] & (1 << (index & BIT_INDEX_MASK))) !== 0;
}
