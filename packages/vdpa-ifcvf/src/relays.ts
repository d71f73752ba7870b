/**
 * The relays of a running IFC VF (DPDK's `notify_relay` and `intr_relay` threads), as fd
 * watchers on the main thread's event loop: a frontend kick (its kick eventfd) becomes a
 * doorbell write, and the device's configuration interrupt (MSI-X vector 0) becomes a
 * config-change message to the frontend. Used while the frontend has not mapped the
 * doorbells itself (host notifiers).
 */
import { eventfdRead, watchFd, type FdWatcher } from '@nic/native';

/** Watches a set of eventfds, each read empty and then handed to its action. */
export class EventRelay {
  readonly #watchers: FdWatcher[] = [];
  /** Wake-ups relayed since creation. */
  relayed = 0;

  /** Starts relaying `fd` to `action`. */
  add(fd: number, action: () => void): void {
    this.#watchers.push(
      watchFd(fd, (ready, error) => {
        if (error) return;
        eventfdRead(ready);
        this.relayed++;
        action();
      }).unref(),
    );
  }

  /** Whether anything is being relayed. */
  get active(): boolean {
    return this.#watchers.length > 0;
  }

  /** Stops every watch (the fds stay open: they are not the relay's). */
  stop(): void {
    for (const w of this.#watchers.splice(0)) w.close();
  }
}
