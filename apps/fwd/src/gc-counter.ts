/** Counting the garbage collections of the calling thread, to show the forwarding loop allocates nothing. */
import { GCProfiler } from 'node:v8';

/**
 * Counts the calling thread's garbage collections from construction to {@link GcCounter.stop}.
 * V8's GC callbacks record each one as it ends (`v8.GCProfiler`), so a thread that never
 * yields to its event loop is counted too; `PerformanceObserver` entries would arrive only
 * when the loop turns, and some after the observer stopped.
 */
export class GcCounter {
  readonly #profiler = new GCProfiler();

  constructor() {
    this.#profiler.start();
  }

  /** Stops counting; returns the collections seen. */
  stop(): number {
    return this.#profiler.stop()?.statistics.length ?? 0;
  }
}
