/**
 * A vring's kicks as an interrupt a poller can sleep on (DPDK's rx interrupts of net_vhost:
 * the vring's kick eventfd as the queue's interrupt vector, the guest asked to kick with
 * `rte_vhost_enable_guest_notification`). The frontend's kick eventfd changes with every
 * connection, while a sleeping lcore adds its queue's fd to its epoll set once: so the fd it
 * sleeps on is an epoll fd of the vring's own, which holds the current kick eventfd and a
 * wake eventfd. The connection's thread swaps kick eventfds in and out (under the device's
 * locks, before it closes one) and writes the wake eventfd whenever the ring was set up
 * again, so that a sleeper wakes and re-arms on the ring as it now is.
 *
 * The fds live in {@link KICK_INTERRUPT_SIZE} bytes of shared memory the application places
 * (net_vhost: the port's private data), so that any thread can build its side.
 */
import { closeFd, Epoll, epollWait, eventfd, eventfdRead, eventfdWrite } from '@nic/native';
import { LOCK_BURST, LOCK_FREE, V_LOCK, type VhostSharedState } from './shared-state.js';

/** Bytes of one vring's interrupt block (i32 slots: epoll fd, wake fd, kick fd, pad). */
export const KICK_INTERRUPT_SIZE = 16;
const K_EPOLL = 0;
const K_WAKE = 1;
const K_KICK = 2;

/** Where a vring's interrupt block lies: 16 bytes at a 4-aligned `offset` of `buffer`. */
export interface KickInterruptLocation {
  readonly buffer: SharedArrayBuffer;
  readonly offset: number;
}

function slots(location: KickInterruptLocation): Int32Array {
  return new Int32Array(location.buffer, location.offset, KICK_INTERRUPT_SIZE >>> 2);
}

/** The connection's side: owns the epoll and wake fds and follows the vring's kick eventfd. */
export class KickInterrupt {
  readonly #slots: Int32Array;
  readonly #epoll: Epoll;
  readonly #wake: number;
  #kick = -1;

  /** Makes the fds and writes them at `location`. */
  constructor(location: KickInterruptLocation) {
    this.#slots = slots(location);
    this.#epoll = new Epoll();
    try {
      this.#wake = eventfd(0, { nonblock: true });
    } catch (e) {
      this.#epoll.close();
      throw e;
    }
    this.#epoll.add(this.#wake);
    Atomics.store(this.#slots, K_EPOLL, this.#epoll.fd);
    Atomics.store(this.#slots, K_WAKE, this.#wake);
    Atomics.store(this.#slots, K_KICK, -1);
  }

  /** The fd a sleeper waits on (readable after a kick or a wake). */
  get fd(): number {
    return this.#epoll.fd;
  }

  /**
   * The vring's kick eventfd is now `fd` (-1: none). Called under the vring's lock, before
   * the previous one is closed: a registration outlives the fd in epoll while the frontend
   * keeps its copy of the eventfd open, so it is removed explicitly. Wakes a sleeper.
   */
  setKick(fd: number): void {
    if (fd === this.#kick) return;
    if (this.#kick >= 0) this.#epoll.remove(this.#kick);
    // Forgotten first: a poller must never read a number the device is about to close.
    this.#kick = -1;
    Atomics.store(this.#slots, K_KICK, -1);
    if (fd >= 0) this.#epoll.add(fd);
    this.#kick = fd;
    Atomics.store(this.#slots, K_KICK, fd);
    this.wake();
  }

  /** Wakes a sleeper, which then re-arms on the ring as it is now (it was mapped again, enabled). */
  wake(): void {
    eventfdWrite(this.#wake, 1);
  }

  /** Closes the epoll and wake fds (the kick eventfd is the device's). */
  close(): void {
    if (this.#kick >= 0) this.#epoll.remove(this.#kick);
    this.#kick = -1;
    Atomics.store(this.#slots, K_EPOLL, -1);
    Atomics.store(this.#slots, K_WAKE, -1);
    Atomics.store(this.#slots, K_KICK, -1);
    this.#epoll.close();
    closeFd(this.#wake);
  }
}

/**
 * A poller's side (any thread): the fd to sleep on and the clearing of what woke it. Built
 * over the block a {@link KickInterrupt} wrote and the device's shared state.
 */
export class KickWaiter {
  readonly #slots: Int32Array;
  readonly #lock: Int32Array;
  readonly #fds = [-1, -1];

  constructor(location: KickInterruptLocation, state: VhostSharedState, vring: number) {
    this.#slots = slots(location);
    this.#lock = state.v32[vring];
  }

  /** The epoll fd to sleep on (an epoll set holds it with nothing to read: the waiter reads 0 bytes). */
  get fd(): number {
    return Atomics.load(this.#slots, K_EPOLL);
  }

  /**
   * Clears what woke the sleeper: the wake eventfd and the kicks counted so far. Done under
   * the vring's access lock, so the connection's thread cannot close the kick eventfd (and
   * another file take its number) meanwhile; only fds that are readable are read, so a
   * frontend's blocking eventfd never blocks here.
   */
  clear(): void {
    const lock = this.#lock;
    while (Atomics.compareExchange(lock, V_LOCK, LOCK_FREE, LOCK_BURST) !== LOCK_FREE) {
      // The connection's thread changes the device: it holds the lock for microseconds.
    }
    try {
      this.#fds[0] = Atomics.load(this.#slots, K_WAKE);
      this.#fds[1] = Atomics.load(this.#slots, K_KICK);
      const live = this.#fds[1] >= 0 ? this.#fds : this.#fds.slice(0, 1);
      for (const fd of epollWait(live, 0)) eventfdRead(fd);
    } finally {
      Atomics.store(lock, V_LOCK, LOCK_FREE);
    }
  }
}
