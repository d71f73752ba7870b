/**
 * What a worker lcore runs (loaded by URL from dist): the forwarding loop over the streams
 * the main lcore gave it, until the shared state says stop. It reports the JS heap before and
 * after forwarding and the garbage collections that ran meanwhile: a loop that allocates
 * nothing per packet leaves both flat.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { getHeapStatistics } from 'node:v8';
import { lcoreArena, lcoreId } from '@nic/eal';
import './drivers.js';
import { GcCounter } from './gc-counter.js';
import { ForwardLoop, type LoopSetup } from './loop.js';
import { SharedState } from './shared.js';

/** Passes before the heap is first measured: the JIT compiles the loop during the first ones. */
const WARMUP_PASSES = 10_000;

/** What the main lcore sends a worker lcore. */
export interface LcoreTask {
  readonly setup: LoopSetup;
  /** The {@link SharedState} buffer. */
  readonly shared: SharedArrayBuffer;
}

/** What a worker lcore reports when it stops. */
export interface LcoreReport {
  readonly lcore: number;
  /** Passes over its streams. */
  readonly passes: number;
  /** Bytes of JS heap in use after the first {@link WARMUP_PASSES} passes. */
  readonly heapBefore: number;
  /** Bytes of JS heap in use when forwarding stopped. */
  readonly heapAfter: number;
  /** Garbage collections while forwarding, after the warm-up passes. */
  readonly gcs: number;
}

/** The forwarding loop of a worker lcore (the export `remoteLaunch` names). */
export async function forwardLcore(task: LcoreTask): Promise<LcoreReport> {
  const arena = lcoreArena();
  if (arena === undefined) throw new Error('nic-fwd: this thread is no lcore of a running EAL');
  const shared = new SharedState(task.shared);
  const loop = new ForwardLoop(arena, shared, task.setup);
  let passes = 0;
  for (; passes < WARMUP_PASSES && !shared.stopped(); passes++) loop.runPass();
  const gcs = new GcCounter();
  const heapBefore = getHeapStatistics().used_heap_size;
  for (; !shared.stopped(); passes++) loop.runPass();
  const heapAfter = getHeapStatistics().used_heap_size;
  // GC entries arrive on the event loop, which the loop above kept busy.
  await nextTurn();
  loop.finish();
  return { lcore: lcoreId(), passes, heapBefore, heapAfter, gcs: gcs.stop() };
}
