/**
 * Starting, stopping, closing and resetting a port (`rte_eth_dev_start`, `_stop`, `_close`,
 * `_reset`), with DPDK's state rules.
 */
import { NicError } from '@nic/eal';
import { releasePort } from './allocate.js';
import { refreshLink } from './link.js';
import { log } from './log.js';
import { DEFAULT_CONF, dev, type EthDev } from './port.js';
import { missingQueue, releaseQueues, resizeQueues } from './queue.js';
import { PF_ALLMULTI, PF_PROMISC, PortState } from './shared.js';

/** Replays the address and receive modes after a start, as `eth_dev_config_restore` does. */
function restoreConfig(d: EthDev): void {
  const primary = d.macAddrs[0];
  if (primary) d.ops.macAddrSet?.(d, primary);
  const flags = d.data.flags;
  if ((flags & PF_PROMISC) !== 0) d.ops.promiscuousEnable?.(d);
  else d.ops.promiscuousDisable?.(d);
  if ((flags & PF_ALLMULTI) !== 0) d.ops.allmulticastEnable?.(d);
  else d.ops.allmulticastDisable?.(d);
}

/**
 * Starts `port`: every configured queue must be set up, and starts with it unless it was
 * set up with `deferredStart` (then `rxQueueStart`/`txQueueStart` start it). Starting a
 * started port does nothing. Without `intrConf.lsc`, the link is refreshed once without waiting. From the
 * next burst on, every lcore's queue views see the port started.
 * @throws NicError `NIC_EINVAL` when the port is not configured or a queue is not set up
 *   (named); whatever the driver's start throws.
 */
export function start(port: number): void {
  const d = dev(port);
  if (d.state === PortState.UNCONFIGURED) throw new NicError('NIC_EINVAL', `start: port ${port} is not configured`);
  if (d.state === PortState.STARTED) {
    log.info(`port ${port} already started`);
    return;
  }
  const missing = missingQueue(d);
  if (missing !== undefined) throw new NicError('NIC_EINVAL', `start: port ${port}: ${missing} is not set up`);
  d.ops.start(d);
  setQueuesStarted(d, (q) => d.rxQueues[q]?.conf.deferredStart !== true, (q) => d.txQueues[q]?.conf.deferredStart !== true);
  d.data.state = PortState.STARTED;
  try {
    restoreConfig(d);
  } catch (e) {
    stop(port);
    throw e;
  }
  const update = d.ops.linkUpdate?.bind(d.ops);
  if (!d.conf.intrConf.lsc && update) refreshLink(d, update);
  d.data.bumpGen();
}

function setQueuesStarted(d: EthDev, rx: (q: number) => boolean, tx: (q: number) => boolean): void {
  for (let q = 0; q < d.data.nbRxQueues; q++) d.data.setRxQueueStarted(q, rx(q));
  for (let q = 0; q < d.data.nbTxQueues; q++) d.data.setTxQueueStarted(q, tx(q));
}

/**
 * Stops `port`: queue views everywhere see it stopped (bursts return 0) before the driver
 * stops, and the mbufs the driver held go back to their pools. Stopping a port that is not
 * started does nothing.
 * @throws whatever the driver's stop throws; the port then stays started.
 */
export function stop(port: number): void {
  const d = dev(port);
  if (d.state !== PortState.STARTED) {
    log.info(`port ${port} already stopped`);
    return;
  }
  const data = d.data;
  const rxStarted = Array.from({ length: data.nbRxQueues }, (_, q) => data.rxQueueStarted(q));
  const txStarted = Array.from({ length: data.nbTxQueues }, (_, q) => data.txQueueStarted(q));
  setQueuesStarted(d, () => false, () => false);
  data.state = PortState.STOPPED;
  data.bumpGen();
  try {
    d.ops.stop(d);
  } catch (e) {
    setQueuesStarted(d, (q) => rxStarted[q], (q) => txStarted[q]);
    data.state = PortState.STARTED;
    data.bumpGen();
    throw e;
  }
}

/**
 * Closes `port`: the driver frees what it holds (every mbuf back to its pool), the queues
 * are released and so is the port id, which a later port may reuse.
 * @throws NicError `NIC_EINVAL` when the port is started (as DPDK: stop it first).
 */
export function close(port: number): void {
  const d = dev(port);
  if (d.state === PortState.STARTED) throw new NicError('NIC_EINVAL', `close: port ${port} is started (stop it first)`);
  try {
    d.ops.close?.(d);
    releaseQueues(d);
  } finally {
    releasePort(d);
  }
}

/**
 * Resets `port` (`rte_eth_dev_reset`, e.g. after an `INTR_RESET` event): stops it, lets the
 * driver reset the device, and leaves the port unconfigured with no queues.
 * @throws NicError `NIC_ENOTSUP` when the driver cannot reset.
 */
export function reset(port: number): void {
  const d = dev(port);
  if (!d.ops.reset) throw new NicError('NIC_ENOTSUP', `reset: driver ${d.driverName} cannot reset port ${port}`);
  stop(port);
  d.ops.reset(d);
  resizeQueues(d, 0, 0);
  d.conf = DEFAULT_CONF;
  d.data.state = PortState.UNCONFIGURED;
  d.data.bumpGen();
}
