/**
 * Port configuration (`rte_eth_dev_configure`): queue counts, MTU, offloads, RSS and
 * interrupts, each checked against what the driver advertises before anything changes.
 */
import { NicError } from '@nic/eal';
import { devInfo, ETHER_MTU, ETHER_OVERHEAD, ETHER_MAX_MTU } from './info.js';
import { log } from './log.js';
import { checkMask, LinkSpeeds, maskNames, RssHf, RxOffload, TxOffload } from './offloads.js';
import { dev, type EthDev } from './port.js';
import { resizeQueues } from './queue.js';
import { ethdevDriver } from './registry.js';
import { ETH_MAX_QUEUES_PER_PORT, PF_INTR_RXQ, PortState } from './shared.js';
import type { DevInfo, EthConf, ResolvedEthConf } from './types.js';

/** Queues when both counts are 0 and the driver states no preference (`RTE_ETH_DEV_FALLBACK_*_NBQUEUES`). */
export const FALLBACK_NB_QUEUES = 1;

function fail(d: EthDev, message: string): NicError {
  return new NicError('NIC_EINVAL', `configure: port ${d.port} (${d.driverName}): ${message}`);
}

function checkCount(d: EthDev, what: string, count: number, max: number): void {
  if (!Number.isInteger(count) || count < 0) throw fail(d, `${String(count)} is not a number of ${what} queues`);
  if (count > ETH_MAX_QUEUES_PER_PORT) throw fail(d, `${count} ${what} queues, more than ethdev's ${ETH_MAX_QUEUES_PER_PORT}`);
  if (count > max) throw fail(d, `${count} ${what} queues, more than the driver's ${max}`);
}

/**
 * The maximum frame overhead over the MTU, as DPDK derives it: the driver's frame limit
 * minus its MTU limit when it states both, else Ethernet header and CRC.
 */
export function frameOverhead(info: DevInfo): number {
  return info.maxMtu !== ETHER_MAX_MTU && info.maxRxPktLen > info.maxMtu ? info.maxRxPktLen - info.maxMtu : ETHER_OVERHEAD;
}

/**
 * Checks `mtu` against the driver's limits (`eth_dev_validate_mtu`).
 * @throws NicError `NIC_EINVAL` naming the limit it breaks.
 */
export function checkMtu(d: EthDev, info: DevInfo, mtu: number): void {
  if (!Number.isInteger(mtu) || mtu < info.minMtu) throw new NicError('NIC_EINVAL', `port ${d.port}: MTU ${String(mtu)} is below the minimum ${info.minMtu}`);
  if (mtu > info.maxMtu) throw new NicError('NIC_EINVAL', `port ${d.port}: MTU ${mtu} is above the maximum ${info.maxMtu}`);
  const frame = mtu + frameOverhead(info);
  if (frame > info.maxRxPktLen) throw new NicError('NIC_EINVAL', `port ${d.port}: MTU ${mtu} makes ${frame}-byte frames, above the maximum ${info.maxRxPktLen}`);
}

function resolve(d: EthDev, info: DevInfo, conf: EthConf): ResolvedEthConf {
  const mqMode = conf.rxMode?.mqMode ?? 'none';
  if (mqMode !== 'none' && mqMode !== 'rss') throw fail(d, `unknown rx mq mode '${String(mqMode)}'`);
  const rxOffloads = checkMask('rxMode.offloads', conf.rxMode?.offloads ?? 0);
  const txOffloads = checkMask('txMode.offloads', conf.txMode?.offloads ?? 0);
  const hf = checkMask('rss.hf', conf.rss?.hf ?? 0);
  const key = conf.rss?.key;
  const intr = conf.intrConf ?? {};
  return {
    linkSpeeds: checkMask('linkSpeeds', conf.linkSpeeds ?? 0),
    rxMode: { mqMode, mtu: conf.rxMode?.mtu ?? Math.min(info.maxMtu, ETHER_MTU), offloads: rxOffloads },
    txMode: { offloads: txOffloads },
    rss: { hf, key: key === undefined ? undefined : Uint8Array.from(key) },
    intrConf: { lsc: intr.lsc === true, rmv: intr.rmv === true, rxq: intr.rxq === true },
  };
}

/** Speeds the driver has (when it says), and `FIXED` with exactly one speed. */
function checkLinkSpeeds(d: EthDev, info: DevInfo, linkSpeeds: number): void {
  const speeds = linkSpeeds & ~LinkSpeeds.FIXED;
  const missing = speeds & ~info.speedCapa;
  if (info.speedCapa !== 0 && missing !== 0) throw fail(d, `unsupported link speeds ${maskNames(missing, LinkSpeeds).join(', ')}`);
  if ((linkSpeeds & LinkSpeeds.FIXED) !== 0 && (speeds === 0 || (speeds & (speeds - 1)) !== 0)) {
    throw fail(d, `a FIXED link speed needs exactly one speed, got ${maskNames(speeds, LinkSpeeds).join(', ') || 'none'}`);
  }
}

function validate(d: EthDev, info: DevInfo, conf: ResolvedEthConf): void {
  if (conf.intrConf.lsc && !info.intrLsc) throw fail(d, 'the driver does not support link status change interrupts (intrConf.lsc)');
  if (conf.intrConf.rmv && !info.intrRmv) throw fail(d, 'the driver does not support removal interrupts (intrConf.rmv)');
  if (conf.intrConf.rxq && !ethdevDriver(d.driverName).rxQueueIntr) throw fail(d, 'the driver has no rx queue interrupts (intrConf.rxq)');
  checkMtu(d, info, conf.rxMode.mtu);
  const rxMissing = conf.rxMode.offloads & ~info.rxOffloadCapa;
  if (rxMissing !== 0) throw fail(d, `unsupported rx offloads ${maskNames(rxMissing, RxOffload).join(', ')}`);
  const txMissing = conf.txMode.offloads & ~info.txOffloadCapa;
  if (txMissing !== 0) throw fail(d, `unsupported tx offloads ${maskNames(txMissing, TxOffload).join(', ')}`);
  if (conf.rxMode.mqMode === 'rss' && info.flowTypeRssOffloads === 0) throw fail(d, 'the driver has no RSS (rxMode.mqMode rss)');
  const hfMissing = conf.rss.hf & ~info.flowTypeRssOffloads;
  if (hfMissing !== 0) throw fail(d, `unsupported RSS hash types ${maskNames(hfMissing, RssHf).join(', ')}`);
  if (conf.rxMode.mqMode !== 'rss' && (conf.rxMode.offloads & RxOffload.RSS_HASH) !== 0) throw fail(d, 'the RSS_HASH rx offload needs rxMode.mqMode rss');
  checkLinkSpeeds(d, info, conf.linkSpeeds);
  const key = conf.rss.key;
  if (key !== undefined && key.length !== info.hashKeySize) throw fail(d, `RSS key of ${key.length} bytes, the driver's is ${info.hashKeySize}`);
}

/**
 * Configures `port` with `nbRx` rx and `nbTx` tx queues (both 0: the driver's preferred
 * counts, else 1 each) and `conf`. The port must not be started; queues beyond the new
 * counts are released, the others keep their set-up. When the driver rejects the
 * configuration, the port is left unconfigured with no queues, as in DPDK.
 * @throws NicError `NIC_EBUSY` when the port is started; `NIC_EINVAL` for queue counts
 *   beyond the driver's limits, an MTU outside them, offloads, RSS hash types or interrupts
 *   the driver does not advertise (named in the message), link speeds beyond its
 *   `speedCapa` or `FIXED` without exactly one speed, an RSS key of the wrong length.
 */
export function configure(port: number, nbRx: number, nbTx: number, conf: EthConf = {}): void {
  const d = dev(port);
  if (d.state === PortState.STARTED) throw new NicError('NIC_EBUSY', `configure: port ${port} is started (stop it first)`);
  const info = devInfo(d);
  let rx = nbRx;
  let tx = nbTx;
  if (rx === 0 && tx === 0) {
    rx = info.defaultRxPortConf.nbQueues || FALLBACK_NB_QUEUES;
    tx = info.defaultTxPortConf.nbQueues || FALLBACK_NB_QUEUES;
  }
  checkCount(d, 'rx', rx, info.maxRxQueues);
  checkCount(d, 'tx', tx, info.maxTxQueues);
  const resolved = resolve(d, info, conf);
  validate(d, info, resolved);

  const previous = d.conf;
  resizeQueues(d, rx, tx);
  d.conf = resolved;
  d.data.mtu = resolved.rxMode.mtu;
  d.data.setFlag(PF_INTR_RXQ, resolved.intrConf.rxq);
  try {
    d.ops.configure?.(d);
  } catch (e) {
    log.err(`port ${port}: driver rejected the configuration: ${e instanceof Error ? e.message : String(e)}`);
    resizeQueues(d, 0, 0);
    d.conf = previous;
    d.data.mtu = previous.rxMode.mtu;
    d.data.state = PortState.UNCONFIGURED;
    d.data.bumpGen();
    throw e;
  }
  d.data.state = PortState.CONFIGURED;
  d.data.bumpGen();
}

/** The configuration port `port` runs with (`rte_eth_dev_conf_get`). */
export function confGet(port: number): ResolvedEthConf {
  return dev(port).conf;
}
