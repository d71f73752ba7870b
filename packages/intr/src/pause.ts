/**
 * The pause loop of a polling lcore (l3fwd-power's `--pmd-mgmt=pause`): poll with a budget;
 * once a run of empty polls reaches the threshold, every further empty poll is followed by a
 * timed sleep of the thread, until a poll finds packets again. No interrupt is armed, so it
 * works with any driver; a packet waits at most one pause.
 *
 * DPDK's pause mode waits with TPAUSE or a PAUSE-instruction loop, which keeps the core
 * busy. Here the thread blocks in the kernel (`Atomics.wait`, a futex with a timeout), so
 * the CPU goes to other threads: on a virtual machine the vCPU halts and the host gets it
 * back. The kernel's timer slack (50 µs by default) lengthens short pauses. A halted vCPU
 * wakes on its timer interrupt, and a virtual machine can lose that: in QEMU's TCG guests a
 * 100 µs pause took 0.4 ms as a rule and, in one boot under a flood, never ended. So whoever
 * runs pausing lcores also runs {@link startPauseWatchdog}, which bounds every pause.
 */
import { performance } from 'node:perf_hooks';
import { NAPI_DEFAULT_BUDGET, NapiState, type NapiControl, type NapiStats } from './napi.js';
import { positiveInteger } from './positive.js';

/** Empty polls in a row before the loop starts pausing, by default. */
export const PAUSE_DEFAULT_EMPTY_POLLS = 16;
/** Length of one pause in microseconds, by default. */
export const PAUSE_DEFAULT_US = 100;
/** Longest pause accepted, in microseconds (a packet waits at most one pause). */
export const PAUSE_MAX_US = 1_000_000;
/**
 * Milliseconds between two looks of {@link startPauseWatchdog}, by default. Each look wakes
 * the watching thread: every 10 ms cost 8-13% of a host CPU in a TCG guest.
 */
export const PAUSE_WATCHDOG_MS = 100;
const US_PER_MS = 1000;

/** How {@link runPauseLoop} polls and pauses. */
export interface PauseLoopOptions {
  /** Receives up to `budget` packets and returns how many it handled. */
  readonly poll: (budget: number) => number;
  /** The stop flag, state and counters; a stop cuts a pause short. */
  readonly control: NapiControl;
  /** Default {@link NAPI_DEFAULT_BUDGET}. */
  readonly budget?: number;
  /** Default {@link PAUSE_DEFAULT_EMPTY_POLLS}. */
  readonly emptyPollsBeforePause?: number;
  /** Default {@link PAUSE_DEFAULT_US}; 1 to {@link PAUSE_MAX_US}. */
  readonly pauseUs?: number;
}

/**
 * Runs the loop on the calling thread (an lcore) until {@link NapiControl.stop}; returns
 * the counters, where `wakeups` counts pauses and `sleepMs` their length. The control's state
 * is `SLEEPING` during a pause, `POLLING` otherwise. It blocks the thread's event loop for as
 * long as it runs. A throwing `poll` stops the loop with its
 * error.
 * @throws TypeError for a budget, threshold or pause length out of range
 */
export function runPauseLoop(options: PauseLoopOptions): NapiStats {
  const { poll, control } = options;
  const budget = positiveInteger('runPauseLoop', options.budget ?? NAPI_DEFAULT_BUDGET, 'budget');
  const threshold = positiveInteger('runPauseLoop', options.emptyPollsBeforePause ?? PAUSE_DEFAULT_EMPTY_POLLS, 'emptyPollsBeforePause');
  const pauseUs = positiveInteger('runPauseLoop', options.pauseUs ?? PAUSE_DEFAULT_US, 'pauseUs');
  if (pauseUs > PAUSE_MAX_US) throw new TypeError(`runPauseLoop: pauseUs must be at most ${PAUSE_MAX_US}, got ${pauseUs}`);
  const pauseMs = pauseUs / US_PER_MS;

  let mark = performance.now();
  let empty = 0;
  control.setState(NapiState.POLLING);
  try {
    while (!control.stopRequested) {
      const n = poll(budget);
      control.countPoll(n);
      if (n > 0) {
        empty = 0;
        continue;
      }
      if (++empty < threshold || control.stopRequested) continue;
      const asleep = performance.now();
      control.account(asleep - mark, 0, 0);
      control.setState(NapiState.SLEEPING);
      control.pause(pauseMs);
      mark = performance.now();
      control.account(0, mark - asleep, 1);
      control.setState(NapiState.POLLING);
    }
  } finally {
    control.account(performance.now() - mark, 0, 0);
    control.setState(NapiState.STOPPED);
  }
  return control.stats();
}

/**
 * Watches `controls` from the calling thread's event loop (an unreferenced interval): every
 * `periodMs` it kicks each loop whose poll count stood still since the last look, so that
 * no pause outlasts two periods even where a timer interrupt is lost, while a loop that
 * moves is left alone. Returns the function that stops it.
 */
export function startPauseWatchdog(controls: readonly NapiControl[], periodMs = PAUSE_WATCHDOG_MS): () => void {
  const seen = controls.map(() => -1);
  const timer = setInterval(() => {
    controls.forEach((c, i) => {
      const polls = c.stats().polls;
      if (polls === seen[i]) c.kick();
      seen[i] = polls;
    });
  }, periodMs);
  timer.unref();
  return () => clearInterval(timer);
}
