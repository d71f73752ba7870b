/**
 * The interrupt thread: DPDK's epoll thread, played by the libuv loop of the thread that
 * creates it (the main lcore). Every fd with a registered callback is watched by the
 * native fd watcher; when it becomes readable the fd's value is consumed as DPDK does for
 * the handle's type and the fd's callbacks run in registration order.
 *
 * Differences from DPDK that a user can see:
 * - No wake pipe and no epoll rebuild: registering and unregistering take effect at once.
 * - Watchers are unreferenced: an idle interrupt thread does not keep the process alive.
 *   {@link IntrThread.close} (EAL cleanup) stops every watcher.
 * - A callback that throws is logged (`eal.intr`) and the next one still runs.
 * - There is no `unregisterSync`: a callback of the same source is the only caller that can
 *   meet an active source, and waiting there could never end.
 */
import { LogLevel, registerLogtype } from '@nic/eal/driver';
import { NicError, watchFd, type FdWatcher } from '@nic/native';
import { IntrHandle, IntrHandleType, intrHandleTypeName } from './handle.js';
import { readFd } from './io.js';

/** Matches every argument in `unregister`, `unregisterPending` and alarm `cancel` (DPDK's `(void *)-1`). */
export const ANY_ARG: unique symbol = Symbol.for('nic.intr.anyArg');
/** The type of {@link ANY_ARG}. */
export type AnyArg = typeof ANY_ARG;

/** An interrupt callback: runs on the interrupt thread with the argument it was registered with. */
export type IntrCallback<A> = (arg: A) => void;

/** Runs when a callback marked by `unregisterPending` is finally removed. */
export type IntrUnregisterCallback<A> = (handle: IntrHandle, arg: A) => void;

const log = registerLogtype('eal.intr');

/** Bytes consumed from the fd before dispatch (0: the callback drains it), as DPDK reads them. */
function readSizeOf(type: IntrHandleType): number {
  switch (type) {
    case IntrHandleType.UIO:
    case IntrHandleType.UIO_INTX:
      return 4;
    case IntrHandleType.ALARM:
    case IntrHandleType.VFIO_MSIX:
    case IntrHandleType.VFIO_MSI:
    case IntrHandleType.VFIO_LEGACY:
    case IntrHandleType.VFIO_REQ:
      return 8;
    case IntrHandleType.EXT:
    case IntrHandleType.VDEV:
    case IntrHandleType.DEV_EVENT:
      return 0;
    default:
      return 1;
  }
}

/** Linux errno values a read of a ready fd may still meet. */
const EAGAIN = 11;
const EINTR = 4;

interface Callback {
  readonly fn: (arg: unknown) => void;
  readonly arg: unknown;
  pendingDelete: boolean;
  ucb?: IntrUnregisterCallback<unknown>;
}

interface Source {
  /** The handle of the first registration; its type and fd are fixed at that time. */
  readonly handle: IntrHandle;
  readonly type: IntrHandleType;
  readonly fd: number;
  readonly callbacks: Callback[];
  readonly watcher: FdWatcher;
  active: boolean;
}

function checkHandle(handle: IntrHandle, op: string): void {
  if (!(handle instanceof IntrHandle)) throw new TypeError(`${op}: expected an IntrHandle`);
  if (handle.fd < 0) throw new NicError('NIC_EINVAL', `${op}: the ${intrHandleTypeName(handle.type)} handle has no fd`);
}

function matches(cb: Callback, fn: unknown, arg: unknown): boolean {
  return cb.fn === fn && (arg === ANY_ARG || cb.arg === arg);
}

/**
 * The interrupt sources of one EAL instance and their callbacks. Sources are keyed by fd:
 * registering another handle with the same fd adds to that source.
 */
export class IntrThread {
  readonly #sources = new Map<number, Source>();
  readonly #buf = new Uint8Array(8);
  #closed = false;

  /**
   * Adds `cb(arg)` to the callbacks of `handle.fd` (`rte_intr_callback_register`); the same
   * pair twice is called twice. The fd is watched from the first callback on. A handle
   * without an fd is `NIC_EINVAL`; a closed thread `NIC_ENODEV`; an fd the native watcher
   * refuses (a regular file) a NicError with its errno.
   */
  register<A>(handle: IntrHandle, cb: IntrCallback<A>, arg: A): void {
    checkHandle(handle, 'intr register');
    if (typeof cb !== 'function') throw new TypeError('intr register: the callback must be a function');
    if (this.#closed) throw new NicError('NIC_ENODEV', 'intr register: the interrupt thread is closed');
    const callback: Callback = { fn: cb as (arg: unknown) => void, arg, pendingDelete: false };
    const existing = this.#sources.get(handle.fd);
    if (existing) {
      existing.callbacks.push(callback);
      return;
    }
    const fd = handle.fd;
    const watcher = watchFd(fd, (_fd, error) => this.#onReadable(fd, error));
    watcher.unref();
    this.#sources.set(fd, { handle, type: handle.type, fd, callbacks: [callback], watcher, active: false });
    log.debug(`watching ${intrHandleTypeName(handle.type)} fd ${fd}`);
  }

  /**
   * Removes every callback of `handle.fd` equal to `cb` whose argument is `arg` (any
   * argument with {@link ANY_ARG}) and returns how many went, possibly 0
   * (`rte_intr_callback_unregister`). The fd stops being watched with its last callback.
   * No source for the fd is `NIC_ENOENT`; from inside a callback of the same fd,
   * `NIC_EAGAIN` (use {@link unregisterPending}).
   */
  unregister<A>(handle: IntrHandle, cb: IntrCallback<A>, arg: A | AnyArg): number {
    const source = this.#idleSource(handle, 'intr unregister');
    return this.#remove(source, (c) => matches(c, cb, arg));
  }

  /** Removes every callback of `handle.fd`; returns how many. Errors as {@link unregister}. */
  unregisterAll(handle: IntrHandle): number {
    const source = this.#idleSource(handle, 'intr unregisterAll');
    return this.#remove(source, () => true);
  }

  /**
   * From inside a callback of `handle.fd`: marks the matching callbacks for removal once the
   * current dispatch ends, then calls `ucb(handle, arg)` for each
   * (`rte_intr_callback_unregister_pending`). Returns how many were marked. No source is
   * `NIC_ENOENT`; outside a dispatch of that fd, `NIC_EAGAIN` (use {@link unregister}).
   */
  unregisterPending<A>(handle: IntrHandle, cb: IntrCallback<A>, arg: A | AnyArg, ucb?: IntrUnregisterCallback<A>): number {
    const source = this.#source(handle, 'intr unregisterPending');
    if (!source.active) throw new NicError('NIC_EAGAIN', `intr unregisterPending: fd ${source.fd} is not dispatching; use unregister`);
    let marked = 0;
    for (const c of source.callbacks) {
      if (c.pendingDelete || !matches(c, cb, arg)) continue;
      c.pendingDelete = true;
      c.ucb = ucb as IntrUnregisterCallback<unknown> | undefined;
      marked++;
    }
    return marked;
  }

  /** How many callbacks `handle.fd` has (0 when it is not a source). */
  callbackCount(handle: IntrHandle): number {
    return this.#sources.get(handle.fd)?.callbacks.length ?? 0;
  }

  /** The fds being watched, in registration order. */
  sources(): number[] {
    return [...this.#sources.keys()];
  }

  /**
   * Stops watching every fd and forgets every callback without calling any; later
   * registrations are `NIC_ENODEV`. The fds themselves stay open: their owners close them.
   */
  close(): void {
    this.#closed = true;
    for (const source of this.#sources.values()) source.watcher.close();
    this.#sources.clear();
  }

  #source(handle: IntrHandle, op: string): Source {
    checkHandle(handle, op);
    const source = this.#sources.get(handle.fd);
    if (!source) throw new NicError('NIC_ENOENT', `${op}: fd ${handle.fd} has no callbacks`);
    return source;
  }

  #idleSource(handle: IntrHandle, op: string): Source {
    const source = this.#source(handle, op);
    if (source.active) throw new NicError('NIC_EAGAIN', `${op}: fd ${source.fd} is dispatching; use unregisterPending from its callback`);
    return source;
  }

  #remove(source: Source, which: (c: Callback) => boolean): number {
    const before = source.callbacks.length;
    const kept = source.callbacks.filter((c) => !which(c));
    source.callbacks.splice(0, before, ...kept);
    if (kept.length === 0) this.#drop(source);
    return before - kept.length;
  }

  #drop(source: Source): void {
    if (this.#sources.get(source.fd) !== source) return;
    this.#sources.delete(source.fd);
    source.watcher.close();
    log.debug(`stopped watching fd ${source.fd}`);
  }

  #onReadable(fd: number, error: Error | undefined): void {
    const source = this.#sources.get(fd);
    if (!source) return;
    if (error) {
      log.err(`interrupt source fd ${fd} failed and is removed: ${error.message}`);
      this.#drop(source);
      return;
    }
    const size = readSizeOf(source.type);
    if (size > 0) {
      const got = readFd(fd, this.#buf, size);
      if (got === -EAGAIN || got === -EINTR) return;
      if (got <= 0) {
        log.err(`interrupt source fd ${fd} ${got === 0 ? 'reached end of file' : `read failed (errno ${-got})`} and is removed`);
        this.#drop(source);
        return;
      }
    }
    if (log.enabled(LogLevel.DEBUG)) log.debug(`${intrHandleTypeName(source.type)} fd ${fd}: interrupt${this.#countRead(size)}, ${source.callbacks.length} callback(s)`);
    this.#dispatch(source);
  }

  /**
   * What the read before dispatch said, for the debug log: UIO's 4 bytes are the device's
   * interrupt count so far, an eventfd's or timerfd's 8 the events since the last read.
   */
  #countRead(size: number): string {
    const view = new DataView(this.#buf.buffer);
    if (size === 4) return `, count ${view.getUint32(0, true)}`;
    if (size === 8) return `, count ${Number(view.getBigUint64(0, true))}`;
    return '';
  }

  #dispatch(source: Source): void {
    source.active = true;
    // Callbacks registered by a callback run in this same round, as in DPDK.
    for (let i = 0; i < source.callbacks.length; i++) {
      const c = source.callbacks[i];
      guarded(source.fd, 'callback', () => c.fn(c.arg));
    }
    source.active = false;
    const pending = source.callbacks.filter((c) => c.pendingDelete);
    if (pending.length === 0) return;
    this.#remove(source, (c) => c.pendingDelete);
    for (const c of pending) guarded(source.fd, 'unregister callback', () => c.ucb?.(source.handle, c.arg));
  }
}

/** Runs a user callback; what it throws is logged, so the next callback still runs. */
function guarded(fd: number, what: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    log.err(`interrupt ${what} of fd ${fd} threw: ${e instanceof Error ? e.message : String(e)}`);
  }
}
