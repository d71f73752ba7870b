/**
 * Port statistics as nic-fwd shows them: live, every N seconds (testpmd's `show port stats`
 * block with the throughput since the last one), and at the end (testpmd's "Forward
 * statistics for port N" and "Accumulated forward statistics for all ports" blocks). Counts
 * are the differences from a snapshot taken when forwarding started. The `*Json` forms are
 * one JSON object per line, for scripts.
 */
import { portName, statsGet, type EthStats } from '@nic/ethdev';
import { formatSpread } from './bursts.js';

/** One port's counts since forwarding started. */
export interface PortCounts {
  readonly port: number;
  readonly name: string;
  readonly rxPackets: number;
  readonly rxBytes: number;
  /** Packets the port dropped for want of room (`imissed`): testpmd's RX-dropped. */
  readonly rxMissed: number;
  readonly rxErrors: number;
  readonly rxNombuf: number;
  readonly txPackets: number;
  readonly txBytes: number;
  /** Packets the driver failed to send (`oerrors`). */
  readonly txErrors: number;
  /** Packets forwarded to this port that its tx queues refused, freed (testpmd's `fwd_dropped`). */
  readonly fwdDropped: number;
  /** With `--record-burst-stats`, in the final counts: entry n is the rx bursts of n packets on this port. */
  readonly rxBursts?: readonly number[];
  /** As {@link PortCounts.rxBursts}, for the tx bursts (packets the tx queues took). */
  readonly txBursts?: readonly number[];
}

/** One port's throughput over the last period. */
export interface PortRates {
  readonly rxPps: number;
  readonly txPps: number;
  /** Received bits per second (frame bytes times 8). */
  readonly rxBps: number;
  readonly txBps: number;
}

/** What the live display shows for one port. */
export type LivePort = PortCounts & PortRates;

/** testpmd's RX-dropped of a port. */
export function rxDropped(c: PortCounts): number {
  return c.rxMissed;
}

/** testpmd's TX-dropped of a port: driver errors plus packets the tx queues refused. */
export function txDropped(c: PortCounts): number {
  return c.txErrors + c.fwdDropped;
}

const NS_PER_S = 1e9;
const BITS_PER_BYTE = 8;

/** Samples the statistics of a set of ports against a baseline taken at construction. */
export class StatsMonitor {
  readonly #ports: readonly number[];
  readonly #fwdDropped: (port: number) => number;
  readonly #base: EthStats[];
  #last: PortCounts[];
  #lastTime: bigint;

  /**
   * @param fwdDropped the packets the forwarding streams transmitting on a port dropped so far
   */
  constructor(ports: readonly number[], fwdDropped: (port: number) => number) {
    this.#ports = ports;
    this.#fwdDropped = fwdDropped;
    this.#base = ports.map((p) => statsGet(p));
    this.#last = this.counts();
    this.#lastTime = process.hrtime.bigint();
  }

  /** Each port's counts since the baseline. */
  counts(): PortCounts[] {
    return this.#ports.map((port, i) => {
      const now = statsGet(port);
      const base = this.#base[i];
      return {
        port,
        name: portName(port),
        rxPackets: now.ipackets - base.ipackets,
        rxBytes: now.ibytes - base.ibytes,
        rxMissed: now.imissed - base.imissed,
        rxErrors: now.ierrors - base.ierrors,
        rxNombuf: now.rxNombuf - base.rxNombuf,
        txPackets: now.opackets - base.opackets,
        txBytes: now.obytes - base.obytes,
        txErrors: now.oerrors - base.oerrors,
        fwdDropped: this.#fwdDropped(port),
      };
    });
  }

  /** Each port's counts and its throughput since the previous sample. */
  sample(): LivePort[] {
    const time = process.hrtime.bigint();
    const seconds = Number(time - this.#lastTime) / NS_PER_S;
    const counts = this.counts();
    const rate = (now: number, before: number): number => (seconds > 0 ? Math.round((now - before) / seconds) : 0);
    const live = counts.map((c, i) => {
      const last = this.#last[i];
      return {
        ...c,
        rxPps: rate(c.rxPackets, last.rxPackets),
        txPps: rate(c.txPackets, last.txPackets),
        rxBps: rate(c.rxBytes * BITS_PER_BYTE, last.rxBytes * BITS_PER_BYTE),
        txBps: rate(c.txBytes * BITS_PER_BYTE, last.txBytes * BITS_PER_BYTE),
      };
    });
    this.#last = counts;
    this.#lastTime = time;
    return live;
  }
}

/** A count left-aligned in `width` columns, as testpmd's `%-14"PRIu64"`. */
function col(value: number, width: number): string {
  return String(value).padEnd(width);
}

const LIVE_BORDER = '########################';
const LIVE_FOOTER = '#'.repeat(76);
const COUNT_WIDTH = 10;
const RATE_WIDTH = 12;

/** The live block of one port (testpmd's `show port stats`), with forward drops. */
export function formatLivePort(p: LivePort): string {
  return [
    `  ${LIVE_BORDER} NIC statistics for port ${col(p.port, 2)} ${LIVE_BORDER}`,
    `  RX-packets: ${col(p.rxPackets, COUNT_WIDTH)} RX-missed: ${col(p.rxMissed, COUNT_WIDTH)} RX-bytes:  ${p.rxBytes}`,
    `  RX-errors: ${p.rxErrors}`,
    `  RX-nombuf:  ${p.rxNombuf}`,
    `  TX-packets: ${col(p.txPackets, COUNT_WIDTH)} TX-errors: ${col(p.txErrors, COUNT_WIDTH)} TX-bytes:  ${p.txBytes}`,
    `  Fwd-dropped: ${p.fwdDropped}`,
    '',
    '  Throughput (since last show)',
    `  Rx-pps: ${String(p.rxPps).padStart(RATE_WIDTH)}          Rx-bps: ${String(p.rxBps).padStart(RATE_WIDTH)}`,
    `  Tx-pps: ${String(p.txPps).padStart(RATE_WIDTH)}          Tx-bps: ${String(p.txBps).padStart(RATE_WIDTH)}`,
    `  ${LIVE_FOOTER}`,
  ].join('\n');
}

/** The live display: every port's block, titled with the time forwarding has run. */
export function formatLive(ports: readonly LivePort[], elapsedSeconds: number): string {
  return `\nPort statistics after ${elapsedSeconds.toFixed(1)} s\n${ports.map(formatLivePort).join('\n')}\n`;
}

const FWD_BORDER = '----------------------';
const ACC_BORDER = '+++++++++++++++';
const TOTAL_WIDTH = 14;

function packetLines(rxPackets: number, rxDrop: number, txPackets: number, txDrop: number): string[] {
  return [
    `  RX-packets: ${col(rxPackets, TOTAL_WIDTH)} RX-dropped: ${col(rxDrop, TOTAL_WIDTH)}RX-total: ${rxPackets + rxDrop}`,
    `  TX-packets: ${col(txPackets, TOTAL_WIDTH)} TX-dropped: ${col(txDrop, TOTAL_WIDTH)}TX-total: ${txPackets + txDrop}`,
  ];
}

/** testpmd's "Forward statistics for port N" block. */
export function formatPortTotals(c: PortCounts): string {
  const lines = [`  ${FWD_BORDER} Forward statistics for port ${col(c.port, 2)} ${FWD_BORDER}`];
  const [rx, tx] = packetLines(c.rxPackets, rxDropped(c), c.txPackets, txDropped(c));
  lines.push(rx);
  if (c.rxErrors + c.rxNombuf > 0) lines.push(`  RX-error: ${c.rxErrors}`, `  RX-nombufs: ${col(c.rxNombuf, TOTAL_WIDTH)}`);
  const rxBursts = c.rxBursts && formatSpread(c.rxBursts);
  if (rxBursts !== undefined) lines.push(`  RX-bursts : ${rxBursts}`);
  lines.push(tx);
  const txBursts = c.txBursts && formatSpread(c.txBursts);
  if (txBursts !== undefined) lines.push(`  TX-bursts : ${txBursts}`);
  lines.push(`  ${FWD_BORDER}--------------------------------${FWD_BORDER}`);
  return lines.join('\n');
}

/** Sums of the counts of every port. */
export function accumulate(ports: readonly PortCounts[]): { rxPackets: number; rxDropped: number; txPackets: number; txDropped: number; rxNombuf: number } {
  const sum = (f: (c: PortCounts) => number): number => ports.reduce((acc, c) => acc + f(c), 0);
  return {
    rxPackets: sum((c) => c.rxPackets),
    rxDropped: sum(rxDropped),
    txPackets: sum((c) => c.txPackets),
    txDropped: sum(txDropped),
    rxNombuf: sum((c) => c.rxNombuf),
  };
}

/** Every port's forward statistics block, then the accumulated block (testpmd's `fwd_stats_display`). */
export function formatFinal(ports: readonly PortCounts[]): string {
  const total = accumulate(ports);
  const lines = ports.map((c) => `\n${formatPortTotals(c)}`);
  lines.push(`\n  ${ACC_BORDER} Accumulated forward statistics for all ports${ACC_BORDER}`);
  lines.push(...packetLines(total.rxPackets, total.rxDropped, total.txPackets, total.txDropped));
  if (total.rxNombuf > 0) lines.push(`  RX-nombufs: ${col(total.rxNombuf, TOTAL_WIDTH)}`);
  lines.push(`  ${ACC_BORDER}++++++++++++++++++++++++++++++++++++++++++++++${ACC_BORDER}`);
  return `${lines.join('\n')}\n`;
}
