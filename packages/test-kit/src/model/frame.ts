/**
 * Ethernet frame facts both device models need: the frame sizes the modelled cable
 * carries, destination kinds for the broadcast and multicast counters, and the bytes a
 * receive path stores (a VLAN tag stripped, the FCS appended) or a transmit path sends
 * (a VLAN tag inserted, short frames padded).
 */
import { FCS_LEN, putFcs } from './crc.js';

/** Smallest and largest frame the cable carries (header to payload, no FCS). */
export const WIRE_MIN_FRAME = 14;
export const WIRE_MAX_FRAME = 16383;
/** Smallest frame on a real wire without its FCS (64 bytes with it). */
export const MIN_FRAME = 60;
/** Largest untagged frame without jumbo frames, FCS excluded. */
export const MAX_FRAME = 1514;
/** Byte offset of the EtherType (or of the TPID of a VLAN tag). */
export const ETHERTYPE_AT = 12;
/** Byte offset of the TCI of a VLAN tag. */
export const TCI_AT = 14;
/** Bytes of an 802.1Q tag. */
export const VLAN_TAG = 4;
/** VLAN id bits of a TCI. */
export const VLAN_VID_MASK = 0x0fff;
/** The EtherType of an 802.1Q tag. */
export const TPID_8021Q = 0x8100;

const MAC_LEN = 6;
const BYTE_MASK = 0xff;
const BITS_PER_BYTE = 8;
const MULTICAST_BIT = 0x01;

/** What kind of destination a frame has, for the broadcast and multicast counters. */
export type DestinationKind = 'unicast' | 'multicast' | 'broadcast';

/** The destination kind of a frame. */
export function destinationKind(frame: Uint8Array): DestinationKind {
  if ((frame[0] & MULTICAST_BIT) === 0) return 'unicast';
  for (let i = 0; i < MAC_LEN; i++) if (frame[i] !== BYTE_MASK) return 'multicast';
  return 'broadcast';
}

/** The TCI of `frame` when it carries a tag with TPID `tpid`, else -1. */
export function vlanTci(frame: Uint8Array, tpid: number): number {
  if (frame.length < TCI_AT + 2 || ((frame[ETHERTYPE_AT] << BITS_PER_BYTE) | frame[ETHERTYPE_AT + 1]) !== tpid) return -1;
  return (frame[TCI_AT] << BITS_PER_BYTE) | frame[TCI_AT + 1];
}

/**
 * The bytes a receive path stores for `frame` (as it came from the cable): its VLAN tag
 * removed when `strip`, its FCS (computed over the frame as it was on the wire) appended
 * when `withFcs`, and that FCS inverted when `badFcs`. `frame` itself when nothing changes.
 */
export function storedFrame(frame: Uint8Array, strip: boolean, withFcs: boolean, badFcs: boolean): Uint8Array {
  // Stored as it came: the frame itself (it is only read from).
  if (!strip && !withFcs) return frame;
  const body = strip ? frame.length - VLAN_TAG : frame.length;
  const out = new Uint8Array(body + (withFcs ? FCS_LEN : 0));
  if (strip) {
    out.set(frame.subarray(0, ETHERTYPE_AT));
    out.set(frame.subarray(ETHERTYPE_AT + VLAN_TAG), ETHERTYPE_AT);
  } else {
    out.set(frame);
  }
  if (withFcs) {
    putFcs(frame, out, body);
    if (badFcs) for (let i = body; i < out.length; i++) out[i] ^= BYTE_MASK;
  }
  return out;
}

/**
 * The frame a transmit path sends for `segments` gathered from descriptors: tag `tci`
 * with TPID `tpid` inserted after the addresses unless `tci` is undefined, then zeros up
 * to {@link MIN_FRAME} bytes when `pad`.
 */
export function sentFrame(segments: readonly Uint8Array[], tci: number | undefined, tpid: number, pad: boolean): Uint8Array {
  let body = tci === undefined ? 0 : VLAN_TAG;
  for (const s of segments) body += s.length;
  const frame = new Uint8Array(pad ? Math.max(body, MIN_FRAME) : body);
  let at = 0;
  for (const s of segments) {
    frame.set(s, at);
    at += s.length;
  }
  if (tci !== undefined) {
    frame.copyWithin(ETHERTYPE_AT + VLAN_TAG, ETHERTYPE_AT, at);
    frame.set([tpid >>> BITS_PER_BYTE, tpid & BYTE_MASK, tci >>> BITS_PER_BYTE, tci & BYTE_MASK], ETHERTYPE_AT);
  }
  return frame;
}
