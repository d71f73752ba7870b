import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { untilSlot } from './__fixtures__/slots.js';
import { NapiControl, NapiState, type NapiStats } from './napi.js';
import { PAUSE_MAX_US, runPauseLoop, startPauseWatchdog, type PauseLoopOptions } from './pause.js';

const DIST = new URL('../dist/index.js', import.meta.url);
/** While pausing for 1 ms after each empty poll the lcore may use under 20% of a CPU; a loop that spun would use all of it. */
const IDLE_CPU_LIMIT = 0.2;
/** Polls the idle lcore makes before it is stopped: about 200 ms of 1 ms pauses. */
const IDLE_POLLS = 200;

const controls: NapiControl[] = [];
afterEach(() => {
  for (const c of controls.splice(0)) c.close();
});

function newControl(): NapiControl {
  const control = NapiControl.create();
  controls.push(control);
  return control;
}

/**
 * A scripted run on this thread: `script` lists what successive polls return; when it runs
 * out the loop is stopped. Each poll records how many pauses came before it.
 */
function scripted(script: number[], extra: Partial<PauseLoopOptions> = {}): { pausesBefore: number[]; control: NapiControl; run: () => NapiStats } {
  const control = newControl();
  const pausesBefore: number[] = [];
  const poll = (): number => {
    pausesBefore.push(control.stats().wakeups);
    const n = script.shift();
    if (n === undefined) control.stop();
    return n ?? 0;
  };
  return { pausesBefore, control, run: () => runPauseLoop({ poll, control, pauseUs: 1, ...extra }) };
}

describe('runPauseLoop', () => {
  it('pauses after each empty poll from the threshold on, until a poll finds packets', () => {
    const { pausesBefore, control, run } = scripted([2, 0, 0, 0, 0, 0, 3, 0, 0], { emptyPollsBeforePause: 3, budget: 8 });
    const stats = run();
    // The third, fourth and fifth empty polls in a row are each followed by a pause; the 3
    // resets the count, and the two empty polls after it stay below the threshold. The poll
    // that found the script empty (and stopped the loop) is not followed by one.
    expect(pausesBefore).toEqual([0, 0, 0, 0, 1, 2, 3, 3, 3, 3]);
    expect(stats).toMatchObject({ wakeups: 3, packets: 5, polls: 10 });
    expect(stats.sleepMs).toBeGreaterThan(0);
    expect(control.stats()).toEqual(stats);
    expect(control.state).toBe(NapiState.STOPPED);
  });

  it('passes its budget to every poll', () => {
    const control = newControl();
    const budgets: number[] = [];
    runPauseLoop({
      poll: (budget) => {
        budgets.push(budget);
        if (budgets.length === 3) control.stop();
        return 1;
      },
      control,
    });
    expect(budgets).toEqual([32, 32, 32]);
  });

  it('returns at once when stopped before it starts', () => {
    const { pausesBefore, control, run } = scripted([0, 0]);
    control.stop();
    expect(run().polls).toBe(0);
    expect(pausesBefore).toEqual([]);
  });

  it('stops with the poll function\'s error', () => {
    const control = newControl();
    let polls = 0;
    const poll = (): number => {
      if (++polls === 3) throw new Error('queue broke');
      return 0;
    };
    expect(() => runPauseLoop({ poll, control, emptyPollsBeforePause: 1, pauseUs: 1 })).toThrow('queue broke');
    expect(control.state).toBe(NapiState.STOPPED);
    expect(control.stats().wakeups).toBe(2);
  });

  it.each([
    [{ budget: 0 }, 'budget'],
    [{ emptyPollsBeforePause: 1.5 }, 'emptyPollsBeforePause'],
    [{ pauseUs: 0 }, 'pauseUs'],
    [{ pauseUs: Number.NaN }, 'pauseUs'],
    [{ pauseUs: PAUSE_MAX_US + 1 }, 'at most'],
  ])('rejects %j without polling', (extra, message) => {
    const { pausesBefore, control, run } = scripted([1], extra);
    expect(run).toThrow(TypeError);
    expect(run).toThrow(message);
    expect(pausesBefore).toEqual([]);
    expect(control.state).toBe(NapiState.IDLE);
  });
});

describe('the pause loop on a worker thread', () => {
  beforeAll(() => {
    if (!existsSync(DIST)) throw new Error(`${DIST.pathname} is missing: run \`npm run build -w @nic/intr\` (workers load the built package)`);
  });

  async function startWorker(pauseUs: number): Promise<{ control: NapiControl; polls: Int32Array; result: Promise<[{ stats: NapiStats; cpuNs: number }]>; started: number }> {
    const control = newControl();
    const sab = new SharedArrayBuffer(4);
    const worker = new Worker(new URL('./__fixtures__/pause-worker.mjs', import.meta.url), { workerData: { sab, control: control.shared, pauseUs } });
    const result = once(worker, 'message') as Promise<[{ stats: NapiStats; cpuNs: number }]>;
    await once(worker, 'online');
    return { control, polls: new Int32Array(sab), result, started: performance.now() };
  }

  it('cuts a pause short on stop', async () => {
    // The first empty poll starts a pause of a whole second; the stop ends it.
    const { control, polls, result } = await startWorker(PAUSE_MAX_US);
    await untilSlot(polls, 0, (v) => v >= 1, 10_000, "a first poll");
    // The loop is in its pause (a stop before it would end the loop with no pause at all).
    expect(await control.untilState(NapiState.SLEEPING, 10_000)).toBe(true);
    control.stop();
    const [{ stats }] = await result;
    // One poll and one pause, cut short; on a host slow enough to notice the pause only after
    // it ended by itself, the later one is the one cut short.
    expect(stats.wakeups).toBeGreaterThanOrEqual(1);
    expect(stats.wakeups).toBe(stats.polls);
    expect(stats.sleepMs).toBeLessThan(stats.wakeups * (PAUSE_MAX_US / 1000) - PAUSE_MAX_US / 1000 / 2);
  });

  it('ends pauses early while a watchdog kicks', async () => {
    // Pauses of a whole second: without the kicks, 20 polls would take 19 s.
    const { control, polls, result } = await startWorker(PAUSE_MAX_US);
    const stopWatchdog = startPauseWatchdog([control], 5);
    try {
      await untilSlot(polls, 0, (v) => v >= 20, 5000, "20 polls");
    } finally {
      stopWatchdog();
      control.stop();
    }
    const [{ stats }] = await result;
    expect(stats.wakeups).toBeGreaterThanOrEqual(19);
    expect(stats.sleepMs).toBeLessThan(5000);
  });

  it(`uses under ${IDLE_CPU_LIMIT * 100}% of a CPU while idle with 1 ms pauses`, async () => {
    const { control, polls, result, started } = await startWorker(1000);
    await untilSlot(polls, 0, (v) => v >= IDLE_POLLS, 30_000, `${IDLE_POLLS} polls`);
    control.stop();
    const [{ stats, cpuNs }] = await result;
    const wallNs = (performance.now() - started) * 1e6;
    // One pause after every poll but the last.
    expect(stats.wakeups).toBeGreaterThanOrEqual(stats.polls - 1);
    expect(stats.sleepMs).toBeGreaterThan(stats.pollMs);
    expect(cpuNs / wallNs).toBeLessThan(IDLE_CPU_LIMIT);
  });
});
