/**
 * EAL alarms: one-shot callbacks after a delay, run on the interrupt thread from a single
 * timerfd armed for the earliest deadline (DPDK's `rte_eal_alarm_set/cancel`).
 */
import { performance } from 'node:perf_hooks';
import { registerLogtype } from '@nic/eal/driver';
import { closeFd, NicError, timerfd, timerfdSet } from '@nic/native';
import { IntrHandle, IntrHandleType } from './handle.js';
import { ANY_ARG, type AnyArg, type IntrThread } from './thread.js';

/** An alarm callback: runs once on the interrupt thread with its argument. */
export type AlarmCallback<A> = (arg: A) => void;

/** The longest delay accepted, in microseconds (about 285 years; DPDK's `UINT64_MAX - 1e6`). */
export const ALARM_MAX_US = Number.MAX_SAFE_INTEGER;

/**
 * Why the last {@link Alarms.cancel} removed nothing or not everything (DPDK's `rte_errno`):
 * `EINPROGRESS` when a matching alarm is the one running (cancelled from its own callback,
 * it is not removed: it is already being executed); `ENOENT` when nothing matched.
 */
export type AlarmCancelStatus = 'EINPROGRESS' | 'ENOENT' | undefined;

const log = registerLogtype('eal.intr');

/** The smallest timerfd delay: 0 would disarm it. */
const MIN_ARM_US = 1;

interface Alarm {
  /** Deadline on `performance.now()`'s clock, in microseconds. */
  readonly deadline: number;
  readonly fn: (arg: unknown) => void;
  readonly arg: unknown;
  executing: boolean;
}

function nowUs(): number {
  return performance.now() * 1000;
}

/**
 * The alarm list of one EAL instance, sorted by deadline (equal deadlines in the order
 * they were set). Its timerfd is registered with the interrupt thread at the first alarm.
 */
export class Alarms {
  readonly #thread: IntrThread;
  readonly #handle: IntrHandle;
  readonly #list: Alarm[] = [];
  readonly #onTimer = (): void => this.#expire();
  #registered = false;
  #lastCancel: AlarmCancelStatus;

  /** Creates the timerfd (`rte_eal_alarm_init`); a refusal is a NicError with its errno. */
  constructor(thread: IntrThread) {
    this.#thread = thread;
    this.#handle = new IntrHandle({ type: IntrHandleType.ALARM, fd: timerfd() });
  }

  /** The timerfd's handle (type `ALARM`). */
  get handle(): IntrHandle {
    return this.#handle;
  }

  /** How many alarms are waiting (the running one included). */
  get size(): number {
    return this.#list.length;
  }

  /** The outcome of the last {@link cancel}, as DPDK sets `rte_errno`. */
  get lastCancelStatus(): AlarmCancelStatus {
    return this.#lastCancel;
  }

  /**
   * Calls `cb(arg)` once, `us` microseconds from now, on the interrupt thread
   * (`rte_eal_alarm_set`). `us` below 1, above {@link ALARM_MAX_US} or not finite is
   * `NIC_EINVAL`; a closed instance is `NIC_ENODEV`.
   */
  set<A>(us: number, cb: AlarmCallback<A>, arg: A): void {
    if (typeof cb !== 'function') throw new TypeError('alarm set: the callback must be a function');
    if (typeof us !== 'number' || !Number.isFinite(us) || us < 1 || us > ALARM_MAX_US) {
      throw new NicError('NIC_EINVAL', `alarm set: ${String(us)} us is out of range [1, ${ALARM_MAX_US}]`);
    }
    if (this.#handle.fd < 0) throw new NicError('NIC_ENODEV', 'alarm set: the alarm timer is closed');
    if (!this.#registered) {
      this.#thread.register(this.#handle, this.#onTimer, undefined);
      this.#registered = true;
    }
    const alarm: Alarm = { deadline: nowUs() + us, fn: cb as (arg: unknown) => void, arg, executing: false };
    let at = this.#list.length;
    while (at > 0 && this.#list[at - 1].deadline > alarm.deadline) at--;
    this.#list.splice(at, 0, alarm);
    if (at === 0) this.#arm();
  }

  /**
   * Removes every waiting alarm of `cb` with argument `arg` (any with {@link ANY_ARG}) and
   * returns how many (`rte_eal_alarm_cancel`). {@link lastCancelStatus} tells why fewer than
   * expected went: a match that is running is left to finish (`EINPROGRESS`).
   */
  cancel<A>(cb: AlarmCallback<A>, arg: A | AnyArg): number {
    if (typeof cb !== 'function') throw new TypeError('alarm cancel: the callback must be a function');
    let removed = 0;
    let running = false;
    for (let i = this.#list.length - 1; i >= 0; i--) {
      const a = this.#list[i];
      if (a.fn !== cb || (arg !== ANY_ARG && a.arg !== arg)) continue;
      if (a.executing) {
        running = true;
      } else {
        this.#list.splice(i, 1);
        removed++;
      }
    }
    this.#lastCancel = running ? 'EINPROGRESS' : removed === 0 ? 'ENOENT' : undefined;
    return removed;
  }

  /** Drops every alarm, unregisters from the thread and closes the timerfd. Idempotent. */
  close(): void {
    if (this.#handle.fd < 0) return;
    this.#list.length = 0;
    if (this.#registered) {
      try {
        this.#thread.unregisterAll(this.#handle);
      } catch (e) {
        // The thread was closed first (EAL stops the interrupt thread before the alarms).
        if (!(e instanceof NicError) || e.code !== 'NIC_ENOENT') throw e;
      }
    }
    closeFd(this.#handle.fd);
    this.#handle.fd = -1;
  }

  /** Arms the timerfd for the head of the list (the executing alarm is not waited for). */
  #arm(): void {
    const next = this.#list.find((a) => !a.executing);
    const us = next === undefined ? 0 : Math.max(MIN_ARM_US, Math.ceil(next.deadline - nowUs()));
    timerfdSet(this.#handle.fd, us);
  }

  #expire(): void {
    for (;;) {
      const head = this.#list[0];
      if (head === undefined || head.deadline > nowUs()) break;
      head.executing = true;
      try {
        head.fn(head.arg);
      } catch (e) {
        log.err(`alarm callback threw: ${e instanceof Error ? e.message : String(e)}`);
      }
      const i = this.#list.indexOf(head);
      if (i >= 0) this.#list.splice(i, 1);
      if (this.#handle.fd < 0) return;
    }
    this.#arm();
  }
}
