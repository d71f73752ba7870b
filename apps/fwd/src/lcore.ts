/**
 * What a worker lcore runs (loaded by URL from dist): the forwarding loop over the streams
 * the main lcore gave it, until the shared state says stop. It reports the JS heap before and
 * after forwarding and the garbage collections that ran meanwhile: a loop that allocates
 * nothing per packet leaves both flat. With `--rx-interrupts` the passes run inside the
 * NAPI-style loop of @nic/intr, which sleeps on the rx queues' interrupts when they are idle;
 * with `--pmd-mgmt=pause`, inside its pause loop, which pauses the thread after empty polls.
 */
import { getHeapStatistics } from 'node:v8';
import { lcoreArena, lcoreId } from '@nic/eal';
import { rxQueueIntr } from '@nic/ethdev';
import { NapiControl, runNapiLoop, runPauseLoop, type NapiControlShared, type NapiStats } from '@nic/intr';
import './drivers.js';
import { GcCounter } from './gc-counter.js';
import { ENGINES } from './engines/index.js';
import { ForwardLoop, type LoopSetup } from './loop.js';
import { SharedState } from './shared.js';

/**
 * Passes between two looks at the stop flag: V8 calls its Atomics.load builtin there rather
 * than inlining it, some 50 guest instructions under TCG (the guest-work bench's profile).
 */
const STOP_CHECK_PASSES = 16;
/** Passes before the heap is first measured: the JIT compiles the loop during the first ones. */
const WARMUP_PASSES = 10_000;
/**
 * Passes that moved packets before the heap is first measured: the packet path is compiled
 * (and the idle loop's code deoptimized and compiled again) only once traffic comes, and
 * that one-off work grows the heap (about 300 KB once in the netns test), which belongs to
 * the warm-up, not to the counted window.
 */
const WARMUP_BUSY_PASSES = 1_000;

/** What the main lcore sends a worker lcore. */
export interface LcoreTask {
  readonly setup: LoopSetup;
  /** The {@link SharedState} buffer. */
  readonly shared: SharedArrayBuffer;
  /** With `--rx-interrupts` or `--pmd-mgmt`: the control block of this lcore's loop. */
  readonly napi?: NapiControlShared;
  /** With `--pmd-mgmt=pause`: microseconds per pause (the loop pauses instead of arming interrupts). */
  readonly pauseUs?: number;
  /** `--max-empty-poll`: empty polls in a row before the loop sleeps or pauses. */
  readonly maxEmptyPoll?: number;
}

/** What a worker lcore reports when it stops. */
export interface LcoreReport {
  readonly lcore: number;
  /** Passes over its streams. */
  readonly passes: number;
  /**
   * Bytes of JS heap in use after the warm-up: {@link WARMUP_PASSES} passes of which
   * {@link WARMUP_BUSY_PASSES} moved packets (with `--rx-interrupts`: at the start). When
   * forwarding stopped within the warm-up, at the stop.
   */
  readonly heapBefore: number;
  /** Bytes of JS heap in use when forwarding stopped. */
  readonly heapAfter: number;
  /** Garbage collections while forwarding, after the warm-up (with `--rx-interrupts`: all). */
  readonly gcs: number;
  /** With `--rx-interrupts` or `--pmd-mgmt`: how the lcore polled and slept. */
  readonly napi?: NapiStats;
  /** With `--pmd-mgmt=pause`: microseconds per pause. */
  readonly pauseUs?: number;
}

/** The forwarding loop of a worker lcore (the export `remoteLaunch` names). */
export async function forwardLcore(task: LcoreTask): Promise<LcoreReport> {
  const arena = lcoreArena();
  if (arena === undefined) throw new Error('nic-fwd: this thread is no lcore of a running EAL');
  const shared = new SharedState(task.shared);
  const loop = new ForwardLoop(arena, shared, task.setup);
  // With --rx-interrupts or --pmd-mgmt there is no busy warm-up (the loop is to sleep from
  // the start), so the heap figures include the JIT's.
  const warmup = task.napi === undefined ? WARMUP_PASSES : 0;
  const busyWarmup = task.napi === undefined ? WARMUP_BUSY_PASSES : 0;
  let passes = 0;
  for (let busy = 0; (passes < warmup || busy < busyWarmup) && !shared.stopped(); passes++) if (loop.runPass() > 0) busy++;
  const gcs = new GcCounter();
  const heapBefore = getHeapStatistics().used_heap_size;
  let napi: NapiStats | undefined;
  if (task.napi === undefined) {
    for (; !shared.stopped(); passes += STOP_CHECK_PASSES) for (let i = 0; i < STOP_CHECK_PASSES; i++) loop.runPass();
  } else {
    const control = new NapiControl(task.napi);
    const poll = (): number => loop.runPass();
    const budget = task.setup.burst;
    if (task.pauseUs !== undefined) {
      napi = runPauseLoop({ poll, control, budget, pauseUs: task.pauseUs, emptyPollsBeforePause: task.maxEmptyPoll });
    } else {
      const queues = task.setup.streams.filter((s) => ENGINES[s.mode].receives).map((s) => rxQueueIntr(s.rxPort, s.rxQueue));
      napi = runNapiLoop({ poll, queues, control, budget, emptyPollsBeforeSleep: task.maxEmptyPoll });
    }
    passes = napi.polls;
  }
  const heapAfter = getHeapStatistics().used_heap_size;
  const collections = gcs.stop();
  loop.finish();
  return { lcore: lcoreId(), passes, heapBefore, heapAfter, gcs: collections, ...(napi && { napi }), ...(task.pauseUs !== undefined && { pauseUs: task.pauseUs }) };
}
