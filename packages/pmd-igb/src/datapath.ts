/**
 * The data-path half of net_e1000_igb: each thread builds its queue views from the port's
 * private data and its own view of BAR0.
 */
import type { EthdevDriver } from '@nic/ethdev/driver';
import { barRegisters } from './bar.js';
import { IgbRxIntr } from './interrupts.js';
import { RQ_INTR_FD, RQ_VECTOR, rxRecord, txRecord } from './layout.js';
import { IgbRxQueue } from './rx.js';
import { IgbTxQueue } from './tx.js';

/** The driver name (DPDK's). */
export const NET_E1000_IGB = 'net_e1000_igb';

/** The data-path half of net_e1000_igb, registered in every thread that imports @nic/pmd-igb. */
export const netE1000IgbEthdev: EthdevDriver = {
  name: NET_E1000_IGB,
  rxQueue: (data, queue) => new IgbRxQueue(data, queue, rxRecord(data.privOffset, queue), barRegisters(data)),
  txQueue: (data, queue) => new IgbTxQueue(data, txRecord(data.privOffset, queue), barRegisters(data), queue),
  rxQueueIntr: (data, queue) => {
    const record = rxRecord(data.privOffset, queue);
    const u32 = data.arena.u32;
    return new IgbRxIntr(barRegisters(data), u32[(record + RQ_VECTOR) >>> 2], u32[(record + RQ_INTR_FD) >>> 2] | 0);
  },
};
