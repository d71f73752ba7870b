/**
 * Port statistics (`rte_eth_stats_get`, `rte_eth_stats_reset`): the sums of the shared
 * queue counters every lcore updates, plus what the driver counts elsewhere.
 */
import { dev } from './port.js';
import { QB_BYTES, QB_ERRORS, QB_MISSED, QB_NOMBUF, QB_PACKETS, QB_STATE, read64, type PortData } from './shared.js';
import type { EthStats } from './types.js';

/** Reads one counter of the queue block at arena byte offset `block`. */
function counter(data: PortData, block: number, field: number): number {
  return read64(data.arena.u32, (block + field) >>> 2);
}

/**
 * The statistics of `port`: totals and one entry per configured queue. Reading while lcores
 * poll gives a snapshot each counter of which is exact at some instant.
 */
export function statsGet(port: number): EthStats {
  const d = dev(port);
  const data = d.data;
  const stats: EthStats = {
    ipackets: 0,
    opackets: 0,
    ibytes: 0,
    obytes: 0,
    imissed: 0,
    ierrors: 0,
    oerrors: 0,
    rxNombuf: 0,
    qIpackets: [],
    qOpackets: [],
    qIbytes: [],
    qObytes: [],
    qErrors: [],
  };
  for (let q = 0; q < data.nbRxQueues; q++) {
    const block = data.rxBlock(q);
    const packets = counter(data, block, QB_PACKETS);
    const bytes = counter(data, block, QB_BYTES);
    const errors = counter(data, block, QB_ERRORS);
    stats.qIpackets.push(packets);
    stats.qIbytes.push(bytes);
    stats.qErrors.push(errors);
    stats.ipackets += packets;
    stats.ibytes += bytes;
    stats.ierrors += errors;
    stats.rxNombuf += counter(data, block, QB_NOMBUF);
    stats.imissed += counter(data, block, QB_MISSED);
  }
  for (let q = 0; q < data.nbTxQueues; q++) {
    const block = data.txBlock(q);
    const packets = counter(data, block, QB_PACKETS);
    const bytes = counter(data, block, QB_BYTES);
    stats.qOpackets.push(packets);
    stats.qObytes.push(bytes);
    stats.opackets += packets;
    stats.obytes += bytes;
    stats.oerrors += counter(data, block, QB_ERRORS);
  }
  d.ops.statsGet?.(d, stats);
  return stats;
}

/** Zeroes the statistics of `port`: every queue counter and what the driver counts. */
export function statsReset(port: number): void {
  const d = dev(port);
  const data = d.data;
  const u32 = data.arena.u32;
  const zero = (block: number): void => {
    u32.fill(0, (block + QB_PACKETS) >>> 2, (block + QB_STATE) >>> 2);
  };
  for (let q = 0; q < data.nbRxQueues; q++) zero(data.rxBlock(q));
  for (let q = 0; q < data.nbTxQueues; q++) zero(data.txBlock(q));
  d.ops.statsReset?.(d);
}
