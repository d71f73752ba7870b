/**
 * Extended statistics (`rte_eth_xstats_get_names`, `rte_eth_xstats_get`,
 * `rte_eth_xstats_reset`): the basic statistics and per-queue counters under DPDK's names
 * (`rx_good_packets`, `rx_q0_packets` ...), then the driver's own.
 */
import { dev } from './port.js';
import { statsGet, statsReset } from './stats.js';
import type { EthStats } from './types.js';

type Total = 'ipackets' | 'opackets' | 'ibytes' | 'obytes' | 'imissed' | 'ierrors' | 'oerrors' | 'rxNombuf';
type PerQueue = 'qIpackets' | 'qOpackets' | 'qIbytes' | 'qObytes' | 'qErrors';

/** The basic statistics as xstats, in DPDK's order (`eth_dev_stats_strings`). */
const BASIC: readonly (readonly [string, Total])[] = [
  ['rx_good_packets', 'ipackets'],
  ['tx_good_packets', 'opackets'],
  ['rx_good_bytes', 'ibytes'],
  ['tx_good_bytes', 'obytes'],
  ['rx_missed_errors', 'imissed'],
  ['rx_errors', 'ierrors'],
  ['tx_errors', 'oerrors'],
  ['rx_mbuf_allocation_errors', 'rxNombuf'],
];
/** Per rx queue, named `rx_q<N>_<name>`. */
const RXQ: readonly (readonly [string, PerQueue])[] = [
  ['packets', 'qIpackets'],
  ['bytes', 'qIbytes'],
  ['errors', 'qErrors'],
];
/** Per tx queue, named `tx_q<N>_<name>`. */
const TXQ: readonly (readonly [string, PerQueue])[] = [
  ['packets', 'qOpackets'],
  ['bytes', 'qObytes'],
];

function generic(stats: EthStats, nbRx: number, nbTx: number): { names: string[]; values: number[] } {
  const names: string[] = [];
  const values: number[] = [];
  for (const [name, key] of BASIC) {
    names.push(name);
    values.push(stats[key]);
  }
  for (let q = 0; q < nbRx; q++) {
    for (const [name, key] of RXQ) {
      names.push(`rx_q${q}_${name}`);
      values.push(stats[key][q]);
    }
  }
  for (let q = 0; q < nbTx; q++) {
    for (const [name, key] of TXQ) {
      names.push(`tx_q${q}_${name}`);
      values.push(stats[key][q]);
    }
  }
  return { names, values };
}

/** The names of the extended statistics of `port`, in the order {@link xstatsGet} gives values. */
export function xstatsGetNames(port: number): string[] {
  const d = dev(port);
  const { names } = generic(statsGet(port), d.data.nbRxQueues, d.data.nbTxQueues);
  return [...names, ...(d.ops.xstatsGetNames?.(d) ?? [])];
}

/** The values of the extended statistics of `port`, in {@link xstatsGetNames} order. */
export function xstatsGet(port: number): number[] {
  const d = dev(port);
  const { values } = generic(statsGet(port), d.data.nbRxQueues, d.data.nbTxQueues);
  return [...values, ...(d.ops.xstatsGet?.(d) ?? [])];
}

/** Zeroes every extended statistic of `port` (the basic ones included). */
export function xstatsReset(port: number): void {
  const d = dev(port);
  statsReset(port);
  d.ops.xstatsReset?.(d);
}
