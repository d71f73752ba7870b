/**
 * Rx-queue interrupts: one eventfd vector per queue on a handle (`rte_intr_efd_enable`),
 * the arm/disarm contract a queue's interrupt offers, a software-signalled implementation
 * for virtual devices, one for queues whose own fd signals (packet sockets, TAP queues), and
 * the worker-side wait on a set of queues (`rte_epoll_wait`).
 */
import { closeFd, Epoll, eventfd, eventfdWrite, NicError } from '@nic/native';
import { INTR_VEC_RXTX_OFFSET, IntrHandle, IntrHandleType, MAX_RXTX_INTR_VEC_ID, NB_OTHER_INTR } from './handle.js';
import { readFd } from './io.js';

/** Bytes read to drain an eventfd. */
export const EVENTFD_COUNTER_SIZE = 8;

/**
 * Gives `handle` up to `nbEfd` queue vectors (`rte_intr_efd_enable`). `VFIO_MSIX` and
 * `VDEV` get one new non-blocking eventfd per queue (at most {@link MAX_RXTX_INTR_VEC_ID})
 * beside the misc vector; every other type shares its one fd among all queues. (DPDK lets
 * a vdev driver make its own eventfds; nic makes them here so virtual devices get the same
 * vectors as MSI-X.) Calling it again first releases the previous vectors.
 */
export function efdEnable(handle: IntrHandle, nbEfd: number): void {
  if (!Number.isInteger(nbEfd) || nbEfd < 0) throw new NicError('NIC_EINVAL', `efdEnable: ${String(nbEfd)} is not a queue count`);
  efdDisable(handle);
  if (handle.type === IntrHandleType.VFIO_MSIX || handle.type === IntrHandleType.VDEV) {
    const n = Math.min(nbEfd, MAX_RXTX_INTR_VEC_ID);
    const efds: number[] = [];
    try {
      for (let i = 0; i < n; i++) efds.push(eventfd(0, { nonblock: true }));
    } catch (e) {
      for (const fd of efds) closeFd(fd);
      throw e;
    }
    handle.efds = efds;
    handle.nbEfd = n;
    handle.maxIntr = NB_OTHER_INTR + n;
    if (handle.type === IntrHandleType.VDEV && handle.efdCounterSize === 0) handle.efdCounterSize = EVENTFD_COUNTER_SIZE;
    return;
  }
  if (handle.fd < 0) throw new NicError('NIC_EINVAL', 'efdEnable: the handle has no fd to share with its queues');
  handle.efds = [handle.fd];
  handle.nbEfd = Math.min(nbEfd, 1);
  handle.maxIntr = NB_OTHER_INTR;
}

/**
 * Releases the queue vectors (`rte_intr_efd_disable`): closes the eventfds
 * {@link efdEnable} made (a shared fd is left alone) and clears `nbEfd` and `maxIntr`.
 */
export function efdDisable(handle: IntrHandle): void {
  if (handle.maxIntr > handle.nbEfd) for (const fd of handle.efds.slice(0, handle.nbEfd)) closeFd(fd);
  handle.efds = [];
  handle.nbEfd = 0;
  handle.maxIntr = 0;
}

/**
 * The fd that signals rx queue `queue` (`rte_eth_dev_rx_intr_ctl_q_get_fd`): the vector
 * in `handle.vectors[queue]` (default `INTR_VEC_RXTX_OFFSET + queue`) picks the eventfd.
 * No queue vectors, or a vector outside them, is `NIC_EPERM`.
 */
export function rxQueueFd(handle: IntrHandle, queue: number): number {
  if (!handle.dpEnabled) throw new NicError('NIC_EPERM', `rx queue ${queue}: the handle has no queue vectors (efdEnable first)`);
  const vec = handle.vectors[queue] ?? INTR_VEC_RXTX_OFFSET + queue;
  const index = vec >= INTR_VEC_RXTX_OFFSET ? vec - INTR_VEC_RXTX_OFFSET : vec;
  if (!Number.isInteger(index) || index < 0 || index >= handle.nbEfd) {
    throw new NicError('NIC_EPERM', `rx queue ${queue}: vector ${vec} is outside the handle's ${handle.nbEfd} vector(s)`);
  }
  return handle.efds[index];
}

/**
 * A queue's interrupt as the polling lcore sees it: the fd it becomes readable on, and the
 * arm/disarm pair (`rte_eth_dev_rx_intr_enable/disable`; a hardware driver unmasks and
 * masks the queue's vector). Arming and disarming are called on the polling thread.
 */
export interface RxQueueIntr {
  readonly fd: number;
  /**
   * Bytes a waiter reads from {@link fd} to clear it once it fired (DPDK's
   * `efd_counter_size`): 8, the default, for an eventfd; 0 for a fd that is the queue's own
   * socket, which stays readable while frames wait and must not be read by the waiter.
   */
  readonly counterSize?: number;
  enable(): void;
  disable(): void;
}

/**
 * The interrupt of a queue whose fd is the queue itself (a packet socket, a TAP queue): the
 * kernel makes it readable while frames wait, so arming and disarming have nothing to do
 * and a waiter must leave the fd unread ({@link RxQueueIntr.counterSize} 0).
 */
export class FdRxIntr implements RxQueueIntr {
  readonly counterSize = 0;

  constructor(readonly fd: number) {}

  enable(): void {}

  disable(): void {}
}

/** What crosses a thread boundary to rebuild an {@link EventfdRxIntr} there. */
export interface EventfdRxIntrShared {
  readonly fd: number;
  readonly state: SharedArrayBuffer;
}

const DISARMED = 0;
const ARMED = 1;

/**
 * A queue interrupt signalled by software (ring, null and other virtual devices): the
 * consumer arms it, and the producer's {@link notify} writes the eventfd once per arming,
 * like an auto-masked MSI-X vector. The armed flag is shared memory, so producer and
 * consumer may be different threads; its sequentially consistent accesses order it
 * against the producer's queue index update and the consumer's re-poll.
 */
export class EventfdRxIntr implements RxQueueIntr {
  readonly fd: number;
  readonly #state: Int32Array;

  /** Rebuilds the interrupt from {@link shared} (any thread). */
  constructor(shared: EventfdRxIntrShared) {
    this.fd = shared.fd;
    this.#state = new Int32Array(shared.state, 0, 1);
  }

  /** Wraps `fd` (an eventfd) in a new, disarmed interrupt. */
  static forFd(fd: number): EventfdRxIntr {
    return new EventfdRxIntr({ fd, state: new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT) });
  }

  /** What to post to another thread to rebuild this interrupt there. */
  get shared(): EventfdRxIntrShared {
    return { fd: this.fd, state: this.#state.buffer as SharedArrayBuffer };
  }

  /** Whether the consumer waits for a {@link notify}. */
  get armed(): boolean {
    return Atomics.load(this.#state, 0) === ARMED;
  }

  /** Arms: the next {@link notify} writes the eventfd. */
  enable(): void {
    Atomics.store(this.#state, 0, ARMED);
  }

  /** Disarms: {@link notify} does nothing until the next {@link enable}. */
  disable(): void {
    Atomics.store(this.#state, 0, DISARMED);
  }

  /**
   * The producer's side, after it made the queue non-empty: when armed, disarms and adds 1
   * to the eventfd. Returns whether it wrote.
   */
  notify(): boolean {
    if (Atomics.compareExchange(this.#state, 0, ARMED, DISARMED) !== ARMED) return false;
    eventfdWrite(this.fd, 1);
    return true;
  }
}

/**
 * A worker-side wait on a set of interrupt fds: a reusable epoll set (`rte_epoll_wait` on a
 * per-lcore epoll fd). Fired fds are drained before {@link wait} returns them.
 */
export class RxIntrWait {
  readonly #epoll: Epoll;
  readonly #sizes = new Map<number, number>();
  readonly #ready = new Int32Array(MAX_RXTX_INTR_VEC_ID);
  readonly #drain = new Uint8Array(EVENTFD_COUNTER_SIZE);
  #closed = false;

  /** Creates the epoll set and adds `fds` (eventfds, drained 8 bytes at a time). */
  constructor(fds: readonly number[] = []) {
    this.#epoll = new Epoll();
    try {
      for (const fd of fds) this.add(fd);
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** The fds in the set. */
  get fds(): number[] {
    return [...this.#sizes.keys()];
  }

  /**
   * Adds `fd`, drained by reading `readSize` bytes when it fires (4 for UIO, 0 to leave it
   * to the caller). A fd already in the set is a NicError with EEXIST.
   */
  add(fd: number, readSize: number = EVENTFD_COUNTER_SIZE): void {
    if (!Number.isInteger(readSize) || readSize < 0 || readSize > EVENTFD_COUNTER_SIZE) {
      throw new NicError('NIC_EINVAL', `RxIntrWait add: read size ${String(readSize)} is not in [0, ${EVENTFD_COUNTER_SIZE}]`);
    }
    this.#epoll.add(fd);
    this.#sizes.set(fd, readSize);
  }

  /** Removes `fd`; a fd not in the set is a NicError with ENOENT. */
  remove(fd: number): void {
    this.#epoll.remove(fd);
    this.#sizes.delete(fd);
  }

  /**
   * Blocks the calling thread until a fd fires or `timeoutMs` passes (-1: no limit; 0:
   * just look), drains the fired fds and returns them (empty on timeout or a signal).
   */
  wait(timeoutMs: number): number[] {
    const n = this.#epoll.wait(this.#ready, timeoutMs);
    const fired: number[] = [];
    for (let i = 0; i < n; i++) {
      const fd = this.#ready[i];
      const size = this.#sizes.get(fd) ?? 0;
      if (size > 0) readFd(fd, this.#drain, size);
      fired.push(fd);
    }
    return fired;
  }

  /** Closes the epoll set (not the fds in it). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#epoll.close();
  }
}
