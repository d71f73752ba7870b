/**
 * The per-packet API: `rxBurst` and `txBurst` (`rte_eth_rx_burst`, `rte_eth_tx_burst`).
 * Callable from any thread of the EAL instance. The fast path reads the thread's cached view
 * of the port, compares its generation with the shared one and calls the driver's queue: no
 * allocation, no addon call. Anything else (first use, a changed port, bad arguments) takes
 * the slow path, which rebuilds the view or throws.
 *
 * The generation is read with a plain load, not `Atomics.load` (which costs several times
 * more per burst): a stale read only keeps the previous view for a few more bursts, and the
 * rebuild itself reads the shared data with atomics and checks the generation again. The
 * control thread and the polling lcores must still agree on when a port stops or changes,
 * as in DPDK (stop the lcores' polling first); a launch on an lcore (`postMessage`) orders
 * everything the control thread wrote before it.
 *
 * Unlike DPDK, which leaves it undefined, a burst on a port that is not started (stopped,
 * never started, or closed) or on a stopped queue of a started port returns 0; then the
 * packets of a tx burst stay the caller's to free.
 */
import { NicError } from '@nic/eal';
import { currentView, views } from './view.js';

function checkRange(what: string, handles: Uint32Array, n: number, offset: number): void {
  if (!(handles instanceof Uint32Array)) throw new TypeError(`${what}: handles must be a Uint32Array`);
  if (!((n >>> 0) === n && (offset >>> 0) === offset && offset + n <= handles.length)) {
    throw new NicError('NIC_EINVAL', `${what}: ${String(n)} handles at offset ${String(offset)} do not fit an array of ${handles.length}`);
  }
}

function noQueue(what: string, port: number, queue: number, count: number): NicError {
  return new NicError('NIC_EINVAL', `${what}: port ${port} has no queue ${String(queue)} (${count} configured)`);
}

/**
 * Receives up to `n` packets from rx queue `queue` of `port` into `handles[offset ..]` and
 * returns how many (0 when the port is not started). The mbufs received are the caller's.
 * @throws NicError `NIC_EINVAL` for a queue the port lacks or a range outside `handles`;
 *   `NIC_ENODEV` for a port that does not exist.
 */
export function rxBurst(port: number, queue: number, handles: Uint32Array, n: number, offset = 0): number {
  const view = views[port];
  if (view !== undefined && view.u32[view.genWord] === view.gen) {
    const rxq = view.rx[queue];
    if (rxq !== undefined && (n >>> 0) === n && (offset >>> 0) === offset && offset + n <= handles.length) return rxq.rxBurst(handles, n, offset);
    if (!view.started) return 0;
  }
  return rxBurstSlow(port, queue, handles, n, offset);
}

function rxBurstSlow(port: number, queue: number, handles: Uint32Array, n: number, offset: number): number {
  checkRange('rxBurst', handles, n, offset);
  const view = currentView(port);
  if (!view.started) return 0;
  const rxq = view.rx[queue];
  if (rxq === undefined) throw noQueue('rxBurst', port, queue, view.rx.length);
  return rxq.rxBurst(handles, n, offset);
}

/**
 * Hands up to `n` packets from `handles[offset ..]` to tx queue `queue` of `port` and
 * returns how many the driver took (0 when the port is not started); the caller still owns,
 * and must free or retry, the others.
 * @throws NicError as {@link rxBurst}.
 */
export function txBurst(port: number, queue: number, handles: Uint32Array, n: number, offset = 0): number {
  const view = views[port];
  if (view !== undefined && view.u32[view.genWord] === view.gen) {
    const txq = view.tx[queue];
    if (txq !== undefined && (n >>> 0) === n && (offset >>> 0) === offset && offset + n <= handles.length) return txq.txBurst(handles, n, offset);
    if (!view.started) return 0;
  }
  return txBurstSlow(port, queue, handles, n, offset);
}

function txBurstSlow(port: number, queue: number, handles: Uint32Array, n: number, offset: number): number {
  checkRange('txBurst', handles, n, offset);
  const view = currentView(port);
  if (!view.started) return 0;
  const txq = view.tx[queue];
  if (txq === undefined) throw noQueue('txBurst', port, queue, view.tx.length);
  return txq.txBurst(handles, n, offset);
}
