/** Setting up a port for forwarding, as testpmd does: queues, RSS when several, promiscuous mode, start. */
import { NicError, type Mempool } from '@nic/eal';
import { configure, infoGet, promiscuousEnable, RssHf, rxQueueSetup, start, TxOffload, txQueueSetup, type EthConf } from '@nic/ethdev';

/** Hash types nic-fwd asks RSS for (testpmd's default `RTE_ETH_RSS_IP`, plus UDP and TCP ports). */
export const RSS_HASH_TYPES = RssHf.IPV4 | RssHf.FRAG_IPV4 | RssHf.NONFRAG_IPV4_TCP | RssHf.NONFRAG_IPV4_UDP | RssHf.NONFRAG_IPV4_OTHER | RssHf.IPV6;

/** How to set up a port. */
export interface PortSetup {
  readonly rxq: number;
  readonly txq: number;
  /** Descriptors per rx queue; 0: the driver's preferred count. */
  readonly rxd: number;
  /** Descriptors per tx queue; 0: the driver's preferred count. */
  readonly txd: number;
  readonly pool: Mempool;
  /** Tx offloads asked for (see `FwdOptions.txOffloads`). */
  readonly txOffloads: number;
  /** Configure the rx queue interrupts (`intrConf.rxq`, see `FwdOptions.rxInterrupts`). */
  readonly rxInterrupts?: boolean;
}

/**
 * The configuration of a port with `rxq` rx queues: RSS over them when the driver has it,
 * the tx offloads asked for, less fast free when the driver lacks it (as testpmd does), and
 * the rx queue interrupts when asked for.
 */
export function portConf(port: number, rxq: number, txOffloads: number, rxInterrupts = false): EthConf {
  const info = infoGet(port);
  const hashes = info.flowTypeRssOffloads & RSS_HASH_TYPES;
  const unsupportedFastFree = TxOffload.MBUF_FAST_FREE & ~info.txOffloadCapa;
  const txMode = { offloads: txOffloads & ~unsupportedFastFree };
  const intrConf = rxInterrupts ? { intrConf: { rxq: true } } : {};
  return rxq > 1 && hashes !== 0 ? { rxMode: { mqMode: 'rss' }, rss: { hf: hashes }, txMode, ...intrConf } : { txMode, ...intrConf };
}

/**
 * Configures `port`, sets up its queues, turns promiscuous mode on (where the driver has a
 * switch) and starts it.
 */
export function setupPort(port: number, setup: PortSetup): void {
  configure(port, setup.rxq, setup.txq, portConf(port, setup.rxq, setup.txOffloads, setup.rxInterrupts === true));
  for (let q = 0; q < setup.rxq; q++) rxQueueSetup(port, q, setup.rxd, undefined, setup.pool);
  for (let q = 0; q < setup.txq; q++) txQueueSetup(port, q, setup.txd);
  try {
    promiscuousEnable(port);
  } catch (e) {
    if (!(e instanceof NicError && e.code === 'NIC_ENOTSUP')) throw e;
  }
  start(port);
}
