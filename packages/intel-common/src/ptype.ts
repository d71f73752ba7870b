/**
 * The packet types the rx kernel reports in `mbuf.packet_type`, by DPDK's `RTE_PTYPE_*`
 * names and values. The advanced descriptor's packet-type bits (desc.ts `RXD_PKTTYPE_*`)
 * sit where these do, so the kernel copies them and widens the "with options/extensions"
 * bits to DPDK's `_EXT` values.
 */

export const RTE_PTYPE_L2_ETHER = 0x00000001;
export const RTE_PTYPE_L3_IPV4 = 0x00000010;
export const RTE_PTYPE_L3_IPV4_EXT = 0x00000030;
export const RTE_PTYPE_L3_IPV6 = 0x00000040;
export const RTE_PTYPE_L3_IPV6_EXT = 0x000000c0;
export const RTE_PTYPE_L4_TCP = 0x00000100;
export const RTE_PTYPE_L4_UDP = 0x00000200;
export const RTE_PTYPE_L4_SCTP = 0x00000400;
