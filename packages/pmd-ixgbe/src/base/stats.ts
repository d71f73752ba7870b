/**
 * The statistics registers net_ixgbe reads, by DPDK's extended-statistics names (each
 * clears when read; @nic/intel-common accumulates them). Good packet and octet counters are
 * left out: ethdev's own `rx_good_packets` and friends count the same packets per queue.
 */
import type { CounterDef, IntelHw } from '@nic/intel-common';
import * as R from './regs.js';

const perBuffer = (name: string, reg: (i: number) => number): CounterDef[] =>
  Array.from({ length: R.PACKET_BUFFERS }, (_, i) => ({ name: `rx_priority${i}_${name}`, reg: reg(i) }));

/** The counters read, in extended-statistics order. */
export const COUNTERS: readonly CounterDef[] = [
  { name: 'rx_crc_errors', reg: R.CRCERRS },
  { name: 'rx_illegal_byte_errors', reg: R.ILLERRC },
  { name: 'rx_error_bytes', reg: R.ERRBC },
  { name: 'mac_local_errors', reg: R.MLFC },
  { name: 'mac_remote_errors', reg: R.MRFC },
  { name: 'rx_length_errors', reg: R.RLEC },
  { name: 'tx_xon_packets', reg: R.LXONTXC },
  { name: 'rx_xon_packets', reg: R.LXONRXCNT },
  { name: 'tx_xoff_packets', reg: R.LXOFFTXC },
  { name: 'rx_xoff_packets', reg: R.LXOFFRXCNT },
  { name: 'rx_size_64_packets', reg: R.PRC64 },
  { name: 'rx_size_65_to_127_packets', reg: R.PRC127 },
  { name: 'rx_size_128_to_255_packets', reg: R.PRC255 },
  { name: 'rx_size_256_to_511_packets', reg: R.PRC511 },
  { name: 'rx_size_512_to_1023_packets', reg: R.PRC1023 },
  { name: 'rx_size_1024_to_max_packets', reg: R.PRC1522 },
  { name: 'rx_broadcast_packets', reg: R.BPRC },
  { name: 'rx_multicast_packets', reg: R.MPRC },
  { name: 'rx_fragment_errors', reg: R.RFC },
  { name: 'rx_undersize_errors', reg: R.RUC },
  { name: 'rx_oversize_errors', reg: R.ROC },
  { name: 'rx_jabber_errors', reg: R.RJC },
  { name: 'rx_management_packets', reg: R.MNGPRC },
  { name: 'rx_management_dropped', reg: R.MNGPDC },
  { name: 'tx_management_packets', reg: R.MNGPTC },
  { name: 'rx_total_packets', reg: R.TPR },
  { name: 'rx_total_bytes', reg: R.TORL, high: R.TORH },
  { name: 'tx_total_packets', reg: R.TPT },
  { name: 'tx_size_64_packets', reg: R.PTC64 },
  { name: 'tx_size_65_to_127_packets', reg: R.PTC127 },
  { name: 'tx_size_128_to_255_packets', reg: R.PTC255 },
  { name: 'tx_size_256_to_511_packets', reg: R.PTC511 },
  { name: 'tx_size_512_to_1023_packets', reg: R.PTC1023 },
  { name: 'tx_size_1024_to_max_packets', reg: R.PTC1522 },
  { name: 'tx_multicast_packets', reg: R.MPTC },
  { name: 'tx_broadcast_packets', reg: R.BPTC },
  { name: 'rx_mac_short_packet_dropped', reg: R.MSPDC },
  { name: 'rx_l3_l4_xsum_error', reg: R.XEC },
  ...perBuffer('mbuf_allocation_errors', R.RNBC),
  ...perBuffer('dropped', R.MPC),
];

/** Counters that add up to `ierrors` (DPDK's sum, less the FCoE ones). */
export const IERRORS = ['rx_crc_errors', 'rx_mac_short_packet_dropped', 'rx_length_errors', 'rx_undersize_errors', 'rx_oversize_errors', 'rx_illegal_byte_errors', 'rx_error_bytes', 'rx_fragment_errors'] as const;
/** Counters that add up to `imissed`: frames dropped for want of room in a packet buffer. */
export const IMISSED = Array.from({ length: R.PACKET_BUFFERS }, (_, i) => `rx_priority${i}_dropped`);

/** The counters of one statistics index, in this order (`QUEUE_COUNTERS` repeats them per index). */
export const Q_PACKETS_RX = 0;
export const Q_BYTES_RX = 1;
export const Q_DROPPED_RX = 2;
export const Q_PACKETS_TX = 3;
export const Q_BYTES_TX = 4;
/** Counters per statistics index. */
export const QUEUE_COUNTERS_PER_INDEX = 5;

/**
 * The per-queue counters of the 16 statistics indices (DPDK's `qprc`, `qbrc`, `qprdc`,
 * `qptc`, `qbtc`), index `i`'s at `i * QUEUE_COUNTERS_PER_INDEX`. Not extended statistics of
 * their own: they stand for ethdev's `rx_q<N>_*` and `tx_q<N>_*` (see `IxgbeOps.statsGet`).
 */
export const QUEUE_COUNTERS: readonly CounterDef[] = Array.from({ length: R.QUEUE_STAT_COUNTERS }, (_, i) => [
  { name: `qprc${i}`, reg: R.QPRC(i) },
  { name: `qbrc${i}`, reg: R.QBRC_L(i), high: R.QBRC_H(i) },
  { name: `qprdc${i}`, reg: R.QPRDC(i) },
  { name: `qptc${i}`, reg: R.QPTC(i) },
  { name: `qbtc${i}`, reg: R.QBTC_L(i), high: R.QBTC_H(i) },
]).flat();

/** Queues per RQSMR/TQSM register, a byte each. */
const QUEUES_PER_MAP = 4;
const MAP_ENTRY_BITS = 8;

/** The statistics index queue `queue` counts in: its own below 16, shared above (queue mod 16). */
export function queueStatIndex(queue: number): number {
  return queue % R.QUEUE_STAT_COUNTERS;
}

/** Writes RQSMR and TQSM for `maxQueues` queues each way: each queue to {@link queueStatIndex}. */
export function queueStatsMap(hw: IntelHw, maxQueues: number): void {
  for (let reg = 0; reg < maxQueues / QUEUES_PER_MAP; reg++) {
    let map = 0;
    for (let k = 0; k < QUEUES_PER_MAP; k++) map |= queueStatIndex(reg * QUEUES_PER_MAP + k) << (MAP_ENTRY_BITS * k);
    hw.write(R.RQSMR(reg), map >>> 0);
    hw.write(R.TQSM(reg), map >>> 0);
  }
}
