/**
 * The byte layout of the frames nic-fwd touches: Ethernet II, IPv4 without options and UDP,
 * as offsets from the start of each header, and the checksum of an IPv4 header.
 */

/** Bytes in a MAC address. */
export const ETH_ADDR_LEN = 6;
/** Ethernet header: destination MAC. */
export const ETH_DST = 0;
/** Ethernet header: source MAC. */
export const ETH_SRC = 6;
/** Ethernet header: EtherType (big endian). */
export const ETH_TYPE = 12;
/** Bytes in an Ethernet II header. */
export const ETH_HDR_LEN = 14;
/** EtherType of IPv4. */
export const ETHER_TYPE_IPV4 = 0x0800;
/** Longest frame nic-fwd generates: a 1500-byte MTU plus the Ethernet header (no FCS). */
export const ETH_MAX_FRAME_LEN = 1514;

/** IPv4 header: version (4) and header length in 32-bit words (5). */
export const IP_VERSION_IHL = 0;
/** IPv4 header: type of service. */
export const IP_TOS = 1;
/** IPv4 header: total length (big endian). */
export const IP_TOTAL_LEN = 2;
/** IPv4 header: identification. */
export const IP_ID = 4;
/** IPv4 header: flags and fragment offset. */
export const IP_FRAG = 6;
/** IPv4 header: time to live. */
export const IP_TTL = 8;
/** IPv4 header: protocol. */
export const IP_PROTO = 9;
/** IPv4 header: header checksum (big endian). */
export const IP_CSUM = 10;
/** IPv4 header: source address. */
export const IP_SRC = 12;
/** IPv4 header: destination address. */
export const IP_DST = 16;
/** Bytes in an IPv4 header without options. */
export const IP_HDR_LEN = 20;
/** {@link IP_VERSION_IHL} of a header without options. */
export const IP_VERSION_IHL_DEFAULT = 0x45;
/** TTL of generated packets (testpmd's `IP_DEFTTL`). */
export const IP_DEFAULT_TTL = 64;
/** IP protocol number of UDP. */
export const IPPROTO_UDP = 17;

/** UDP header: source port. */
export const UDP_SRC_PORT = 0;
/** UDP header: destination port. */
export const UDP_DST_PORT = 2;
/** UDP header: length of header and payload. */
export const UDP_LEN = 4;
/** UDP header: checksum (0: none, allowed over IPv4). */
export const UDP_CSUM = 6;
/** Bytes in a UDP header. */
export const UDP_HDR_LEN = 8;

/** Shortest UDP/IPv4 frame: the three headers and no payload. */
export const UDP_FRAME_MIN_LEN = ETH_HDR_LEN + IP_HDR_LEN + UDP_HDR_LEN;

/** Writes `value` as a big-endian 16-bit field at `u8[at]`. */
export function writeBe16(u8: Uint8Array, at: number, value: number): void {
  u8[at] = (value >>> 8) & 0xff;
  u8[at + 1] = value & 0xff;
}

/** Writes `value` as a big-endian 32-bit field at `u8[at]`. */
export function writeBe32(u8: Uint8Array, at: number, value: number): void {
  u8[at] = value >>> 24;
  u8[at + 1] = (value >>> 16) & 0xff;
  u8[at + 2] = (value >>> 8) & 0xff;
  u8[at + 3] = value & 0xff;
}

/** Reads the big-endian 16-bit field at `u8[at]`. */
export function readBe16(u8: Uint8Array, at: number): number {
  return (u8[at] << 8) | u8[at + 1];
}

/**
 * The checksum of the option-less IPv4 header at `u8[at]` (RFC 791: the one's complement of
 * the one's complement sum of its 16-bit words), computed with the checksum field taken as 0.
 */
export function ipv4Checksum(u8: Uint8Array, at: number): number {
  let sum = 0;
  for (let i = 0; i < IP_HDR_LEN; i += 2) {
    if (i !== IP_CSUM) sum += readBe16(u8, at + i);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Copies the six bytes of `mac` to `u8[at]`. */
export function writeMac(u8: Uint8Array, at: number, mac: Uint8Array): void {
  for (let i = 0; i < ETH_ADDR_LEN; i++) u8[at + i] = mac[i];
}
