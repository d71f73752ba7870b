/**
 * Receive filtering of the 82576 without virtualisation (MRQC not in a VMDq mode): the
 * VLAN filter (VFTA when RCTL.VFE), then the destination address: broadcast with
 * RCTL.BAM, unicast with RCTL.UPE, multicast with RCTL.MPE, any address equal to a valid
 * receive-address entry (RAL/RAH with AV), or one whose 12 hash bits (chosen by RCTL.MO)
 * are set in the multicast table (MTA).
 */
import { destinationKind } from '../model/frame.js';
import { mtaIndex, rarMatches, tableBit } from '../model/filters.js';
import { MTA, RAH, RAL, RAR_ENTRIES, RCTL, RCTL_BAM, RCTL_MO_MASK, RCTL_MO_SHIFT, RCTL_MPE, RCTL_UPE, RCTL_VFE, VFTA } from './regs.js';

const REG_SHIFT = 2;

/** Whether a frame tagged with `vid` passes the VLAN filter. */
export function vlanAccepted(regs: Uint32Array, vid: number): boolean {
  return (regs[RCTL >>> REG_SHIFT] & RCTL_VFE) === 0 || tableBit(regs, VFTA, vid);
}

/** Whether the destination address of `frame` passes the address filters. */
export function addressAccepted(regs: Uint32Array, frame: Uint8Array): boolean {
  const rctl = regs[RCTL >>> REG_SHIFT];
  const kind = destinationKind(frame);
  if (kind === 'broadcast' && (rctl & RCTL_BAM) !== 0) return true;
  if (kind === 'multicast' && (rctl & RCTL_MPE) !== 0) return true;
  if (kind === 'unicast' && (rctl & RCTL_UPE) !== 0) return true;
  for (let n = 0; n < RAR_ENTRIES; n++) if (rarMatches(regs, RAL(n), RAH(n), frame)) return true;
  return tableBit(regs, MTA, mtaIndex(frame, (rctl & RCTL_MO_MASK) >>> RCTL_MO_SHIFT));
}
