/** Counting the garbage collections of the calling thread, to show the forwarding loop allocates nothing. */
import { PerformanceObserver } from 'node:perf_hooks';

/**
 * Counts garbage collections from construction to {@link GcCounter.stop}. GC entries arrive
 * on the event loop: let it turn once before `stop` when the thread was busy.
 */
export class GcCounter {
  #count = 0;
  readonly #observer = new PerformanceObserver((list) => (this.#count += list.getEntries().length));

  constructor() {
    this.#observer.observe({ entryTypes: ['gc'] });
  }

  /** Stops counting; returns the collections seen. */
  stop(): number {
    this.#observer.disconnect();
    return this.#count;
  }
}
