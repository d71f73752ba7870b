/**
 * The data-path half of net_e1000_igb: each thread builds its queue views from the port's
 * private data and its own view of BAR0, with the rings of `@nic/intel-common`.
 */
import { AdvRxQueue, AdvTxQueue, barRegisters, RQ_INTR_FD, RQ_VECTOR, VectorRxIntr } from '@nic/intel-common/driver';
import type { EthdevDriver } from '@nic/ethdev/driver';
import { vectorBit } from './base/msix.js';
import { EIMC, EIMS } from './base/regs.js';
import { rxRecord, txRecord } from './layout.js';

/** The driver name (DPDK's). */
export const NET_E1000_IGB = 'net_e1000_igb';

/** The data-path half of net_e1000_igb, registered in every thread that imports @nic/pmd-igb. */
export const netE1000IgbEthdev: EthdevDriver = {
  name: NET_E1000_IGB,
  rxQueue: (data, queue) => new AdvRxQueue(data, queue, rxRecord(data.privOffset, queue), barRegisters(data)),
  txQueue: (data, queue) => new AdvTxQueue(data, txRecord(data.privOffset, queue), barRegisters(data), queue),
  rxQueueIntr: (data, queue) => {
    const record = rxRecord(data.privOffset, queue);
    const u32 = data.arena.u32;
    const vector = u32[(record + RQ_VECTOR) >>> 2];
    return new VectorRxIntr(barRegisters(data), u32[(record + RQ_INTR_FD) >>> 2] | 0, EIMS, EIMC, vectorBit(vector));
  },
};
