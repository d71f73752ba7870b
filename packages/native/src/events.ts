import { addon } from './addon.js';
import type { NicError } from './error.js';

/** Options of {@link eventfd}. */
export interface EventfdOptions {
  /** Each read takes 1 from the counter instead of all of it (`EFD_SEMAPHORE`). Default false. */
  semaphore?: boolean;
  /** Reads return 0 instead of blocking when the counter is 0 (`EFD_NONBLOCK`). Default false. */
  nonblock?: boolean;
}

/**
 * Creates an eventfd whose counter starts at `initval` (0 to 2^32 - 1); close-on-exec.
 * Returns the fd, to watch ({@link watchFd}, {@link Epoll}), pass to VFIO as an interrupt
 * trigger, or send to another process.
 */
export function eventfd(initval = 0, options: EventfdOptions = {}): number {
  return addon.eventfdCreate(initval, options.semaphore ?? false, options.nonblock ?? false);
}

/**
 * Reads an eventfd: returns the counter and resets it to 0 (semaphore mode: returns 1 and
 * takes 1). On a non-blocking fd (or one under {@link watchFd}, which makes it non-blocking)
 * returns 0 when the counter is 0; a blocking fd waits. Counters above 2^53 lose precision.
 */
export function eventfdRead(fd: number): number {
  return addon.eventfdRead(fd);
}

/**
 * Adds `value` (0 to 2^53 - 1) to an eventfd's counter, waking its readers.
 * @throws NicError `NIC_EAGAIN` when the counter would overflow on a non-blocking fd.
 */
export function eventfdWrite(fd: number, value = 1): void {
  addon.eventfdWrite(fd, value);
}

/** Creates a disarmed CLOCK_MONOTONIC timerfd, non-blocking and close-on-exec. */
export function timerfd(): number {
  return addon.timerfdCreate();
}

/**
 * Arms a timerfd: first expiry after `initialUs` microseconds, then every `intervalUs`
 * (0: once). `initialUs` 0 disarms it.
 */
export function timerfdSet(fd: number, initialUs: number, intervalUs = 0): void {
  addon.timerfdSettime(fd, initialUs, intervalUs);
}

/** Expirations since the last read (resetting the count), 0 when there were none. */
export function timerfdRead(fd: number): number {
  return addon.timerfdRead(fd);
}

/**
 * Called by an {@link FdWatcher} when its fd is readable, with the fd. When epoll reports an
 * error on the fd, `error` says why and the watcher is already closed. A fd closed with
 * `closeFd` is not such an error: its watchers stop silently.
 */
export type FdCallback = (fd: number, error?: NicError) => void;

/** A watch started by {@link watchFd}. */
export class FdWatcher {
  readonly fd: number;
  readonly #id: number;
  #open = true;

  /** @internal Use {@link watchFd}. */
  constructor(fd: number, callback: FdCallback) {
    this.fd = fd;
    this.#id = addon.watch(fd, (readyFd, error) => {
      if (error !== undefined) this.#open = false;
      callback(readyFd, error);
    });
  }

  /** False once closed, by {@link FdWatcher.close} or after reporting an error. */
  get active(): boolean {
    return this.#open;
  }

  /**
   * Stops watching. Idempotent, and safe inside the callback. {@link closeFd} of the fd
   * stops its watchers on this thread itself; close the watcher first when the fd is closed
   * any other way.
   */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    addon.watchClose(this.#id);
  }

  /** Lets the thread's event loop exit while this watcher is active. Returns `this`. */
  unref(): this {
    if (this.#open) addon.watchRef(this.#id, false);
    return this;
  }

  /** Undoes {@link FdWatcher.unref}: the active watcher keeps the loop alive (the default). */
  ref(): this {
    if (this.#open) addon.watchRef(this.#id, true);
    return this;
  }
}

/**
 * Calls `callback(fd)` from this thread's event loop whenever `fd` is readable, until closed.
 * Level-triggered: the callback must consume what made the fd readable (e.g. read the
 * eventfd), or it is called again on the next loop turn. The fd is made non-blocking. An
 * exception thrown by the callback is an uncaught exception, as for any I/O callback.
 * @throws NicError `NIC_EINVAL` (errno `EBADF`) for a closed fd, `NIC_EPERM` for a regular
 * file (epoll cannot watch it), `NIC_EEXIST` when this thread already watches the fd,
 * `NIC_EIO` when Node-API refuses the watcher's async context or teardown hook (nothing is
 * then left watching the fd).
 */
export function watchFd(fd: number, callback: FdCallback): FdWatcher {
  if (typeof callback !== 'function') throw new TypeError('watchFd callback must be a function');
  return new FdWatcher(fd, callback);
}

/**
 * Blocks the calling thread until one of `fds` is readable or `timeoutMs` passes (-1: no
 * limit), and returns the readable fds (empty on timeout or when a signal interrupted the
 * wait). Meant for worker threads: on the main thread it stops the event loop meanwhile. A
 * worker blocked here is not interrupted by `worker.terminate()`; wake it through an fd.
 * For repeated waits, an {@link Epoll} avoids rebuilding the set each call.
 */
export function epollWait(fds: readonly number[], timeoutMs: number): number[] {
  return addon.epollWaitFds(fds, timeoutMs);
}

/**
 * A reusable epoll set for a thread that sleeps on its fds again and again (the NAPI-style
 * rx loop): add fds once, then {@link Epoll.wait} into a preallocated array.
 */
export class Epoll {
  /** The epoll fd (it can itself be watched or nested). */
  readonly fd: number;

  constructor() {
    this.fd = addon.epollCreate();
  }

  /** Watches `fd` for readability. @throws NicError `NIC_EEXIST` when it is in the set. */
  add(fd: number): void {
    addon.epollAdd(this.fd, fd);
  }

  /** Stops watching `fd`. @throws NicError `NIC_ENOENT` when it is not in the set. */
  remove(fd: number): void {
    addon.epollRemove(this.fd, fd);
  }

  /**
   * Blocks until a watched fd is readable or `timeoutMs` passes (-1: no limit); writes the
   * readable fds to `out` and returns how many (0 on timeout or interruption). Allocates
   * nothing. Same threading caveats as {@link epollWait}.
   */
  wait(out: Int32Array, timeoutMs: number): number {
    return addon.epollWait(this.fd, out, timeoutMs);
  }

  /** Closes the epoll fd; the watched fds stay open. */
  close(): void {
    addon.close(this.fd);
  }
}
