import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { waitForValue } from './spin-wait.js';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** CPU seconds the calling thread has used, from /proc/thread-self/stat (utime + stime). */
function threadCpuSeconds(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  // Fields after the command name (which may hold spaces) start at the state, field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[14 - 3]) + Number(fields[15 - 3])) / USER_HZ;
}

/** Times the calling thread has given up its CPU of its own accord (it slept), from /proc. */
function voluntarySwitches(): number {
  const status = readFileSync('/proc/thread-self/status', 'utf8');
  return Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1]);
}

/**
 * Starts a thread that stores each of `values` into `word[0]` in turn, `gapMs` apart, and
 * resolves when it has exited.
 */
function storeLater(word: Int32Array, values: number[], gapMs: number): Promise<number> {
  const worker = new Worker(
    `const { workerData: { buffer, values, gapMs } } = require('node:worker_threads');
     const word = new Int32Array(buffer);
     const pause = new Int32Array(new SharedArrayBuffer(4));
     for (const v of values) { Atomics.wait(pause, 0, 0, gapMs); Atomics.store(word, 0, v); }`,
    { eval: true, workerData: { buffer: word.buffer, values, gapMs } },
  );
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', resolve);
  });
}

/** Least wait of the sleep test: long enough for /proc's 10 ms CPU ticks to tell sleeping from spinning. */
const MIN_WAIT_MS = 500;
/** Sleeps the waiter must have made before it is let go: a spinner makes none. */
const SLEEPS = 100;
/** When the sleep test's store comes anyway, so that a spinning waiter fails instead of hanging. */
const STORE_DEADLINE_MS = 30_000;

/**
 * Starts a thread that stores `value` into `word[0]` once at least {@link MIN_WAIT_MS} have
 * passed and this process's main thread has given up its CPU {@link SLEEPS} times since it
 * counted `fromSwitches` (or at {@link STORE_DEADLINE_MS}), and resolves when it has exited. A
 * condition, not a time: on a loaded machine each sleep can take milliseconds.
 */
function storeAfterSleeps(word: Int32Array, value: number, fromSwitches: number): Promise<number> {
  const worker = new Worker(
    `const { readFileSync } = require('node:fs');
     const { workerData: { buffer, value, fromSwitches, sleeps, minMs, deadlineMs, pid } } = require('node:worker_threads');
     const word = new Int32Array(buffer);
     const pause = new Int32Array(new SharedArrayBuffer(4));
     const switches = () => Number(/^voluntary_ctxt_switches:\\s+(\\d+)$/m.exec(readFileSync('/proc/' + pid + '/task/' + pid + '/status', 'utf8'))[1]);
     const start = Date.now();
     while (Date.now() - start < deadlineMs && (Date.now() - start < minMs || switches() - fromSwitches < sleeps)) Atomics.wait(pause, 0, 0, 1);
     Atomics.store(word, 0, value);`,
    { eval: true, workerData: { buffer: word.buffer, value, fromSwitches, sleeps: SLEEPS, minMs: MIN_WAIT_MS, deadlineMs: STORE_DEADLINE_MS, pid: process.pid } },
  );
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', resolve);
  });
}

describe('waitForValue', () => {
  it('returns only when another thread stores the wanted value, passing over other changes', async () => {
    const word = new Int32Array(new SharedArrayBuffer(4));
    const exited = storeLater(word, [1, 2, 3], 20);
    waitForValue(word, 0, 3);
    expect(Atomics.load(word, 0)).toBe(3);
    await exited;
  });

  it('gives up its CPU during a long wait instead of spinning', async () => {
    const word = new Int32Array(new SharedArrayBuffer(4));
    const wall = performance.now();
    const cpu = threadCpuSeconds();
    const switches = voluntarySwitches();
    const exited = storeAfterSleeps(word, 1, switches);
    waitForValue(word, 0, 1);
    const usedCpu = threadCpuSeconds() - cpu;
    const slept = voluntarySwitches() - switches;
    const waited = (performance.now() - wall) / 1000;
    await exited;
    // A spinning waiter never sleeps, so the store would come only at its deadline; this one
    // sleeps at most YIELD_MS at a time, so it reaches the count (thousands of times a second
    // on an idle machine, fewer when every sleep overruns on a loaded one).
    expect(slept).toBeGreaterThanOrEqual(SLEEPS);
    expect(waited).toBeLessThan(STORE_DEADLINE_MS / 1000);
    // And it uses well under the whole wait, which a spinner would (or its share of a CPU
    // under load). The sleeps' system calls are the CPU it does use: a quarter of the wait
    // was seen on a machine at load 4, so the bound is half.
    expect(usedCpu).toBeLessThan(waited / 2);
  });
});
