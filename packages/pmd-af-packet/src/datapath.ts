/**
 * The data-path half of net_af_packet: each thread builds its queue views from the port's
 * private data, attaching the queue pair's rings by address. An rx queue's interrupt is its
 * socket: the kernel makes it readable when it hands a block of frames to the ring, and it
 * stays readable until the queue has given every block back.
 */
import type { EthdevDriver } from '@nic/ethdev/driver';
import { FdRxIntr } from '@nic/intr';
import { QP_FD, qpairOffset } from './layout.js';
import { QpairRing } from './ring.js';
import { AfPacketRxQueue } from './rx.js';
import { AfPacketTxQueue } from './tx.js';

/** The driver name. */
export const NET_AF_PACKET = 'net_af_packet';

/** The data-path half of net_af_packet, registered in every thread that imports @nic/pmd-af-packet. */
export const netAfPacketEthdev: EthdevDriver = {
  name: NET_AF_PACKET,
  rxQueue: (data, queue) => new AfPacketRxQueue(data, queue, new QpairRing(data.arena, data.privOffset, queue)),
  txQueue: (data, queue) => new AfPacketTxQueue(data, queue, new QpairRing(data.arena, data.privOffset, queue)),
  rxQueueIntr: (data, queue) => new FdRxIntr(data.arena.u32[(qpairOffset(data.privOffset, queue) + QP_FD) >>> 2]),
};
