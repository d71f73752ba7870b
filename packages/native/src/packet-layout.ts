/**
 * The layout of PACKET_MMAP rings (`<linux/if_packet.h>`), for code that walks them through
 * typed arrays. Offsets are bytes from the start of the structure named in each group; a
 * test checks every value against the headers the addon was compiled with.
 *
 * The rings of {@link packetOpen} are TPACKET_V3 in both directions:
 *
 * - rx: `blockCount` blocks of `blockSize` bytes. Each block starts with a block descriptor
 *   (`BD_*`); when the kernel hands a block over, `BD_BLOCK_STATUS` has
 *   {@link TP_STATUS_USER} and the block holds `BD_NUM_PKTS` packets, the first at
 *   `BD_OFFSET_TO_FIRST_PKT`, each one a `struct tpacket3_hdr` (`TP3_*`) whose
 *   `TP3_NEXT_OFFSET` leads to the next, with the frame at `TP3_MAC`. Writing
 *   {@link TP_STATUS_KERNEL} to the block status gives the whole block back.
 * - tx: `frameCount` frames of `frameSize` bytes; frame `i` lies at
 *   `floor(i / framesPerBlock) * blockSize + (i % framesPerBlock) * frameSize` from the tx
 *   ring's start. A frame with status {@link TP_STATUS_AVAILABLE} is free: write the frame
 *   at {@link TPACKET3_TX_DATA_OFFSET}, its length at `TP3_LEN`, then
 *   {@link TP_STATUS_SEND_REQUEST} at `TP3_STATUS`; the next tx kick sends it and the kernel
 *   sets the status back to available once the frame is gone.
 */

/** Frames, headers and packet data in the rings are aligned to this many bytes. */
export const TPACKET_ALIGNMENT = 16;
/** Bytes of `struct sockaddr_ll`. */
export const SOCKADDR_LL_SIZE = 20;
/** `TPACKET2_HDRLEN`: the aligned V2 header plus the `sockaddr_ll` after it. */
export const TPACKET2_HDRLEN = 52;
/** `TPACKET3_HDRLEN`: the aligned V3 header plus the `sockaddr_ll` after it; the smallest frame. */
export const TPACKET3_HDRLEN = 68;
/** Where frame data starts in a V3 tx frame (the aligned header; no `sockaddr_ll` on transmit). */
export const TPACKET3_TX_DATA_OFFSET = 48;

/** Block descriptor (`struct tpacket_block_desc`), u32: layout version. */
export const BD_VERSION = 0;
/** Block descriptor, u32: offset of the private area. */
export const BD_OFFSET_TO_PRIV = 4;
/** Block descriptor, u32: `TP_STATUS_KERNEL` or `TP_STATUS_USER` (plus `TP_STATUS_BLK_TMO`, ...). */
export const BD_BLOCK_STATUS = 8;
/** Block descriptor, u32: packets in the block. */
export const BD_NUM_PKTS = 12;
/** Block descriptor, u32: offset of the first packet's header from the block start. */
export const BD_OFFSET_TO_FIRST_PKT = 16;
/** Block descriptor, u32: bytes of the block in use. */
export const BD_BLK_LEN = 20;
/** Block descriptor, u64: block sequence number. */
export const BD_SEQ_NUM = 24;
/** Block descriptor: timestamp of the first packet (u32 seconds, u32 nanoseconds). */
export const BD_TS_FIRST_PKT = 32;
/** Block descriptor: timestamp of the last packet. */
export const BD_TS_LAST_PKT = 40;
/** Bytes of the block descriptor. */
export const BD_SIZE = 48;

/** V3 packet header (`struct tpacket3_hdr`), u32: offset of the next packet's header, 0 for the last. */
export const TP3_NEXT_OFFSET = 0;
/** V3 header, u32: timestamp seconds. */
export const TP3_SEC = 4;
/** V3 header, u32: timestamp nanoseconds. */
export const TP3_NSEC = 8;
/** V3 header, u32: bytes of the frame present in the ring. */
export const TP3_SNAPLEN = 12;
/** V3 header, u32: bytes of the frame on the wire (more than the snap length when cut). */
export const TP3_LEN = 16;
/** V3 header, u32: `TP_STATUS_*`. */
export const TP3_STATUS = 20;
/** V3 header, u16: offset of the frame (MAC header) from the header. */
export const TP3_MAC = 24;
/** V3 header, u16: offset of the network header from the header. */
export const TP3_NET = 26;
/** V3 header, u32: the packet's flow hash. */
export const TP3_RXHASH = 28;
/** V3 header, u32: VLAN TCI the kernel took out of the frame (with `TP_STATUS_VLAN_VALID`). */
export const TP3_VLAN_TCI = 32;
/** V3 header, u16: VLAN TPID (with `TP_STATUS_VLAN_TPID_VALID`). */
export const TP3_VLAN_TPID = 36;
/** Bytes of the V3 header. */
export const TP3_SIZE = 48;

/** V2 frame header (`struct tpacket2_hdr`), u32: `TP_STATUS_*`. */
export const TP2_STATUS = 0;
/** V2 header, u32: bytes on the wire. */
export const TP2_LEN = 4;
/** V2 header, u32: bytes present. */
export const TP2_SNAPLEN = 8;
/** V2 header, u16: offset of the frame from the header. */
export const TP2_MAC = 12;
/** V2 header, u16: offset of the network header. */
export const TP2_NET = 14;
/** V2 header, u32: timestamp seconds. */
export const TP2_SEC = 16;
/** V2 header, u32: timestamp nanoseconds. */
export const TP2_NSEC = 20;
/** V2 header, u16: VLAN TCI. */
export const TP2_VLAN_TCI = 24;
/** V2 header, u16: VLAN TPID. */
export const TP2_VLAN_TPID = 26;
/** Bytes of the V2 header. */
export const TP2_SIZE = 32;

/** `struct sockaddr_ll` after a V3 rx header (at `TP3_SIZE`), u16: protocol, network order. */
export const SLL_PROTOCOL = 2;
/** `sockaddr_ll`, i32: interface index. */
export const SLL_IFINDEX = 4;
/** `sockaddr_ll`, u8: `PACKET_HOST`, `PACKET_BROADCAST`, ... */
export const SLL_PKTTYPE = 10;

/** rx status: the kernel owns the block (or frame). */
export const TP_STATUS_KERNEL = 0;
/** rx status: user space owns the block. */
export const TP_STATUS_USER = 1;
/** rx status: the frame was cut and the rest went through the socket's queue. */
export const TP_STATUS_COPY = 2;
/** rx status: packets were dropped before this one. */
export const TP_STATUS_LOSING = 4;
/** rx status: the checksum is not computed yet (locally sent). */
export const TP_STATUS_CSUMNOTREADY = 8;
/** rx status: `TP3_VLAN_TCI` holds a VLAN tag removed from the frame. */
export const TP_STATUS_VLAN_VALID = 16;
/** rx block status: the block was handed over by the retire timer, not because it was full. */
export const TP_STATUS_BLK_TMO = 32;
/** rx status: `TP3_VLAN_TPID` is valid. */
export const TP_STATUS_VLAN_TPID_VALID = 64;
/** rx status: the checksum was verified. */
export const TP_STATUS_CSUM_VALID = 128;
/** tx status: the frame is free for user space. */
export const TP_STATUS_AVAILABLE = 0;
/** tx status: user space asks the kernel to send the frame. */
export const TP_STATUS_SEND_REQUEST = 1;
/** tx status: the kernel is sending the frame. */
export const TP_STATUS_SENDING = 2;
/** tx status: the kernel refused the frame (without `PACKET_LOSS`; sockets here set it). */
export const TP_STATUS_WRONG_FORMAT = 4;

/** `sockaddr_ll` packet type: addressed to this host. */
export const PACKET_HOST = 0;
/** Packet type: broadcast. */
export const PACKET_BROADCAST = 1;
/** Packet type: multicast. */
export const PACKET_MULTICAST = 2;
/** Packet type: addressed to another host (seen in promiscuous mode, or on veth). */
export const PACKET_OTHERHOST = 3;
/** Packet type: sent by this host. */
export const PACKET_OUTGOING = 4;

/** The geometry of each ring of an AF_PACKET socket (both rings share it). */
export interface PacketRingGeometry {
  /** Bytes of a block: a non-zero multiple of the page size. */
  readonly blockSize: number;
  /** Blocks in each ring. */
  readonly blockCount: number;
  /**
   * Bytes of a tx frame: a multiple of {@link TPACKET_ALIGNMENT}, at most `blockSize`, and
   * at least {@link TPACKET3_TX_DATA_OFFSET} + the interface's MTU + 14.
   */
  readonly frameSize: number;
  /** Frames in each ring: exactly `blockCount * floor(blockSize / frameSize)`. */
  readonly frameCount: number;
}

/** Frames that fit in one block. */
export function packetFramesPerBlock(g: PacketRingGeometry): number {
  return Math.floor(g.blockSize / g.frameSize);
}

/** Bytes of one ring; the tx ring starts this far into the mapping. */
export function packetRingBytes(g: PacketRingGeometry): number {
  return g.blockSize * g.blockCount;
}

/** Offset of tx frame `i` from the start of the mapping (the rx ring comes first). */
export function packetTxFrameOffset(g: PacketRingGeometry, i: number): number {
  const perBlock = packetFramesPerBlock(g);
  return packetRingBytes(g) + Math.floor(i / perBlock) * g.blockSize + (i % perBlock) * g.frameSize;
}
