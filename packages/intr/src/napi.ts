/**
 * The NAPI-style lcore loop: poll the queues with a budget while there is traffic; after a
 * run of empty polls arm the queue interrupts, poll once more to close the race with a
 * packet that arrived meanwhile, and sleep in epoll until a queue interrupts or the main
 * thread asks to stop; on waking, disarm and poll again (l3fwd-power's pattern).
 */
import { performance } from 'node:perf_hooks';
import { closeFd, eventfd, eventfdWrite } from '@nic/native';
import { positiveInteger } from './positive.js';
import { EVENTFD_COUNTER_SIZE, RxIntrWait, type RxQueueIntr } from './rxq.js';

/** Packets one poll may return by default. */
export const NAPI_DEFAULT_BUDGET = 32;
/** Empty polls in a row before the loop sleeps, by default. */
export const NAPI_DEFAULT_EMPTY_POLLS = 64;

/** What the loop is doing, as {@link NapiControl.state} reports it. */
export const NapiState = {
  /** Not started yet. */
  IDLE: 0,
  POLLING: 1,
  /** Blocked in epoll with the queue interrupts armed. */
  SLEEPING: 2,
  /** Returned after a stop request. */
  STOPPED: 3,
} as const;
/** One of {@link NapiState}. */
export type NapiState = (typeof NapiState)[keyof typeof NapiState];

/** The loop's counters. Times are in milliseconds. */
export interface NapiStats {
  /** Time spent outside the sleep: polling, arming, disarming. */
  readonly pollMs: number;
  /** Time spent asleep in epoll. */
  readonly sleepMs: number;
  /** How many times the loop went to sleep and woke. */
  readonly wakeups: number;
  /** Packets the poll function reported. */
  readonly packets: number;
  /** Calls to the poll function. */
  readonly polls: number;
}

/** What crosses a thread boundary to rebuild a {@link NapiControl} there. */
export interface NapiControlShared {
  readonly buffer: SharedArrayBuffer;
  readonly wakeFd: number;
}

// Int32 slots.
const STOP = 0;
const STATE = 1;
const INT_SLOTS = 2;
// Float64 slots, after the Int32 ones.
const POLL_MS = 0;
const SLEEP_MS = 1;
const WAKEUPS = 2;
const PACKETS = 3;
const POLLS = 4;
const STAT_SLOTS = 5;
const STATS_OFFSET = INT_SLOTS * Int32Array.BYTES_PER_ELEMENT;

/** `Atomics.waitAsync` (ES2024), which the ES2023 library typings lack. */
interface AtomicsWaitAsync {
  waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): { async: boolean; value: Promise<string> | string };
}

/**
 * The shared control block of one loop (the NAPI-style one or the pause loop of pause.ts):
 * the stop flag, the loop's state and its counters in a SharedArrayBuffer, and an eventfd
 * that wakes a sleeping loop. Create it on the main thread, post {@link shared} to the lcore
 * and rebuild it there.
 */
export class NapiControl {
  /** The fd that {@link stop} writes; the loop sleeps on it beside its queues. */
  readonly wakeFd: number;
  readonly #ints: Int32Array;
  readonly #stats: Float64Array;

  /** Rebuilds a control block from {@link shared} (any thread). */
  constructor(shared: NapiControlShared) {
    this.wakeFd = shared.wakeFd;
    this.#ints = new Int32Array(shared.buffer, 0, INT_SLOTS);
    this.#stats = new Float64Array(shared.buffer, STATS_OFFSET, STAT_SLOTS);
  }

  /** A new control block with its own wake eventfd; {@link close} releases it. */
  static create(): NapiControl {
    const buffer = new SharedArrayBuffer(STATS_OFFSET + STAT_SLOTS * Float64Array.BYTES_PER_ELEMENT);
    return new NapiControl({ buffer, wakeFd: eventfd(0, { nonblock: true }) });
  }

  /** What to post to the lcore. */
  get shared(): NapiControlShared {
    return { buffer: this.#ints.buffer as SharedArrayBuffer, wakeFd: this.wakeFd };
  }

  /** Whether {@link stop} was called. */
  get stopRequested(): boolean {
    return Atomics.load(this.#ints, STOP) !== 0;
  }

  /** What the loop is doing now. */
  get state(): NapiState {
    return Atomics.load(this.#ints, STATE) as NapiState;
  }

  /**
   * Resolves true once the loop is in `state`, false when `timeoutMs` passes first. Waits
   * on the shared state cell without blocking the calling thread.
   */
  async untilState(state: NapiState, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const current = Atomics.load(this.#ints, STATE);
      if (current === state) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      const waiting = (Atomics as unknown as AtomicsWaitAsync).waitAsync(this.#ints, STATE, current, left);
      if (waiting.async) await waiting.value;
    }
  }

  /** The counters so far (they move while the loop runs). */
  stats(): NapiStats {
    const s = this.#stats;
    return { pollMs: s[POLL_MS], sleepMs: s[SLEEP_MS], wakeups: s[WAKEUPS], packets: s[PACKETS], polls: s[POLLS] };
  }

  /** Asks the loop to return, waking it if it sleeps or pauses. Any thread; idempotent. */
  stop(): void {
    Atomics.store(this.#ints, STOP, 1);
    Atomics.notify(this.#ints, STOP);
    eventfdWrite(this.wakeFd, 1);
  }

  /**
   * Blocks the calling thread for `timeoutMs` or until {@link stop} or {@link kick}, whichever
   * comes first (the pause loop's wait).
   */
  pause(timeoutMs: number): void {
    Atomics.wait(this.#ints, STOP, 0, timeoutMs);
  }

  /** Ends a {@link pause} in progress early; the loop then polls again. Any thread. */
  kick(): void {
    Atomics.notify(this.#ints, STOP);
  }

  /** Closes the wake eventfd: once, by its creator, after the loop has returned. */
  close(): void {
    closeFd(this.wakeFd);
  }

  /** @internal The loop's side. */
  setState(state: NapiState): void {
    Atomics.store(this.#ints, STATE, state);
    Atomics.notify(this.#ints, STATE);
  }

  /** @internal The loop's side: adds to the counters. */
  account(pollMs: number, sleepMs: number, wakeups: number): void {
    this.#stats[POLL_MS] += pollMs;
    this.#stats[SLEEP_MS] += sleepMs;
    this.#stats[WAKEUPS] += wakeups;
  }

  /** @internal The loop's side: one poll that returned `packets`. */
  countPoll(packets: number): void {
    this.#stats[POLLS] += 1;
    this.#stats[PACKETS] += packets;
  }
}

/** How {@link runNapiLoop} polls, arms and sleeps. */
export interface NapiLoopOptions {
  /** Receives up to `budget` packets and returns how many it handled. */
  readonly poll: (budget: number) => number;
  /** The interrupts of the queues `poll` serves. */
  readonly queues: readonly RxQueueIntr[];
  /** The stop flag, state and counters. */
  readonly control: NapiControl;
  /** Default {@link NAPI_DEFAULT_BUDGET}. */
  readonly budget?: number;
  /** Default {@link NAPI_DEFAULT_EMPTY_POLLS}. */
  readonly emptyPollsBeforeSleep?: number;
  /** Longest sleep in milliseconds; -1 (the default) sleeps until an interrupt or a stop. */
  readonly sleepTimeoutMs?: number;
  /**
   * Sleeps for at most `timeoutMs`. By default an {@link RxIntrWait} on the queues' fds and
   * the control's wake fd, made and closed by the loop.
   */
  readonly wait?: (timeoutMs: number) => void;
}

/**
 * Runs the loop on the calling thread (an lcore) until {@link NapiControl.stop}; returns
 * the counters. It blocks the thread's event loop for as long as it runs. A throwing
 * `poll` stops the loop with its error, the interrupts disarmed.
 */
export function runNapiLoop(options: NapiLoopOptions): NapiStats {
  const { poll, queues, control } = options;
  const budget = positiveInteger('runNapiLoop', options.budget ?? NAPI_DEFAULT_BUDGET, 'budget');
  const threshold = positiveInteger('runNapiLoop', options.emptyPollsBeforeSleep ?? NAPI_DEFAULT_EMPTY_POLLS, 'emptyPollsBeforeSleep');
  const timeout = options.sleepTimeoutMs ?? -1;
  const own = options.wait ? undefined : new RxIntrWait([control.wakeFd]);
  try {
    for (const q of queues) own?.add(q.fd, q.counterSize ?? EVENTFD_COUNTER_SIZE);
  } catch (e) {
    own?.close();
    throw e;
  }
  const wait = options.wait ?? ((ms: number) => void own?.wait(ms));
  const pollOnce = (): number => {
    const n = poll(budget);
    control.countPoll(n);
    return n;
  };
  const disarm = (): void => {
    for (const q of queues) q.disable();
  };

  let mark = performance.now();
  let empty = 0;
  control.setState(NapiState.POLLING);
  try {
    while (!control.stopRequested) {
      if (pollOnce() > 0) {
        empty = 0;
        continue;
      }
      if (++empty < threshold) continue;
      empty = 0;
      for (const q of queues) q.enable();
      if (pollOnce() > 0 || control.stopRequested) {
        disarm();
        continue;
      }
      const asleep = performance.now();
      control.account(asleep - mark, 0, 0);
      control.setState(NapiState.SLEEPING);
      wait(timeout);
      mark = performance.now();
      control.account(0, mark - asleep, 1);
      control.setState(NapiState.POLLING);
      disarm();
    }
  } finally {
    disarm();
    control.account(performance.now() - mark, 0, 0);
    own?.close();
    control.setState(NapiState.STOPPED);
  }
  return control.stats();
}
