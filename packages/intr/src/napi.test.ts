import { closeSync, readSync, writeSync } from 'node:fs';
import { pipe } from '@nic/native';
import { afterEach, describe, expect, it } from 'vitest';
import { NapiControl, NapiState, runNapiLoop, type NapiLoopOptions } from './napi.js';
import { FdRxIntr, type RxQueueIntr } from './rxq.js';

const controls: NapiControl[] = [];
afterEach(() => {
  for (const c of controls.splice(0)) c.close();
});

/**
 * A scripted run: `script` lists what successive polls return; when it runs out the loop is
 * stopped. `log` records polls, arming, sleeping and disarming in order.
 */
function scripted(script: number[], extra: Partial<NapiLoopOptions> = {}): { log: string[]; control: NapiControl; run: () => ReturnType<typeof runNapiLoop> } {
  const control = NapiControl.create();
  controls.push(control);
  const log: string[] = [];
  const queue: RxQueueIntr = { fd: -1, enable: () => void log.push('arm'), disable: () => void log.push('disarm') };
  const poll = (budget: number): number => {
    const n = script.shift();
    if (n === undefined) {
      control.stop();
      return 0;
    }
    log.push(`poll:${n}/${budget}`);
    return n;
  };
  const wait = (ms: number): void => void log.push(`sleep:${ms}`);
  return { log, control, run: () => runNapiLoop({ poll, queues: [queue], control, wait, ...extra }) };
}

describe('runNapiLoop', () => {
  it('polls with its budget, arms after N empty polls, re-polls, sleeps, and disarms on waking', () => {
    const { log, run } = scripted([4, 0, 0, 0, 0, 2], { emptyPollsBeforeSleep: 3, budget: 16 });
    run();
    expect(log.slice(0, 9)).toEqual([
      'poll:4/16', 'poll:0/16', 'poll:0/16', 'poll:0/16', 'arm', 'poll:0/16', 'sleep:-1', 'disarm', 'poll:2/16',
    ]);
  });

  it('does not sleep when the re-poll after arming finds a packet (the race it closes)', () => {
    const { log, run } = scripted([0, 0, 1, 0, 0], { emptyPollsBeforeSleep: 2 });
    run();
    expect(log.slice(0, 5)).toEqual(['poll:0/32', 'poll:0/32', 'arm', 'poll:1/32', 'disarm']);
    expect(log).not.toContain('sleep:-1');
  });

  it('counts polls, packets and wakeups, and passes its sleep timeout', () => {
    const { log, control, run } = scripted([3, 0, 0, 5, 0, 0, 0], { emptyPollsBeforeSleep: 1, sleepTimeoutMs: 7 });
    const stats = run();
    expect(log.filter((l) => l === 'sleep:7')).toHaveLength(2);
    expect(stats).toMatchObject({ packets: 8, wakeups: 2 });
    // Seven scripted polls and the one that found the script empty.
    expect(stats.polls).toBe(8);
    expect(stats.pollMs).toBeGreaterThanOrEqual(0);
    expect(stats.sleepMs).toBeGreaterThanOrEqual(0);
    expect(control.stats()).toEqual(stats);
    expect(control.state).toBe(NapiState.STOPPED);
  });

  it('returns at once when stopped before it starts', () => {
    const { log, control, run } = scripted([1, 1]);
    control.stop();
    expect(control.stopRequested).toBe(true);
    expect(run().polls).toBe(0);
    expect(log).toEqual(['disarm']);
  });

  it('disarms and stops with the poll function\'s error', () => {
    const control = NapiControl.create();
    controls.push(control);
    const log: string[] = [];
    const queue: RxQueueIntr = { fd: -1, enable: () => void log.push('arm'), disable: () => void log.push('disarm') };
    let polls = 0;
    const poll = (): number => {
      if (++polls === 3) throw new Error('queue broke');
      return 0;
    };
    expect(() => runNapiLoop({ poll, queues: [queue], control, emptyPollsBeforeSleep: 1, wait: () => undefined })).toThrow('queue broke');
    expect(log.at(-1)).toBe('disarm');
    expect(control.state).toBe(NapiState.STOPPED);
  });

  it('rejects a budget or threshold that is not a positive integer', () => {
    const { run } = scripted([], { budget: 0 });
    expect(run).toThrow(TypeError);
    expect(scripted([], { emptyPollsBeforeSleep: 1.5 }).run).toThrow(TypeError);
  });

  it('wakes on a queue fd that is the queue itself and leaves what waits there to the poll (counterSize 0)', () => {
    const [r, w] = pipe({ nonblock: true });
    const control = NapiControl.create();
    controls.push(control);
    const buffer = Buffer.alloc(16);
    let polls = 0;
    let got = '';
    const poll = (): number => {
      // The first two polls see an empty queue; the third reads what woke the loop.
      if (++polls < 3) return 0;
      control.stop();
      try {
        const n = readSync(r, buffer);
        got += buffer.toString('utf8', 0, n);
        return n;
      } catch {
        return 0;
      }
    };
    try {
      writeSync(w, 'hello');
      const stats = runNapiLoop({ poll, queues: [new FdRxIntr(r)], control, emptyPollsBeforeSleep: 1 });
      expect(got).toBe('hello');
      expect(stats.wakeups).toBe(1);
    } finally {
      closeSync(r);
      closeSync(w);
    }
  });

  it('untilState resolves on a state change and false on timeout', async () => {
    const control = NapiControl.create();
    controls.push(control);
    expect(await control.untilState(NapiState.SLEEPING, 10)).toBe(false);
    const copy = new NapiControl(control.shared);
    const waiting = control.untilState(NapiState.SLEEPING, 5000);
    copy.setState(NapiState.SLEEPING);
    expect(await waiting).toBe(true);
    expect(control.state).toBe(NapiState.SLEEPING);
  });
});
