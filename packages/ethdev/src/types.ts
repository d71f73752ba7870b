/**
 * The value types of the port API: configuration, device information, link, statistics.
 * Field names follow DPDK's structures in camel case (`rx_desc_lim.nb_max` is
 * `rxDescLim.max`).
 */

/** How received packets are spread over rx queues (`rxmode.mq_mode`). */
export type RxMqMode = 'none' | 'rss';

/** Port-wide rx settings (`struct rte_eth_rxmode`). */
export interface RxModeConf {
  /** Default `'none'`; `'rss'` needs a driver that advertises RSS hash types. */
  readonly mqMode?: RxMqMode;
  /** MTU; default the smaller of 1500 and the driver's `maxMtu`. */
  readonly mtu?: number;
  /** {@link RxOffload} bits; each must be in the driver's `rxOffloadCapa`. */
  readonly offloads?: number;
}

/** Port-wide tx settings (`struct rte_eth_txmode`). */
export interface TxModeConf {
  /** {@link TxOffload} bits; each must be in the driver's `txOffloadCapa`. */
  readonly offloads?: number;
}

/** RSS settings (`struct rte_eth_rss_conf`). */
export interface RssConf {
  /** {@link RssHf} bits; each must be in the driver's `flowTypeRssOffloads`. */
  readonly hf?: number;
  /** Hash key; its length must be the driver's `hashKeySize`. Default: the driver's key. */
  readonly key?: Uint8Array;
}

/** Which interrupts the port uses (`struct rte_eth_intr_conf`). */
export interface IntrConf {
  /** Link status change events; the driver must support them. */
  readonly lsc?: boolean;
  /** Removal events; the driver must support them. */
  readonly rmv?: boolean;
  /** Rx queue interrupts (see `rxIntrEnable`). */
  readonly rxq?: boolean;
}

/** What `configure` takes (`struct rte_eth_conf`); every part is optional. */
export interface EthConf {
  /**
   * {@link LinkSpeeds} bits (`link_speeds`): the speeds to advertise, or with `FIXED` the one
   * speed to force; 0 (default) autonegotiates every speed the port has. Each must be in the
   * driver's `speedCapa`.
   */
  readonly linkSpeeds?: number;
  readonly rxMode?: RxModeConf;
  readonly txMode?: TxModeConf;
  readonly rss?: RssConf;
  readonly intrConf?: IntrConf;
}

/** An {@link EthConf} with every default filled in, as `confGet` returns it. */
export interface ResolvedEthConf {
  readonly linkSpeeds: number;
  readonly rxMode: Required<RxModeConf>;
  readonly txMode: Required<TxModeConf>;
  readonly rss: { readonly hf: number; readonly key: Uint8Array | undefined };
  readonly intrConf: Required<IntrConf>;
}

/** Per-queue rx settings (`struct rte_eth_rxconf`). */
export interface RxConf {
  /** {@link RxOffload} bits for this queue only; beyond the port's, they must be in `rxQueueOffloadCapa`. */
  readonly offloads?: number;
  /** Leave the queue stopped when the port starts, for `rxQueueStart` later (`rx_deferred_start`). */
  readonly deferredStart?: boolean;
}

/** Per-queue tx settings (`struct rte_eth_txconf`). */
export interface TxConf {
  /** {@link TxOffload} bits for this queue only; beyond the port's, they must be in `txQueueOffloadCapa`. */
  readonly offloads?: number;
  /** Leave the queue stopped when the port starts, for `txQueueStart` later (`tx_deferred_start`). */
  readonly deferredStart?: boolean;
}

/** Descriptor count limits of a queue (`struct rte_eth_desc_lim`). */
export interface DescLimits {
  readonly max: number;
  readonly min: number;
  /** Counts must be a multiple of this. */
  readonly align: number;
}

/** A driver's preferred sizes (`struct rte_eth_dev_portconf`); 0 means no preference. */
export interface PortConfDefaults {
  readonly burstSize: number;
  readonly ringSize: number;
  readonly nbQueues: number;
}

/** What a port can do (`struct rte_eth_dev_info`). */
export interface DevInfo {
  readonly driverName: string;
  /** Name of the device behind the port (`net_ring0`, `0000:01:00.0`). */
  readonly deviceName: string;
  readonly minMtu: number;
  readonly maxMtu: number;
  /** Largest frame the port receives, headers included. */
  readonly maxRxPktLen: number;
  /** Smallest mbuf data room (past the headroom) an rx queue's pool must offer. */
  readonly minRxBufSize: number;
  readonly maxRxQueues: number;
  readonly maxTxQueues: number;
  readonly maxMacAddrs: number;
  readonly rxOffloadCapa: number;
  readonly txOffloadCapa: number;
  readonly rxQueueOffloadCapa: number;
  readonly txQueueOffloadCapa: number;
  /** {@link LinkSpeeds} bits of the speeds the port can run at (`speed_capa`); 0 when the driver does not say. */
  readonly speedCapa: number;
  /** {@link RssHf} bits the port hashes on; 0 when it has no RSS. */
  readonly flowTypeRssOffloads: number;
  readonly hashKeySize: number;
  readonly retaSize: number;
  readonly rxDescLim: DescLimits;
  readonly txDescLim: DescLimits;
  readonly defaultRxPortConf: PortConfDefaults;
  readonly defaultTxPortConf: PortConfDefaults;
  /** Whether the driver signals link changes (needed for `intrConf.lsc`). */
  readonly intrLsc: boolean;
  /** Whether the driver signals removal (needed for `intrConf.rmv`). */
  readonly intrRmv: boolean;
  /** Currently configured rx queues. */
  readonly nbRxQueues: number;
  /** Currently configured tx queues. */
  readonly nbTxQueues: number;
}

/** A link's state (`struct rte_eth_link`). */
export interface Link {
  readonly up: boolean;
  /** Mbps; 0 when unknown or down. */
  readonly speed: number;
  readonly fullDuplex: boolean;
  readonly autoneg: boolean;
}

/** Link speeds in Mbps (`RTE_ETH_SPEED_NUM_*`). */
export const LinkSpeed = {
  NONE: 0,
  M10: 10,
  M100: 100,
  G1: 1_000,
  G2_5: 2_500,
  G5: 5_000,
  G10: 10_000,
  G25: 25_000,
  G40: 40_000,
  G100: 100_000,
} as const;

/**
 * Port statistics (`struct rte_eth_stats`). Per-queue arrays have one element per configured
 * queue (DPDK caps them at 16).
 */
export interface EthStats {
  ipackets: number;
  opackets: number;
  ibytes: number;
  obytes: number;
  /** Received packets dropped for want of room. */
  imissed: number;
  ierrors: number;
  oerrors: number;
  /** Rx mbuf allocation failures. */
  rxNombuf: number;
  readonly qIpackets: number[];
  readonly qOpackets: number[];
  readonly qIbytes: number[];
  readonly qObytes: number[];
  readonly qErrors: number[];
}
