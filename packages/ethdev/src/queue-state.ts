/**
 * Starting and stopping one queue of a started port (`rte_eth_dev_rx_queue_start`,
 * `_rx_queue_stop`, `_tx_queue_start`, `_tx_queue_stop`), with DPDK's rules: the driver must
 * have the operation; a queue starts only on a started port; starting a started queue or
 * stopping a stopped one does nothing. A stopped queue's bursts return 0 on every lcore from
 * their next call, while the other queues go on; as with `stop`, the lcore polling the queue
 * must have stopped polling it before it is stopped.
 */
import { NicError } from '@nic/eal';
import { log } from './log.js';
import type { EthdevOps } from './ops.js';
import { dev, type EthDev } from './port.js';
import { PortState } from './shared.js';

type Dir = 'rx' | 'tx';

function queueOf(what: string, port: number, queue: number, dir: Dir): EthDev {
  const d = dev(port);
  const count = dir === 'rx' ? d.data.nbRxQueues : d.data.nbTxQueues;
  if (!(Number.isInteger(queue) && queue >= 0 && queue < count)) {
    throw new NicError('NIC_EINVAL', `${what}: port ${port} has no ${dir} queue ${String(queue)} (${count} configured)`);
  }
  return d;
}

function opOf(what: string, d: EthDev, op: keyof EthdevOps): (dev: EthDev, queue: number) => void {
  const fn = d.ops[op] as ((dev: EthDev, queue: number) => void) | undefined;
  if (!fn) throw new NicError('NIC_ENOTSUP', `${what}: driver ${d.driverName} of port ${d.port} cannot start or stop a queue on its own`);
  return fn.bind(d.ops);
}

function isStarted(d: EthDev, dir: Dir, queue: number): boolean {
  return dir === 'rx' ? d.data.rxQueueStarted(queue) : d.data.txQueueStarted(queue);
}

function setStarted(d: EthDev, dir: Dir, queue: number, started: boolean): void {
  if (dir === 'rx') d.data.setRxQueueStarted(queue, started);
  else d.data.setTxQueueStarted(queue, started);
  d.data.bumpGen();
}

function queueStart(what: string, port: number, queue: number, dir: Dir, op: 'rxQueueStart' | 'txQueueStart'): void {
  const d = queueOf(what, port, queue, dir);
  const start = opOf(what, d, op);
  if (d.state !== PortState.STARTED) throw new NicError('NIC_EINVAL', `${what}: port ${port} must be started before any of its queues`);
  if (isStarted(d, dir, queue)) {
    log.info(`port ${port} ${dir} queue ${queue} already started`);
    return;
  }
  start(d, queue);
  setStarted(d, dir, queue, true);
}

function queueStop(what: string, port: number, queue: number, dir: Dir, op: 'rxQueueStop' | 'txQueueStop'): void {
  const d = queueOf(what, port, queue, dir);
  const stop = opOf(what, d, op);
  if (!isStarted(d, dir, queue)) {
    log.info(`port ${port} ${dir} queue ${queue} already stopped`);
    return;
  }
  setStarted(d, dir, queue, false);
  try {
    stop(d, queue);
  } catch (e) {
    setStarted(d, dir, queue, true);
    throw e;
  }
}

/**
 * Starts rx queue `queue` of the started `port`: one set up with `deferredStart`, or one
 * {@link rxQueueStop} stopped. Its ring gets fresh mbufs.
 * @throws NicError `NIC_EINVAL` for a queue the port lacks or a port that is not started;
 *   `NIC_ENOTSUP` when the driver cannot start a queue on its own; whatever the driver throws
 *   (the queue then stays stopped).
 */
export function rxQueueStart(port: number, queue: number): void {
  queueStart('rxQueueStart', port, queue, 'rx', 'rxQueueStart');
}

/**
 * Stops rx queue `queue` of `port`: the device no longer fills it, its bursts return 0 and
 * the mbufs its ring held go back to their pool; the port's other queues go on.
 * @throws NicError as {@link rxQueueStart}, without the started-port rule; whatever the
 *   driver throws (the queue then stays started).
 */
export function rxQueueStop(port: number, queue: number): void {
  queueStop('rxQueueStop', port, queue, 'rx', 'rxQueueStop');
}

/**
 * Starts tx queue `queue` of the started `port`, empty.
 * @throws NicError as {@link rxQueueStart}.
 */
export function txQueueStart(port: number, queue: number): void {
  queueStart('txQueueStart', port, queue, 'tx', 'txQueueStart');
}

/**
 * Stops tx queue `queue` of `port` once what it holds went out: its bursts take nothing
 * and its mbufs go back to their pools.
 * @throws NicError as {@link rxQueueStop}.
 */
export function txQueueStop(port: number, queue: number): void {
  queueStop('txQueueStop', port, queue, 'tx', 'txQueueStop');
}

/** Whether rx queue `queue` of `port` is started (`rte_eth_rx_queue_info_get`'s `queue_state`). */
export function rxQueueState(port: number, queue: number): 'started' | 'stopped' {
  const d = queueOf('rxQueueState', port, queue, 'rx');
  return d.state === PortState.STARTED && d.data.rxQueueStarted(queue) ? 'started' : 'stopped';
}

/** Whether tx queue `queue` of `port` is started. */
export function txQueueState(port: number, queue: number): 'started' | 'stopped' {
  const d = queueOf('txQueueState', port, queue, 'tx');
  return d.state === PortState.STARTED && d.data.txQueueStarted(queue) ? 'started' : 'stopped';
}
