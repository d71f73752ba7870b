/** The data-path half of net_tap: each thread builds its queue views from the port's private data. */
import type { EthdevDriver } from '@nic/ethdev/driver';
import { TapRxQueue } from './rx.js';
import { TapTxQueue } from './tx.js';

/** The driver name. */
export const NET_TAP = 'net_tap';

/** The data-path half of net_tap, registered in every thread that imports @nic/pmd-tap. */
export const netTapEthdev: EthdevDriver = {
  name: NET_TAP,
  rxQueue: (data, queue) => new TapRxQueue(data, queue),
  txQueue: (data, queue) => new TapTxQueue(data, queue),
};
