/**
 * What happens around a running forwarder, as testpmd does it without its prompt: live
 * statistics every period, a stop on SIGINT, SIGTERM, the end of `--duration` or an outside
 * condition, then the shutdown and the final statistics. Text goes to a terminal; with JSON,
 * one object per line.
 */
import type { NapiStats } from '@nic/intr';
import type { Forwarder, FinalReport } from './forwarder.js';
import { accumulate, formatFinal, formatLive, rxDropped, txDropped, type PortCounts } from './stats.js';

/** Where a session writes. */
export interface SessionOutput {
  write(text: string): unknown;
  /** Whether it is a terminal: the live display then redraws the screen. */
  readonly isTTY?: boolean;
}

/** How a session runs. */
export interface SessionOptions {
  /** Seconds between live statistics; 0: none. */
  readonly statsPeriod: number;
  /** JSON lines instead of text. */
  readonly statsJson: boolean;
  /** Seconds after which to stop; `undefined`: no limit. */
  readonly duration: number | undefined;
  /** Statistics (and, without JSON, the progress lines). */
  readonly out: SessionOutput;
  /** Progress lines when the statistics are JSON. */
  readonly log: (line: string) => void;
  /** Stop when this settles, too. */
  readonly until?: Promise<unknown>;
  /** Stop on SIGINT and SIGTERM (default true). */
  readonly signals?: boolean;
  /**
   * Called once the stop conditions are in place (the signal handlers among them): where a
   * program says it runs and that Ctrl-C stops it. Said earlier, a SIGINT that follows the
   * line at once can come before the handler and kill the process (seen in a TCG guest).
   */
  readonly ready?: () => void;
}

/** The reason a session stopped. */
export type StopReason = 'signal' | 'duration' | 'until' | 'lcore failure';

const CLEAR_SCREEN = '\x1b[2J\x1b[H';
const MS_PER_S = 1000;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** A port's counts with testpmd's drop totals, for JSON. */
function portJson(c: PortCounts): PortCounts & { rxDropped: number; txDropped: number } {
  return { ...c, rxDropped: rxDropped(c), txDropped: txDropped(c) };
}

/** The final report as one JSON line. */
export function finalJson(report: FinalReport, reason: StopReason): string {
  return JSON.stringify({ event: 'final', reason, ...report, ports: report.ports.map(portJson), total: accumulate(report.ports) });
}

/** The line that says whether every mbuf came back. */
export function mbufLine(report: FinalReport): string {
  const { pool, size, available } = report.mbufs;
  return available === size ? `mbufs: all ${size} back in pool ${pool}` : `mbufs: ${size - available} of ${size} missing from pool ${pool}`;
}

/**
 * With `--rx-interrupts` or `--pmd-mgmt`, a line per worker lcore: its share of the time
 * asleep and how often it woke from an interrupt or a pause (`pauseUs` given).
 */
export function sleepLines(lcores: readonly { readonly lcore: number; readonly napi?: NapiStats; readonly pauseUs?: number }[]): string[] {
  return lcores.flatMap(({ lcore, napi, pauseUs }) => {
    if (napi === undefined) return [];
    const total = napi.pollMs + napi.sleepMs;
    const asleep = total > 0 ? (100 * napi.sleepMs) / total : 0;
    const woken = pauseUs === undefined ? `woken ${napi.wakeups} times by rx interrupts` : `${napi.wakeups} pauses of ${pauseUs} µs`;
    return [`lcore ${lcore}: asleep ${asleep.toFixed(1)}% of ${(total / MS_PER_S).toFixed(1)} s, ${woken}`];
  });
}

/** Runs `fwd` until a stop condition, then shuts it down and prints the totals. */
export async function runSession(fwd: Forwarder, options: SessionOptions): Promise<FinalReport> {
  const { out, statsJson } = options;
  const say = (line: string): void => {
    if (statsJson) options.log(line);
    else out.write(`${line}\n`);
  };
  const timers: NodeJS.Timeout[] = [];
  const handlers: (() => void)[] = [];
  const reason = await new Promise<StopReason>((resolve) => {
    if (options.statsPeriod > 0) {
      timers.push(
        setInterval(() => {
          const ports = fwd.monitor.sample();
          const lcores = fwd.sleepStats();
          const sleeping = lcores.length > 0 ? { lcores } : {};
          if (statsJson) out.write(`${JSON.stringify({ event: 'stats', seconds: fwd.seconds(), ports: fwd.withBursts(ports).map(portJson), ...sleeping })}\n`);
          else out.write(`${out.isTTY ? CLEAR_SCREEN : ''}${formatLive(ports, fwd.seconds())}${sleepLines(lcores).map((l) => `  ${l}\n`).join('')}`);
        }, options.statsPeriod * MS_PER_S),
      );
    }
    if (options.duration !== undefined) timers.push(setTimeout(() => resolve('duration'), options.duration * MS_PER_S));
    if (options.signals ?? true) {
      const onSignal = (): void => resolve('signal');
      for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
      handlers.push(() => STOP_SIGNALS.forEach((signal) => process.off(signal, onSignal)));
    }
    options.until?.then(
      () => resolve('until'),
      () => resolve('until'),
    );
    options.ready?.();
    void fwd.failed.then((e) => {
      say(`lcore failure: ${e.message}`);
      resolve('lcore failure');
    });
  });
  for (const timer of timers) clearInterval(timer);
  say('Telling cores to stop...');
  say('Waiting for lcores to finish...');
  try {
    const report = await fwd.shutdown();
    if (statsJson) out.write(`${finalJson(report, reason)}\n`);
    else out.write(formatFinal(report.ports));
    for (const line of sleepLines(report.lcores)) say(line);
    say(mbufLine(report));
    say('Done.');
    return report;
  } finally {
    for (const remove of handlers) remove();
  }
}
