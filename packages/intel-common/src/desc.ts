/**
 * Advanced receive and transmit descriptors (16 bytes each), which the 82575/82576/I350
 * (igb) and the 82599/X540 (ixgbe) lay out alike: byte offsets of their fields and the
 * status and command bits they share, by datasheet name. The receive error bits differ
 * between the families and live in each driver's base layer.
 */

/** Bytes of one descriptor. */
export const DESC_SIZE = 16;
/** Descriptor rings must start on this boundary (bytes). */
export const DESC_RING_ALIGN = 128;
/** Ring lengths are multiples of this many descriptors (128 bytes). */
export const DESC_COUNT_ALIGN = 8;

// --- Receive, read format (software to hardware) -------------------------------------
/** u64: the packet buffer's IOVA (low dword). */
export const RXD_PKT_ADDR_LO = 0;
export const RXD_PKT_ADDR_HI = 4;
/** u64: the header buffer's IOVA; 0 without header split. Overlaps the write-back status. */
export const RXD_HDR_ADDR_LO = 8;
export const RXD_HDR_ADDR_HI = 12;

// --- Receive, write-back format (hardware to software) --------------------------------
/** u32: packet info (RSS type in bits 3:0, packet type) and header info. */
export const RXD_WB_PKT_INFO = 0;
/** u32: the RSS hash. */
export const RXD_WB_RSS = 4;
/** u32: extended status (low bits) and errors (high bits). */
export const RXD_WB_STATUS_ERROR = 8;
/** u16: bytes written to the buffer. */
export const RXD_WB_LENGTH = 12;
/** u16: the stripped VLAN tag. */
export const RXD_WB_VLAN = 14;

/** Descriptor done. */
export const RXD_STAT_DD = 0x00000001;
/** End of packet. */
export const RXD_STAT_EOP = 0x00000002;
/** The packet had a VLAN tag, now in {@link RXD_WB_VLAN}. */
export const RXD_STAT_VP = 0x00000008;
/** Packet info: the RSS type field; 0 when no hash was computed. */
export const RXD_PKT_INFO_RSS_TYPE_MASK = 0x0000000f;
/** Packet info: an IPv4 header (the packet-type bits are the same in both families). */
export const RXD_PKTTYPE_IPV4 = 0x00000010;
/** Packet info: an IPv4 header with options. */
export const RXD_PKTTYPE_IPV4_EX = 0x00000020;
/** Packet info: an IPv6 header. */
export const RXD_PKTTYPE_IPV6 = 0x00000040;
/** Packet info: an IPv6 header with extension headers. */
export const RXD_PKTTYPE_IPV6_EX = 0x00000080;
/** Packet info: a TCP header. */
export const RXD_PKTTYPE_TCP = 0x00000100;
/** Packet info: a UDP header. */
export const RXD_PKTTYPE_UDP = 0x00000200;
/** Packet info: an SCTP header. */
export const RXD_PKTTYPE_SCTP = 0x00000400;

// --- Transmit, advanced data descriptor ------------------------------------------------
/** u64: the buffer's IOVA. */
export const TXD_ADDR_LO = 0;
export const TXD_ADDR_HI = 4;
/** u32: length (15:0), descriptor type, command. */
export const TXD_CMD_TYPE_LEN = 8;
/** u32: offload info and payload length (31:14); the write-back status (DD) on completion. */
export const TXD_OLINFO_STATUS = 12;

/** Descriptor type: advanced data. */
export const TXD_DTYP_DATA = 0x00300000;
/** End of packet. */
export const TXD_DCMD_EOP = 0x01000000;
/** Insert the frame check sequence. */
export const TXD_DCMD_IFCS = 0x02000000;
/** Report status: write DD back when done. */
export const TXD_DCMD_RS = 0x08000000;
/** Descriptor extension (advanced format). */
export const TXD_DCMD_DEXT = 0x20000000;
/** Shift of the payload length in {@link TXD_OLINFO_STATUS}. */
export const TXD_PAYLEN_SHIFT = 14;
/** Written back in {@link TXD_OLINFO_STATUS}: descriptor done. */
export const TXD_STAT_DD = 0x00000001;
/** Most bytes one data descriptor carries. */
export const TXD_MAX_DATA_LEN = 0xffff;

/** Largest `offset` {@link storeAddress} takes. */
export const ADDRESS_OFFSET_MAX = 0xffff;

/**
 * Stores the 64-bit address `hi:lo + offset` in the two little-endian words `a32[w]` and
 * `a32[w + 1]` of a descriptor's address field, with 32-bit integer arithmetic only (V8
 * would otherwise carry the sum in a double). `lo` and `hi` are the halves of a buffer's
 * IOVA, `offset` a byte offset into the buffer of at most {@link ADDRESS_OFFSET_MAX}.
 *
 * The carry into `hi` is added from 16-bit halves rather than by comparing the sum with
 * `lo`: every intermediate then stays well inside int32, so on the per-packet path TurboFan
 * emits neither an overflow check nor a branch (each is a helper call or a block exit under
 * QEMU's TCG).
 */
export function storeAddress(a32: Uint32Array, w: number, lo: number, hi: number, offset: number): void {
  a32[w] = lo + offset;
  a32[w + 1] = hi + (((lo >>> 16) + (((lo & 0xffff) + offset) >>> 16)) >>> 16);
}
