/**
 * Offload and RSS hash-type bits, numbered as DPDK numbers them (`RTE_ETH_RX_OFFLOAD_*`,
 * `RTE_ETH_TX_OFFLOAD_*`, `RTE_ETH_RSS_*`), so masks read the same in both. Masks are plain
 * numbers used with 32-bit bitwise operators, so only bits 0 to 30 exist here: DPDK's RSS
 * bits 31 and above (PPPOE, ECPRI, MPLS, the L3/L4 source-only selectors ...) have no
 * counterpart yet.
 */

/** Rx offloads a driver advertises in `rxOffloadCapa` and a port requests in `rxMode.offloads`. */
export const RxOffload = {
  VLAN_STRIP: 1 << 0,
  IPV4_CKSUM: 1 << 1,
  UDP_CKSUM: 1 << 2,
  TCP_CKSUM: 1 << 3,
  TCP_LRO: 1 << 4,
  QINQ_STRIP: 1 << 5,
  OUTER_IPV4_CKSUM: 1 << 6,
  MACSEC_STRIP: 1 << 7,
  VLAN_FILTER: 1 << 9,
  VLAN_EXTEND: 1 << 10,
  SCATTER: 1 << 13,
  TIMESTAMP: 1 << 14,
  SECURITY: 1 << 15,
  KEEP_CRC: 1 << 16,
  SCTP_CKSUM: 1 << 17,
  OUTER_UDP_CKSUM: 1 << 18,
  RSS_HASH: 1 << 19,
  BUFFER_SPLIT: 1 << 20,
} as const;

/** Tx offloads a driver advertises in `txOffloadCapa` and a port requests in `txMode.offloads`. */
export const TxOffload = {
  VLAN_INSERT: 1 << 0,
  IPV4_CKSUM: 1 << 1,
  UDP_CKSUM: 1 << 2,
  TCP_CKSUM: 1 << 3,
  SCTP_CKSUM: 1 << 4,
  TCP_TSO: 1 << 5,
  UDP_TSO: 1 << 6,
  OUTER_IPV4_CKSUM: 1 << 7,
  QINQ_INSERT: 1 << 8,
  VXLAN_TNL_TSO: 1 << 9,
  GRE_TNL_TSO: 1 << 10,
  IPIP_TNL_TSO: 1 << 11,
  GENEVE_TNL_TSO: 1 << 12,
  MACSEC_INSERT: 1 << 13,
  MT_LOCKFREE: 1 << 14,
  MULTI_SEGS: 1 << 15,
  MBUF_FAST_FREE: 1 << 16,
  SECURITY: 1 << 17,
  UDP_TNL_TSO: 1 << 18,
  IP_TNL_TSO: 1 << 19,
  OUTER_UDP_CKSUM: 1 << 20,
  SEND_ON_TIMESTAMP: 1 << 21,
} as const;

/** RSS hash types a driver advertises in `flowTypeRssOffloads` and a port requests in `rss.hf`. */
export const RssHf = {
  IPV4: 1 << 2,
  FRAG_IPV4: 1 << 3,
  NONFRAG_IPV4_TCP: 1 << 4,
  NONFRAG_IPV4_UDP: 1 << 5,
  NONFRAG_IPV4_SCTP: 1 << 6,
  NONFRAG_IPV4_OTHER: 1 << 7,
  IPV6: 1 << 8,
  FRAG_IPV6: 1 << 9,
  NONFRAG_IPV6_TCP: 1 << 10,
  NONFRAG_IPV6_UDP: 1 << 11,
  NONFRAG_IPV6_SCTP: 1 << 12,
  NONFRAG_IPV6_OTHER: 1 << 13,
  L2_PAYLOAD: 1 << 14,
  IPV6_EX: 1 << 15,
  IPV6_TCP_EX: 1 << 16,
  IPV6_UDP_EX: 1 << 17,
  PORT: 1 << 18,
  VXLAN: 1 << 19,
  GENEVE: 1 << 20,
  NVGRE: 1 << 21,
  GTPU: 1 << 23,
  ETH: 1 << 24,
  S_VLAN: 1 << 25,
  C_VLAN: 1 << 26,
  ESP: 1 << 27,
  AH: 1 << 28,
  L2TPV3: 1 << 29,
  PFCP: 1 << 30,
} as const;

/** The protocol hash types (`RTE_ETH_RSS_PROTO_MASK` without MPLS, which is bit 33). */
export const RSS_PROTO_MASK =
  RssHf.IPV4 | RssHf.FRAG_IPV4 | RssHf.NONFRAG_IPV4_TCP | RssHf.NONFRAG_IPV4_UDP | RssHf.NONFRAG_IPV4_SCTP |
  RssHf.NONFRAG_IPV4_OTHER | RssHf.IPV6 | RssHf.FRAG_IPV6 | RssHf.NONFRAG_IPV6_TCP | RssHf.NONFRAG_IPV6_UDP |
  RssHf.NONFRAG_IPV6_SCTP | RssHf.NONFRAG_IPV6_OTHER | RssHf.L2_PAYLOAD | RssHf.IPV6_EX | RssHf.IPV6_TCP_EX |
  RssHf.IPV6_UDP_EX | RssHf.PORT | RssHf.VXLAN | RssHf.GENEVE | RssHf.NVGRE;

/** The highest bit a mask may use. */
const MAX_BIT = 30;

/**
 * Link speed bits (`RTE_ETH_LINK_SPEED_*`), DPDK's bit numbers: `configure`'s `linkSpeeds`
 * and `infoGet`'s `speedCapa`. No bit (`AUTONEG`, 0) autonegotiates every speed.
 */
export const LinkSpeeds = {
  AUTONEG: 0,
  /** With exactly one speed: force it, no autonegotiation. */
  FIXED: 1 << 0,
  M10_HD: 1 << 1,
  M10: 1 << 2,
  M100_HD: 1 << 3,
  M100: 1 << 4,
  G1: 1 << 5,
  G2_5: 1 << 6,
  G5: 1 << 7,
  G10: 1 << 8,
  G20: 1 << 9,
  G25: 1 << 10,
  G40: 1 << 11,
  G50: 1 << 12,
  G56: 1 << 13,
  G100: 1 << 14,
  G200: 1 << 15,
  G400: 1 << 16,
} as const;

/**
 * The names of the bits set in `mask`, looked up in `table` (one of {@link RxOffload},
 * {@link TxOffload}, {@link RssHf}); a bit the table lacks is named `bit<N>`.
 */
export function maskNames(mask: number, table: Readonly<Record<string, number>>): string[] {
  const names: string[] = [];
  for (let bit = 0; bit <= MAX_BIT; bit++) {
    const value = 1 << bit;
    if ((mask & value) === 0) continue;
    names.push(Object.keys(table).find((name) => table[name] === value) ?? `bit${bit}`);
  }
  return names;
}

/**
 * Checks that `mask` is a non-negative integer using bits 0 to 30 only.
 * @throws TypeError naming `what` when it is not.
 */
export function checkMask(what: string, mask: unknown): number {
  if (typeof mask !== 'number' || !Number.isInteger(mask) || mask < 0 || mask >= 2 ** (MAX_BIT + 1)) {
    throw new TypeError(`${what} must be a bit mask of bits 0..${MAX_BIT}, got ${String(mask)}`);
  }
  return mask;
}
