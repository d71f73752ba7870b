/**
 * The data-path half of net_ixgbe: each thread builds its queue views from the port's
 * private data and its own view of BAR0, with the rings of `@nic/intel-common`.
 */
import { AdvRxQueue, AdvTxQueue, barRegisters, RQ_INTR_FD, RQ_VECTOR, VectorRxIntr } from '@nic/intel-common/driver';
import type { EthdevDriver } from '@nic/ethdev/driver';
import { vectorArming } from './base/msix.js';
import { IXGBE_LAYOUT } from './layout.js';

/** The driver name (DPDK's). */
export const NET_IXGBE = 'net_ixgbe';

/** The data-path half of net_ixgbe, registered in every thread that imports @nic/pmd-ixgbe. */
export const netIxgbeEthdev: EthdevDriver = {
  name: NET_IXGBE,
  rxQueue: (data, queue) => new AdvRxQueue(data, queue, IXGBE_LAYOUT.rxRecord(data.privOffset, queue), barRegisters(data)),
  txQueue: (data, queue) => new AdvTxQueue(data, IXGBE_LAYOUT.txRecord(data.privOffset, queue), barRegisters(data), queue),
  rxQueueIntr: (data, queue) => {
    const record = IXGBE_LAYOUT.rxRecord(data.privOffset, queue);
    const u32 = data.arena.u32;
    const { set, clear, bit } = vectorArming(u32[(record + RQ_VECTOR) >>> 2]);
    return new VectorRxIntr(barRegisters(data), u32[(record + RQ_INTR_FD) >>> 2] | 0, set, clear, bit);
  },
};
