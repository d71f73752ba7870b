/**
 * The data-path half of net_tap: each thread builds its queue views from the port's private
 * data. An rx queue's interrupt is its queue fd, which the kernel keeps readable while frames
 * wait (DPDK's tap PMD hands its queue fds to the interrupt handle the same way).
 */
import type { EthdevDriver } from '@nic/ethdev/driver';
import { FdRxIntr } from '@nic/intr';
import { queueOffset, TQ_FD } from './layout.js';
import { TapRxQueue } from './rx.js';
import { TapTxQueue } from './tx.js';

/** The driver name. */
export const NET_TAP = 'net_tap';

/** The data-path half of net_tap, registered in every thread that imports @nic/pmd-tap. */
export const netTapEthdev: EthdevDriver = {
  name: NET_TAP,
  rxQueue: (data, queue) => new TapRxQueue(data, queue),
  txQueue: (data, queue) => new TapTxQueue(data, queue),
  rxQueueIntr: (data, queue) => new FdRxIntr(data.arena.u32[(queueOffset(data.privOffset, queue) + TQ_FD) >>> 2]),
};
