/**
 * The statistics registers. Every one clears when read, so software accumulates them; the
 * 64-bit octet counters are read low dword first (reading the high dword clears both).
 */
import type { IntelHw } from '@nic/intel-common';
import * as R from './regs.js';

/** One counter: its extended-statistics name, its register, and its high dword for 64-bit pairs. */
export interface CounterDef {
  readonly name: string;
  readonly reg: number;
  readonly high?: number;
}

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

const TWO_32 = 2 ** 32;

/** Index of counter `name` in {@link COUNTERS}. */
export function counterIndex(name: string): number {
  const i = COUNTERS.findIndex((c) => c.name === name);
  if (i < 0) throw new Error(`no igb counter ${name}`);
  return i;
}

/** Adds every counter's value since the last read to `totals` (one slot per {@link COUNTERS} entry). */
export function accumulateCounters(hw: IntelHw, totals: Float64Array): void {
  for (let i = 0; i < COUNTERS.length; i++) {
    const c = COUNTERS[i];
    const lo = hw.read(c.reg);
    const hi = c.high === undefined ? 0 : hw.read(c.high);
    totals[i] += hi * TWO_32 + lo;
  }
}
