/**
 * What the net_af_packet tests add to @nic/test-kit's kernel network: frames sent raw from
 * the peer end of a veth pair through @nic/native, and the ARP / IPv4 / ICMP / UDP frames
 * that make a namespace's kernel answer.
 */
import { BROADCAST, etherFrame, etherTypeOf, kernelTierMissing } from '@nic/test-kit';

export { rawSend } from '@nic/test-kit';

/**
 * Why the kernel-tier tests cannot run on this machine (root, iproute2), or undefined when
 * they can. Files import it once and skip their kernel tests with a loud line.
 */
export const KERNEL_TIER_MISSING = kernelTierMissing('net_af_packet');


/** EtherType of IPv4. */
export const ETHERTYPE_IPV4 = 0x0800;
/** EtherType of ARP. */
export const ETHERTYPE_ARP = 0x0806;
/** IP protocol number of ICMP. */
export const IPPROTO_ICMP = 1;
/** IP protocol number of UDP. */
export const IPPROTO_UDP = 17;

/** Bytes of an Ethernet header. */
const ETH_LEN = 14;
/** Bytes of an IPv4 header without options. */
const IPV4_LEN = 20;

/** `frame` with an 802.1Q tag (VLAN `vid`, priority `pcp`) inserted after the addresses. */
export function vlanTagged(frame: Uint8Array, vid: number, pcp: number): Uint8Array {
  const tci = (pcp << 13) | vid;
  const out = new Uint8Array(frame.length + 4);
  out.set(frame.subarray(0, 12), 0);
  out.set([0x81, 0x00, tci >> 8, tci & 0xff], 12);
  out.set(frame.subarray(12), 16);
  return out;
}

/** The 16-bit ones' complement sum of `bytes`, as IP checksums use it. */
export function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An IPv4 address `a.b.c.d` as bytes. */
export function ipv4(text: string): Uint8Array {
  return Uint8Array.from(text.split('.'), Number);
}

/** An ARP request from `mac`/`ip` for `target`, broadcast. */
export function arpRequest(mac: Uint8Array, ip: Uint8Array, target: Uint8Array): Uint8Array {
  const arp = new Uint8Array(28);
  arp.set([0, 1, 0x08, 0x00, 6, 4, 0, 1], 0);
  arp.set(mac, 8);
  arp.set(ip, 14);
  arp.set(target, 24);
  return etherFrame(BROADCAST, mac, ETHERTYPE_ARP, arp);
}

/** The sender MAC of an ARP reply for `ip`, or undefined when `frame` is no such reply. */
export function arpReplyFrom(frame: Uint8Array, ip: Uint8Array): Uint8Array | undefined {
  const isReply = frame.length >= ETH_LEN + 28 && etherTypeOf(frame) === ETHERTYPE_ARP && frame[ETH_LEN + 7] === 2;
  if (!isReply || !ip.every((b, i) => frame[ETH_LEN + 14 + i] === b)) return undefined;
  return frame.slice(ETH_LEN + 8, ETH_LEN + 14);
}

/** An IPv4 packet from `src` to `dst` of protocol `proto` carrying `payload`, with its header checksum. */
export function ipv4Packet(src: Uint8Array, dst: Uint8Array, proto: number, payload: Uint8Array): Uint8Array {
  const packet = new Uint8Array(IPV4_LEN + payload.length);
  packet.set([0x45, 0, packet.length >> 8, packet.length & 0xff, 0, 1, 0x40, 0, 64, proto], 0);
  packet.set(src, 12);
  packet.set(dst, 16);
  const sum = checksum(packet.subarray(0, IPV4_LEN));
  packet[10] = sum >> 8;
  packet[11] = sum & 0xff;
  packet.set(payload, IPV4_LEN);
  return packet;
}

/** An ICMP echo request (`id`, `seq`) carrying `data`, with its checksum. */
export function icmpEcho(id: number, seq: number, data: Uint8Array): Uint8Array {
  const icmp = new Uint8Array(8 + data.length);
  icmp.set([8, 0, 0, 0, id >> 8, id & 0xff, seq >> 8, seq & 0xff], 0);
  icmp.set(data, 8);
  const sum = checksum(icmp);
  icmp[2] = sum >> 8;
  icmp[3] = sum & 0xff;
  return icmp;
}

/** A UDP/IPv4 frame from 10.0.0.1:`port` to 10.0.0.2:9, broadcast (UDP checksum 0: none). */
export function udpFrame(port: number, src: Uint8Array): Uint8Array {
  const udp = Uint8Array.of(port >> 8, port & 0xff, 0, 9, 0, 12, 0, 0, 1, 2, 3, 4);
  return etherFrame(BROADCAST, src, ETHERTYPE_IPV4, ipv4Packet(ipv4('10.0.0.1'), ipv4('10.0.0.2'), IPPROTO_UDP, udp));
}
