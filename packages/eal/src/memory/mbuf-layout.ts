/**
 * The mbuf header: the first {@link MBUF_HDR_SIZE} bytes of every object of a pktmbuf
 * pool, the counterpart of `struct rte_mbuf`. A mbuf handle is the arena offset of this
 * header. Offsets below are bytes from the handle; read and write a field with the arena
 * view of its width, e.g. `arena.u16[(h + MBUF_DATA_LEN) >>> 1]`.
 *
 * | offset | field                  | width | notes                                      |
 * |--------|------------------------|-------|--------------------------------------------|
 * | 0      | {@link MBUF_BUF_ADDR}  | u32   | arena offset of the buffer                 |
 * | 4      | {@link MBUF_BUF_IOVA_LO} | u32 | IOVA of the buffer, low 32 bits            |
 * | 8      | {@link MBUF_BUF_IOVA_HI} | u32 | IOVA of the buffer, high bits              |
 * | 12     | {@link MBUF_DATA_OFF}  | u16   | data start within the buffer               |
 * | 14     | {@link MBUF_REFCNT}    | u16   | references; updated with `Atomics`         |
 * | 16     | {@link MBUF_NB_SEGS}   | u16   | segments in the chain (first segment)      |
 * | 18     | {@link MBUF_PORT}      | u16   | input port, {@link MBUF_PORT_INVALID} none |
 * | 20     | {@link MBUF_OL_FLAGS_LO} | u32 | offload flags, bits 0-31                   |
 * | 24     | {@link MBUF_OL_FLAGS_HI} | u32 | offload flags, bits 32-63                  |
 * | 28     | {@link MBUF_PACKET_TYPE} | u32 | packet type                                |
 * | 32     | {@link MBUF_PKT_LEN}   | u32   | bytes in the whole chain (first segment)   |
 * | 36     | {@link MBUF_DATA_LEN}  | u16   | bytes in this segment                      |
 * | 38     | {@link MBUF_VLAN_TCI}  | u16   | VLAN tag control information               |
 * | 40     | {@link MBUF_RSS_HASH}  | u32   | RSS hash                                   |
 * | 44     | {@link MBUF_VLAN_TCI_OUTER} | u16 | outer VLAN TCI                          |
 * | 46     | {@link MBUF_BUF_LEN}   | u16   | buffer length, headroom included           |
 * | 48     | {@link MBUF_POOL}      | u32   | arena offset of the owning mempool, 0 none |
 * | 52     | {@link MBUF_NEXT}      | u32   | next segment's handle, 0 = last            |
 * | 56     | {@link MBUF_PRIV_SIZE} | u16   | application private area after the header  |
 * | 64     | {@link MBUF_DYNFIELD}  | 64 B  | free for drivers and applications          |
 *
 * The first line holds everything a receive path writes. The buffer of a direct mbuf
 * follows the private area: `bufAddr = h + MBUF_HDR_SIZE + privSize`, so with no private
 * area packet byte `i` is `arena.u8[h + MBUF_HDR_SIZE + dataOff + i]`. An indirect mbuf (a
 * clone) points its buffer fields at another mbuf's buffer.
 */

/** Size of the mbuf header (two cache lines, as `sizeof(struct rte_mbuf)`). */
export const MBUF_HDR_SIZE = 128;
/** Default headroom before the data (DPDK's `RTE_PKTMBUF_HEADROOM`). */
export const MBUF_HEADROOM = 128;
/** Default data room after the headroom (`RTE_MBUF_DEFAULT_DATAROOM`). */
export const MBUF_DEFAULT_DATAROOM = 2048;
/** Default buffer size: headroom plus data room (`RTE_MBUF_DEFAULT_BUF_SIZE`). */
export const MBUF_DEFAULT_BUF_SIZE = MBUF_HEADROOM + MBUF_DEFAULT_DATAROOM;
/** Private areas are a multiple of this (`RTE_MBUF_PRIV_ALIGN`). */
export const MBUF_PRIV_ALIGN = 8;
/** Largest buffer a u16 length can describe. */
export const MBUF_MAX_BUF_LEN = 0xffff;
/** Most segments in one chain (`RTE_MBUF_MAX_NB_SEGS`). */
export const MBUF_MAX_NB_SEGS = 0xffff;
/** Port of a mbuf that came from no port (`RTE_MBUF_PORT_INVALID`). */
export const MBUF_PORT_INVALID = 0xffff;

/** u32: arena offset of the buffer. */
export const MBUF_BUF_ADDR = 0;
/** u32: IOVA of the buffer, low 32 bits. */
export const MBUF_BUF_IOVA_LO = 4;
/** u32: IOVA of the buffer, high bits. */
export const MBUF_BUF_IOVA_HI = 8;
/** u16: offset of the data in the buffer. */
export const MBUF_DATA_OFF = 12;
/** u16: reference count; 1 for a mbuf in its pool. */
export const MBUF_REFCNT = 14;
/** u16: number of segments (meaningful in the first segment). */
export const MBUF_NB_SEGS = 16;
/** u16: input port. */
export const MBUF_PORT = 18;
/** u32: offload flags, bits 0-31. */
export const MBUF_OL_FLAGS_LO = 20;
/** u32: offload flags, bits 32-63. */
export const MBUF_OL_FLAGS_HI = 24;
/** u32: packet type (L2/L3/L4 classification). */
export const MBUF_PACKET_TYPE = 28;
/** u32: total bytes of the packet (meaningful in the first segment). */
export const MBUF_PKT_LEN = 32;
/** u16: bytes of data in this segment. */
export const MBUF_DATA_LEN = 36;
/** u16: VLAN TCI. */
export const MBUF_VLAN_TCI = 38;
/** u32: RSS hash. */
export const MBUF_RSS_HASH = 40;
/** u16: outer VLAN TCI. */
export const MBUF_VLAN_TCI_OUTER = 44;
/** u16: buffer length, headroom included. */
export const MBUF_BUF_LEN = 46;
/** u32: arena offset of the mempool the mbuf returns to. */
export const MBUF_POOL = 48;
/** u32: handle of the next segment, 0 for the last. */
export const MBUF_NEXT = 52;
/** u16: bytes of application private area between the header and a direct buffer. */
export const MBUF_PRIV_SIZE = 56;
/** Start of the 64 bytes left to drivers and applications (DPDK's dynamic field area). */
export const MBUF_DYNFIELD = 64;
/** Bytes at {@link MBUF_DYNFIELD}. */
export const MBUF_DYNFIELD_SIZE = MBUF_HDR_SIZE - MBUF_DYNFIELD;

/**
 * Offload flag, in the high word ({@link MBUF_OL_FLAGS_HI}): the mbuf is indirect, its
 * buffer belongs to another mbuf (`RTE_MBUF_F_INDIRECT`, bit 62).
 */
export const MBUF_F_INDIRECT_HI = 1 << (62 - 32);

/** Rx offload flag, low word: `vlanTci` holds the packet's VLAN tag (`RTE_MBUF_F_RX_VLAN`). */
export const MBUF_F_RX_VLAN = 1 << 0;
/** Rx offload flag, low word: `rssHash` is valid (`RTE_MBUF_F_RX_RSS_HASH`). */
export const MBUF_F_RX_RSS_HASH = 1 << 1;
/** Rx offload flag, low word: the tag in `vlanTci` was removed from the data (`RTE_MBUF_F_RX_VLAN_STRIPPED`). */
export const MBUF_F_RX_VLAN_STRIPPED = 1 << 6;

/** Pool private area of a pktmbuf pool, from `Mempool.privOffset`: u32 buffer size of each mbuf. */
export const MBUF_POOL_DATA_ROOM_SIZE = 0;
/** Pool private area: u32 size of each mbuf's private area. */
export const MBUF_POOL_PRIV_SIZE = 4;
/** Size of the pool private area of a pktmbuf pool. */
export const MBUF_POOL_PRIVATE_SIZE = 8;
