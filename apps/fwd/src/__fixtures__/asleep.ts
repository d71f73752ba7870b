/** Waiting for an lcore of nic-fwd (run with `--stats-json`) to sleep on its rx interrupts. */
import type { JsonChild, JsonLine } from '../child.js';

/** Stats lines to wait through for two equal ones before giving up. */
const ASLEEP_LINES = 20;
/** How long one stats line may take (the period is a second). */
const LINE_MS = 20_000;

/** An lcore's NAPI counters in nic-fwd's stats and final lines. */
export interface Napi {
  readonly polls: number;
  readonly wakeups: number;
  readonly packets: number;
  readonly sleepMs: number;
}

/** Lcore `lcore`'s NAPI counters in a stats or final line. */
export function napiOf(l: JsonLine, lcore = 1): Napi | undefined {
  return (l.lcores as { readonly lcore: number; readonly napi?: Napi }[] | undefined)?.find((c) => c.lcore === lcore)?.napi;
}

/**
 * Waits until two stats lines in a row (a stats period apart), both printed after the call,
 * carry the same counters of lcore `lcore`: it neither polled nor woke meanwhile, so it is
 * asleep on its rx interrupts (its counters move only when it polls or wakes). Returns them.
 */
export async function asleep(child: JsonChild, lcore = 1): Promise<Napi> {
  const after = (index: number): Promise<JsonLine> => child.waitFor((l) => l.event === 'stats' && child.lines.indexOf(l) > index, LINE_MS, 'a stats line');
  let last = await after(child.lines.length - 1);
  for (let i = 0; i < ASLEEP_LINES; i++) {
    const next = await after(child.lines.indexOf(last));
    const [a, b] = [napiOf(last, lcore), napiOf(next, lcore)];
    if (a && b && a.polls === b.polls && a.wakeups === b.wakeups) return b;
    last = next;
  }
  throw new Error(`lcore ${lcore} did not sleep through a stats period in ${ASLEEP_LINES} periods`);
}
