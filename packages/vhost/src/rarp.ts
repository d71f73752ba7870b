/**
 * The RARP announcement a backend sends for a migrated guest (VHOST_USER_SEND_RARP): after a
 * live migration, QEMU on the destination asks the backend to announce the guest's MAC when the
 * guest itself cannot (it did not ack VIRTIO_NET_F_GUEST_ANNOUNCE), so that switches learn
 * where the guest went. The frame is what QEMU's own self-announce sends: a broadcast RARP
 * "reverse request" from that MAC, padded to the shortest Ethernet frame.
 */
import type { Arena } from '@nic/eal';
import { MBUF_BUF_ADDR, MBUF_DATA_LEN, MBUF_DATA_OFF, MBUF_HEADROOM, MBUF_PKT_LEN } from '@nic/eal/layout';

/** Bytes of the frame (the minimum Ethernet frame without FCS). */
export const RARP_FRAME_LEN = 60;
/** EtherType of RARP. */
export const ETHERTYPE_RARP = 0x8035;
/** ARP hardware type Ethernet. */
const HTYPE_ETHERNET = 1;
/** ARP protocol type IPv4. */
const PTYPE_IPV4 = 0x0800;
const MAC_LEN = 6;
const IPV4_LEN = 4;
/** RARP operation "reverse request" (RFC 903). */
const OP_REVERSE_REQUEST = 3;
/** Offsets in the frame. */
const ETH_DST = 0;
const ETH_SRC = 6;
const ETH_TYPE = 12;
const ARP_HTYPE = 14;
const ARP_PTYPE = 16;
const ARP_HLEN = 18;
const ARP_PLEN = 19;
const ARP_OP = 20;
const ARP_SHA = 22;
const ARP_THA = 32;

/** Writes the RARP announcement of `mac` (6 bytes) into `frame` (at least {@link RARP_FRAME_LEN} bytes). */
export function writeRarpFrame(frame: Uint8Array, mac: Uint8Array): void {
  frame.fill(0, 0, RARP_FRAME_LEN);
  frame.fill(0xff, ETH_DST, ETH_DST + MAC_LEN);
  frame.set(mac.subarray(0, MAC_LEN), ETH_SRC);
  const be16 = (at: number, value: number): void => {
    frame[at] = value >>> 8;
    frame[at + 1] = value & 0xff;
  };
  be16(ETH_TYPE, ETHERTYPE_RARP);
  be16(ARP_HTYPE, HTYPE_ETHERNET);
  be16(ARP_PTYPE, PTYPE_IPV4);
  frame[ARP_HLEN] = MAC_LEN;
  frame[ARP_PLEN] = IPV4_LEN;
  be16(ARP_OP, OP_REVERSE_REQUEST);
  // Sender and target hardware addresses are both the guest's; the IPv4 addresses stay 0.
  frame.set(mac.subarray(0, MAC_LEN), ARP_SHA);
  frame.set(mac.subarray(0, MAC_LEN), ARP_THA);
}

/** Makes mbuf `h` (freshly allocated from a pool of `arena`) the RARP announcement of `mac`. */
export function writeRarpMbuf(arena: Arena, h: number, mac: Uint8Array): void {
  const data = arena.u32[(h + MBUF_BUF_ADDR) >>> 2] + MBUF_HEADROOM;
  writeRarpFrame(arena.u8.subarray(data, data + RARP_FRAME_LEN), mac);
  arena.u16[(h + MBUF_DATA_OFF) >>> 1] = MBUF_HEADROOM;
  arena.u16[(h + MBUF_DATA_LEN) >>> 1] = RARP_FRAME_LEN;
  arena.u32[(h + MBUF_PKT_LEN) >>> 2] = RARP_FRAME_LEN;
}
