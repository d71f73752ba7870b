/**
 * Receive-side scaling as Intel's 82576 and 82599 both do it: the frame's IPv4/IPv6
 * addresses (and TCP/UDP ports when MRQC enables them for that protocol) hashed with the
 * Toeplitz function under the 40-byte RSSRK key; the low 7 bits of the hash index the
 * 128-entry redirection table. Also the protocol facts the advanced receive descriptor
 * reports (packet type bits of pkt_info). The MRQC field bits, RSS types and packet type
 * bits have the same values in both datasheets.
 */

import {
  MRQC,
  MRQC_RSS_FIELD_IPV4,
  MRQC_RSS_FIELD_IPV4_TCP,
  MRQC_RSS_FIELD_IPV4_UDP,
  MRQC_RSS_FIELD_IPV6,
  MRQC_RSS_FIELD_IPV6_EX,
  MRQC_RSS_FIELD_IPV6_TCP,
  MRQC_RSS_FIELD_IPV6_TCP_EX,
  MRQC_RSS_FIELD_IPV6_UDP,
  MRQC_RSS_FIELD_IPV6_UDP_EX,
  RETA,
  RETA_ENTRIES,
  RETA_QUEUE_MASK,
  RSSRK,
  RSSRK_BYTES,
} from './rss-regs.js';

export * from './rss-regs.js';

/** RSS type values of the descriptor's pkt_info bits 3:0. */
export const RSS_TYPE_NONE = 0;
export const RSS_TYPE_IPV4_TCP = 1;
export const RSS_TYPE_IPV4 = 2;
export const RSS_TYPE_IPV6_TCP = 3;
export const RSS_TYPE_IPV6 = 5;
export const RSS_TYPE_IPV4_UDP = 7;
export const RSS_TYPE_IPV6_UDP = 8;

/** Packet type bits of pkt_info. */
export const PKT_TYPE_IPV4 = 0x0010;
export const PKT_TYPE_IPV6 = 0x0040;
export const PKT_TYPE_TCP = 0x0100;
export const PKT_TYPE_UDP = 0x0200;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
const ETH_HEADER = 14;
const ETHERTYPE_AT = 12;
const VLAN_TAG = 4;
const IPV4_MIN_HEADER = 20;
const IPV4_IHL_MASK = 0x0f;
const IPV4_PROTO_AT = 9;
const IPV4_FRAG_AT = 6;
/** More-fragments flag and fragment offset of the IPv4 flags/offset field. */
const IPV4_FRAG_MASK = 0x3fff;
const IPV4_SRC_AT = 12;
const IPV4_ADDR = 4;
const IPV6_HEADER = 40;
const IPV6_NEXT_AT = 6;
const IPV6_SRC_AT = 8;
const IPV6_ADDR = 16;
const PORTS = 4;
const DWORD_BYTES = 4;
const BITS_PER_BYTE = 8;
const HIGH_BIT = 0x80;

/** What RSS and the descriptor need to know about a frame's layer 3 and 4. */
export interface ParsedPacket {
  /** pkt_info packet type bits. */
  readonly packetType: number;
  /** Byte offset of the source address, undefined without IP. */
  readonly addrAt: number | undefined;
  /** Address bytes (4 or 16). */
  readonly addrLen: number;
  /** Byte offset of the TCP/UDP ports, undefined without a non-fragmented L4 header. */
  readonly portsAt: number | undefined;
  readonly ipv6: boolean;
  readonly l4: 'tcp' | 'udp' | undefined;
}

const NOT_IP: ParsedPacket = { packetType: 0, addrAt: undefined, addrLen: 0, portsAt: undefined, ipv6: false, l4: undefined };

/** Parses the IP and TCP/UDP headers of `frame` (`tpid`: the VLAN TPID to step over). */
export function parsePacket(frame: Uint8Array, tpid: number): ParsedPacket {
  let at = ETHERTYPE_AT;
  let type = be16(frame, at);
  if (type === tpid && frame.length >= ETH_HEADER + VLAN_TAG) {
    at += VLAN_TAG;
    type = be16(frame, at);
  }
  const l3 = at + 2;
  if (type === ETHERTYPE_IPV4 && frame.length >= l3 + IPV4_MIN_HEADER) {
    const ihl = (frame[l3] & IPV4_IHL_MASK) * DWORD_BYTES;
    const fragment = (be16(frame, l3 + IPV4_FRAG_AT) & IPV4_FRAG_MASK) !== 0;
    // A header shorter than its fixed 20 bytes (IHL below 5) locates no TCP/UDP header.
    const l4At = fragment || ihl < IPV4_MIN_HEADER ? undefined : l3 + ihl;
    return withL4(PKT_TYPE_IPV4, l3 + IPV4_SRC_AT, IPV4_ADDR, false, frame[l3 + IPV4_PROTO_AT], l4At, frame.length);
  }
  if (type === ETHERTYPE_IPV6 && frame.length >= l3 + IPV6_HEADER) {
    return withL4(PKT_TYPE_IPV6, l3 + IPV6_SRC_AT, IPV6_ADDR, true, frame[l3 + IPV6_NEXT_AT], l3 + IPV6_HEADER, frame.length);
  }
  return NOT_IP;
}

function withL4(ipType: number, addrAt: number, addrLen: number, ipv6: boolean, proto: number, l4At: number | undefined, length: number): ParsedPacket {
  const l4 = proto === IPPROTO_TCP ? 'tcp' : proto === IPPROTO_UDP ? 'udp' : undefined;
  if (l4 === undefined || l4At === undefined || l4At + PORTS > length) return { packetType: ipType, addrAt, addrLen, portsAt: undefined, ipv6, l4: undefined };
  return { packetType: ipType | (l4 === 'tcp' ? PKT_TYPE_TCP : PKT_TYPE_UDP), addrAt, addrLen, portsAt: l4At, ipv6, l4 };
}

/** The RSS type MRQC selects for `packet`, {@link RSS_TYPE_NONE} when it hashes nothing. */
export function rssType(packet: ParsedPacket, mrqc: number): number {
  if (packet.addrAt === undefined) return RSS_TYPE_NONE;
  const ports = packet.portsAt !== undefined;
  if (!packet.ipv6) {
    if (ports && packet.l4 === 'tcp' && (mrqc & MRQC_RSS_FIELD_IPV4_TCP) !== 0) return RSS_TYPE_IPV4_TCP;
    if (ports && packet.l4 === 'udp' && (mrqc & MRQC_RSS_FIELD_IPV4_UDP) !== 0) return RSS_TYPE_IPV4_UDP;
    return (mrqc & MRQC_RSS_FIELD_IPV4) !== 0 ? RSS_TYPE_IPV4 : RSS_TYPE_NONE;
  }
  if (ports && packet.l4 === 'tcp' && (mrqc & (MRQC_RSS_FIELD_IPV6_TCP | MRQC_RSS_FIELD_IPV6_TCP_EX)) !== 0) return RSS_TYPE_IPV6_TCP;
  if (ports && packet.l4 === 'udp' && (mrqc & (MRQC_RSS_FIELD_IPV6_UDP | MRQC_RSS_FIELD_IPV6_UDP_EX)) !== 0) return RSS_TYPE_IPV6_UDP;
  return (mrqc & (MRQC_RSS_FIELD_IPV6 | MRQC_RSS_FIELD_IPV6_EX)) !== 0 ? RSS_TYPE_IPV6 : RSS_TYPE_NONE;
}

/** The hash input of `packet` for RSS type `type`: source and destination addresses, then ports. */
export function rssInput(frame: Uint8Array, packet: ParsedPacket, type: number): Uint8Array {
  const withPorts = type === RSS_TYPE_IPV4_TCP || type === RSS_TYPE_IPV4_UDP || type === RSS_TYPE_IPV6_TCP || type === RSS_TYPE_IPV6_UDP;
  const addrAt = packet.addrAt ?? 0;
  const addresses = frame.subarray(addrAt, addrAt + 2 * packet.addrLen);
  if (!withPorts || packet.portsAt === undefined) return addresses;
  const input = new Uint8Array(addresses.length + PORTS);
  input.set(addresses);
  input.set(frame.subarray(packet.portsAt, packet.portsAt + PORTS), addresses.length);
  return input;
}

/** The Toeplitz hash of `input` under `key` (at least input length + 4 bytes long). */
export function toeplitzHash(key: Uint8Array, input: Uint8Array): number {
  let hash = 0;
  // The 32-bit window of the key starting at the current input bit.
  let window = ((key[0] << 24) | (key[1] << 16) | (key[2] << 8) | key[3]) >>> 0;
  for (let i = 0; i < input.length; i++) {
    const next = key[i + DWORD_BYTES] ?? 0;
    for (let b = 0; b < BITS_PER_BYTE; b++) {
      if ((input[i] & (HIGH_BIT >>> b)) !== 0) hash = (hash ^ window) >>> 0;
      window = ((window << 1) | ((next & (HIGH_BIT >>> b)) !== 0 ? 1 : 0)) >>> 0;
    }
  }
  return hash;
}

function be16(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) << BITS_PER_BYTE) | (bytes[at + 1] ?? 0);
}

const REG_BYTES = 4;
const BYTE_MASK = 0xff;

/** Byte `index` of the little-endian register array that starts at byte offset `base`. */
export function registerByte(regs: Uint32Array, base: number, index: number): number {
  return (regs[(base >>> 2) + Math.floor(index / REG_BYTES)] >>> (BITS_PER_BYTE * (index % REG_BYTES))) & BYTE_MASK;
}

/** Copies the RSS key held in the ten RSSRK registers into `out`. */
export function readRssKey(regs: Uint32Array, out: Uint8Array): Uint8Array {
  for (let i = 0; i < RSSRK_BYTES; i++) out[i] = registerByte(regs, RSSRK, i);
  return out;
}

/** Where RSS puts a frame. */
export interface RssChoice {
  /** RSS type of the descriptor (RSS_TYPE_NONE when nothing was hashed). */
  type: number;
  hash: number;
  queue: number;
}

/**
 * Chooses the queue of `frame` (parsed as `packet`): with RSS on, the redirection-table
 * entry the low 7 bits of the Toeplitz hash index, over the fields MRQC enables; queue 0
 * otherwise. `key` is scratch for the key; `out` is filled and returned.
 */
export function rssChoose(regs: Uint32Array, frame: Uint8Array, packet: ParsedPacket, rssOn: boolean, key: Uint8Array, out: RssChoice): RssChoice {
  out.type = rssOn ? rssType(packet, regs[MRQC >>> 2]) : RSS_TYPE_NONE;
  out.hash = out.type === RSS_TYPE_NONE ? 0 : toeplitzHash(readRssKey(regs, key), rssInput(frame, packet, out.type));
  out.queue = out.type === RSS_TYPE_NONE ? 0 : registerByte(regs, RETA, out.hash % RETA_ENTRIES) & RETA_QUEUE_MASK;
  return out;
}
