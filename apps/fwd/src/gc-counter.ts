/** Counting the garbage collections of the calling thread, to show the forwarding loop allocates nothing. */
import { GCProfiler, getHeapSpaceStatistics } from 'node:v8';

/** Elements of each short-lived array that {@link flushYoungGeneration} allocates (32 KiB, below V8's large-object size). */
const FLUSH_ARRAY_ELEMENTS = 4096;
/** At most this many arrays (128 MiB): more than V8's largest young generation holds. */
const FLUSH_MAX_ARRAYS = 4096;

/** Where the flush's garbage goes, so the compiler cannot drop the allocations. */
let _flushSink: number[] = [];

/** Bytes in use in the calling thread's young generation. */
export function youngBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_used_size ?? 0;
}

/**
 * Allocates short-lived arrays until a scavenge has emptied the calling thread's young
 * generation; returns whether one ran. Whatever ran before leaves the young generation
 * anywhere up to full: a netns test found it with 5 KB of 2 MB free when counting began,
 * so the counted code's first few kilobytes set off a collection that was not theirs.
 */
export function flushYoungGeneration(): boolean {
  let used = youngBytes();
  try {
    for (let i = 0; i < FLUSH_MAX_ARRAYS; i++) {
      _flushSink = new Array<number>(FLUSH_ARRAY_ELEMENTS).fill(i);
      const now = youngBytes();
      if (now < used) return true;
      used = now;
    }
    return false;
  } finally {
    _flushSink = [];
  }
}

/**
 * Counts the calling thread's garbage collections from construction to {@link GcCounter.stop}.
 * It starts from an emptied young generation ({@link flushYoungGeneration}), so a collection
 * it counts is one the counted code's own allocations caused. V8's GC callbacks record each
 * one as it ends (`v8.GCProfiler`), so a thread that never yields to its event loop is counted
 * too; `PerformanceObserver` entries would arrive only when the loop turns, and some after the
 * observer stopped.
 */
export class GcCounter {
  readonly #profiler = new GCProfiler();

  constructor() {
    flushYoungGeneration();
    this.#profiler.start();
  }

  /** Stops counting; returns the collections seen. */
  stop(): number {
    return this.#profiler.stop()?.statistics.length ?? 0;
  }
}
