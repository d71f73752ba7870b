/**
 * Receive filtering of the 82576 without virtualisation (MRQC not in a VMDq mode): the
 * VLAN filter (VFTA when RCTL.VFE), then the destination address: broadcast with
 * RCTL.BAM, unicast with RCTL.UPE, multicast with RCTL.MPE, any address equal to a valid
 * receive-address entry (RAL/RAH with AV), or one whose 12 hash bits (chosen by RCTL.MO)
 * are set in the multicast table (MTA).
 */
import type { DestinationKind } from './stats.js';
import {
  MTA,
  RAH,
  RAH_AV,
  RAL,
  RAR_ENTRIES,
  RCTL,
  RCTL_BAM,
  RCTL_MO_MASK,
  RCTL_MO_SHIFT,
  RCTL_MPE,
  RCTL_UPE,
  RCTL_VFE,
  VFTA,
} from './regs.js';

const REG_SHIFT = 2;
const MAC_LEN = 6;
const BYTE_MASK = 0xff;
const BITS_PER_BYTE = 8;
const MULTICAST_BIT = 0x01;
/** Right shift of destination bytes 4-5 (as a little-endian u16) for each RCTL.MO value. */
const MO_SHIFTS = [4, 3, 2, 0] as const;
const HASH_MASK = 0xfff;
const BIT_INDEX_SHIFT = 5;
const BIT_INDEX_MASK = 0x1f;
/** VLAN id bits of a TCI. */
export const VLAN_VID_MASK = 0x0fff;
const RAL_BYTES = 4;

/** The destination kind of a frame. */
export function destinationKind(frame: Uint8Array): DestinationKind {
  if ((frame[0] & MULTICAST_BIT) === 0) return 'unicast';
  for (let i = 0; i < MAC_LEN; i++) if (frame[i] !== BYTE_MASK) return 'multicast';
  return 'broadcast';
}

/** Whether a frame tagged with `vid` passes the VLAN filter. */
export function vlanAccepted(regs: Uint32Array, vid: number): boolean {
  if ((regs[RCTL >>> REG_SHIFT] & RCTL_VFE) === 0) return true;
  const word = regs[(VFTA >>> REG_SHIFT) + (vid >>> BIT_INDEX_SHIFT)];
  return (word & (1 << (vid & BIT_INDEX_MASK))) !== 0;
}

/** Whether the destination address of `frame` passes the address filters. */
export function addressAccepted(regs: Uint32Array, frame: Uint8Array): boolean {
  const rctl = regs[RCTL >>> REG_SHIFT];
  const kind = destinationKind(frame);
  if (kind === 'broadcast' && (rctl & RCTL_BAM) !== 0) return true;
  if (kind === 'multicast' && (rctl & RCTL_MPE) !== 0) return true;
  if (kind === 'unicast' && (rctl & RCTL_UPE) !== 0) return true;
  for (let n = 0; n < RAR_ENTRIES; n++) if (rarMatches(regs, n, frame)) return true;
  const shift = MO_SHIFTS[(rctl & RCTL_MO_MASK) >>> RCTL_MO_SHIFT];
  const hash = (((frame[5] << BITS_PER_BYTE) | frame[4]) >>> shift) & HASH_MASK;
  return (regs[(MTA >>> REG_SHIFT) + (hash >>> BIT_INDEX_SHIFT)] & (1 << (hash & BIT_INDEX_MASK))) !== 0;
}

function rarMatches(regs: Uint32Array, n: number, frame: Uint8Array): boolean {
  const rah = regs[RAH(n) >>> REG_SHIFT];
  if ((rah & RAH_AV) === 0) return false;
  const ral = regs[RAL(n) >>> REG_SHIFT];
  for (let i = 0; i < MAC_LEN; i++) {
    const byte = i < RAL_BYTES ? ral >>> (BITS_PER_BYTE * i) : rah >>> (BITS_PER_BYTE * (i - RAL_BYTES));
    if ((byte & BYTE_MASK) !== frame[i]) return false;
  }
  return true;
}
