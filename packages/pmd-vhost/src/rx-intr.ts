/**
 * Rx interrupts of net_vhost (DPDK's `eth_rxq_intr_enable`/`_disable` on the vring's kick
 * eventfd): rx queue `q` sleeps on the kicks of vring `2q + 1`. Arming asks the frontend to
 * kick (USED_F_NO_NOTIFY cleared; with EVENT_IDX the avail event set to the next entry);
 * disarming asks it to stop again (with EVENT_IDX the avail event is left behind, so the
 * frontend kicks once more at most) and clears what woke the sleeper. The fd is the vring's
 * kick interrupt (`@nic/vhost`'s `KickInterrupt`), which stays the same while frontends come
 * and go; a waiter reads nothing from it (`counterSize` 0).
 */
import type { PortData } from '@nic/ethdev/driver';
import type { RxQueueIntr } from '@nic/intr';
import { KickWaiter, Virtqueue } from '@nic/vhost';
import { kickInterruptLocation, portState } from './port.js';

export class VhostRxIntr implements RxQueueIntr {
  readonly counterSize = 0;
  readonly #vq: Virtqueue;
  readonly #waiter: KickWaiter;

  /** Rx queue `queue`'s interrupt (on vring `vring`) as the calling thread sees it. */
  constructor(data: PortData, queue: number, vring: number) {
    const state = portState(data, vring);
    this.#vq = Virtqueue.attach(state, vring);
    this.#waiter = new KickWaiter(kickInterruptLocation(data, queue), state, vring);
  }

  get fd(): number {
    return this.#waiter.fd;
  }

  /** Asks the frontend to kick; a ring that is not set up yet wakes the sleeper when it is. */
  enable(): void {
    this.#vq.guestNotification(true);
  }

  disable(): void {
    this.#vq.guestNotification(false);
    this.#waiter.clear();
  }
}
