/** The statistics registers net_e1000_igb reads (each clears when read; see @nic/intel-common). */
import type { CounterDef } from '@nic/intel-common';
import * as R from './regs.js';

/**
 * The counters read, in extended-statistics order (DPDK's igb xstats names). The good
 * packet and octet counters are left out: ethdev's own `rx_good_packets` and friends count
 * the same packets from the queues.
 */
export const COUNTERS: readonly CounterDef[] = [
  { name: 'rx_crc_errors', reg: R.CRCERRS },
  { name: 'rx_align_errors', reg: R.ALGNERRC },
  { name: 'rx_symbol_errors', reg: R.SYMERRS },
  { name: 'rx_data_errors', reg: R.RXERRC },
  { name: 'rx_missed_packets', reg: R.MPC },
  { name: 'tx_single_collision_packets', reg: R.SCC },
  { name: 'tx_excessive_collision_packets', reg: R.ECOL },
  { name: 'tx_multiple_collision_packets', reg: R.MCC },
  { name: 'tx_late_collisions', reg: R.LATECOL },
  { name: 'tx_total_collisions', reg: R.COLC },
  { name: 'tx_deferred_packets', reg: R.DC },
  { name: 'rx_sequence_errors', reg: R.SEC },
  { name: 'rx_length_errors', reg: R.RLEC },
  { name: 'rx_broadcast_packets', reg: R.BPRC },
  { name: 'rx_multicast_packets', reg: R.MPRC },
  { name: 'rx_no_buffer_count', reg: R.RNBC },
  { name: 'rx_undersize_errors', reg: R.RUC },
  { name: 'rx_fragment_errors', reg: R.RFC },
  { name: 'rx_oversize_errors', reg: R.ROC },
  { name: 'rx_jabber_errors', reg: R.RJC },
  { name: 'rx_total_bytes', reg: R.TORL, high: R.TORH },
  { name: 'tx_total_bytes', reg: R.TOTL, high: R.TOTH },
  { name: 'rx_total_packets', reg: R.TPR },
  { name: 'tx_total_packets', reg: R.TPT },
  { name: 'tx_multicast_packets', reg: R.MPTC },
  { name: 'tx_broadcast_packets', reg: R.BPTC },
];
