/**
 * Rx queue interrupts (`rte_eth_dev_rx_intr_enable`/`_disable`,
 * `rte_eth_dev_rx_intr_ctl_q_get_fd`), for an lcore that sleeps when its queues are idle
 * (see `runNapiLoop` of @nic/intr). Like bursts they work on any thread of the instance:
 * each thread gets the interrupt objects of its own queue views.
 */
import { NicError } from '@nic/eal';
import type { RxQueueIntr } from '@nic/intr';
import { ethdevDriver } from './registry.js';
import { PF_INTR_RXQ } from './shared.js';
import { currentView } from './view.js';

/**
 * This thread's interrupt of rx queue `queue` of the started `port`, configured with
 * `intrConf.rxq`: its fd becomes readable when a packet arrives while it is enabled.
 * @throws NicError `NIC_ENOTSUP` when the driver has no rx interrupts; `NIC_EINVAL` when the
 *   port is not started, not configured for them, or has no such queue.
 */
export function rxQueueIntr(port: number, queue: number): RxQueueIntr {
  const view = currentView(port);
  const { data } = view;
  if (!ethdevDriver(data.driverName).rxQueueIntr) throw new NicError('NIC_ENOTSUP', `rx interrupts: driver ${data.driverName} has none (port ${port})`);
  if ((data.flags & PF_INTR_RXQ) === 0) throw new NicError('NIC_EINVAL', `rx interrupts: port ${port} is not configured with intrConf.rxq`);
  if (!view.started) throw new NicError('NIC_EINVAL', `rx interrupts: port ${port} is not started`);
  const intr = view.rxIntrs[queue];
  if (!intr) throw new NicError('NIC_EINVAL', `rx interrupts: port ${port} has no rx queue ${String(queue)}`);
  return intr;
}

/** Arms the interrupt of rx queue `queue` of `port`. @throws NicError as {@link rxQueueIntr}. */
export function rxIntrEnable(port: number, queue: number): void {
  rxQueueIntr(port, queue).enable();
}

/** Disarms the interrupt of rx queue `queue` of `port`. @throws NicError as {@link rxQueueIntr}. */
export function rxIntrDisable(port: number, queue: number): void {
  rxQueueIntr(port, queue).disable();
}

/** The fd that signals rx queue `queue` of `port`. @throws NicError as {@link rxQueueIntr}. */
export function rxIntrFd(port: number, queue: number): number {
  return rxQueueIntr(port, queue).fd;
}
