import { afterEach, describe, expect, it } from 'vitest';
import { setLogSink } from '@nic/eal';
import { codeOf } from './__fixtures__/errors.js';
import { deferred, openFdCount } from './__fixtures__/fds.js';
import { Alarms } from './alarm.js';
import { IntrHandleType } from './handle.js';
import { ANY_ARG, IntrThread } from './thread.js';

const made: { thread: IntrThread; alarms: Alarms }[] = [];
afterEach(() => {
  for (const { thread, alarms } of made.splice(0)) {
    alarms.close();
    thread.close();
  }
});

function setup(): { thread: IntrThread; alarms: Alarms } {
  const thread = new IntrThread();
  const alarms = new Alarms(thread);
  made.push({ thread, alarms });
  return { thread, alarms };
}

describe('Alarms', () => {
  it('runs alarms in deadline order, the same delay in the order they were set', async () => {
    const { alarms } = setup();
    const order: string[] = [];
    const done = deferred('the last alarm');
    const note = (tag: string): void => {
      order.push(tag);
      if (order.length === 5) done.resolve();
    };
    alarms.set(30_000, note, 'c');
    alarms.set(10_000, note, 'a');
    alarms.set(20_000, note, 'b1');
    alarms.set(20_000, note, 'b2');
    alarms.set(40_000, note, 'd');
    await done.promise;
    expect(order).toEqual(['a', 'b1', 'b2', 'c', 'd']);
    expect(alarms.size).toBe(0);
  });

  it('fires no earlier than asked', async () => {
    const { alarms } = setup();
    const start = performance.now();
    const fired = deferred<number>('the alarm');
    alarms.set(15_000, () => fired.resolve(performance.now()), undefined);
    expect((await fired.promise) - start).toBeGreaterThanOrEqual(15);
  });

  it('cancel removes every match and returns the count; ANY_ARG matches all arguments', async () => {
    const { alarms } = setup();
    const fired: string[] = [];
    const cb = (tag: string): void => void fired.push(tag);
    const other = (tag: string): void => void fired.push(`other:${tag}`);
    alarms.set(5_000, cb, 'x');
    alarms.set(6_000, cb, 'x');
    alarms.set(7_000, cb, 'y');
    alarms.set(8_000, other, 'x');
    expect(alarms.cancel(cb, 'x')).toBe(2);
    expect(alarms.lastCancelStatus).toBeUndefined();
    expect(alarms.cancel(cb, 'x')).toBe(0);
    expect(alarms.lastCancelStatus).toBe('ENOENT');
    alarms.set(9_000, cb, 'z');
    expect(alarms.cancel(cb, ANY_ARG)).toBe(2);
    const done = deferred('the remaining alarm');
    alarms.set(10_000, () => done.resolve(), undefined);
    await done.promise;
    expect(fired).toEqual(['other:x']);
  });

  it('cancelling the running alarm from its own callback reports EINPROGRESS and removes the others', async () => {
    const { alarms } = setup();
    const seen: { count: number; status: string | undefined }[] = [];
    const done = deferred('the callback');
    const cb = (): void => {
      seen.push({ count: alarms.cancel(cb, ANY_ARG), status: alarms.lastCancelStatus });
      done.resolve();
    };
    alarms.set(1_000, cb, 1);
    alarms.set(500_000, cb, 2);
    await done.promise;
    expect(seen).toEqual([{ count: 1, status: 'EINPROGRESS' }]);
    expect(alarms.size).toBe(0);
  });

  it('lets a callback re-arm itself (periodic work, as ixgbe does)', async () => {
    const { alarms } = setup();
    let runs = 0;
    const done = deferred('the fifth run');
    const tick = (): void => {
      if (++runs < 5) alarms.set(1_000, tick, undefined);
      else done.resolve();
    };
    alarms.set(1_000, tick, undefined);
    await done.promise;
    expect(runs).toBe(5);
    expect(alarms.size).toBe(0);
  });

  it('re-arms the timer for a new earlier head and after cancelling the head', async () => {
    const { alarms } = setup();
    const order: string[] = [];
    const done = deferred('the later alarm');
    const late = (): void => {
      order.push('late');
      done.resolve();
    };
    const cancelled = (): void => void order.push('cancelled');
    alarms.set(60_000_000, late, undefined);
    alarms.set(2_000, cancelled, undefined);
    expect(alarms.cancel(cancelled, ANY_ARG)).toBe(1);
    // The timer still points at the cancelled head: its expiry must re-arm for `late`.
    expect(alarms.cancel(late, ANY_ARG)).toBe(1);
    alarms.set(4_000, late, undefined);
    await done.promise;
    expect(order).toEqual(['late']);
  });

  it('rejects a delay below 1 us, a non-finite one and a missing callback', () => {
    const { alarms } = setup();
    const cb = (): void => undefined;
    for (const us of [0, 0.5, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 2]) {
      expect(codeOf(() => alarms.set(us, cb, undefined))).toBe('NIC_EINVAL');
    }
    expect(codeOf(() => alarms.set(10, null as unknown as typeof cb, undefined))).toBe('TypeError');
    expect(codeOf(() => alarms.cancel(null as unknown as typeof cb, ANY_ARG))).toBe('TypeError');
    expect(alarms.size).toBe(0);
  });

  it('registers its timerfd with the thread at the first alarm, and close releases everything', () => {
    const before = openFdCount();
    const thread = new IntrThread();
    const alarms = new Alarms(thread);
    expect(alarms.handle.type).toBe(IntrHandleType.ALARM);
    expect(thread.sources()).toEqual([]);
    alarms.set(1_000_000, () => undefined, undefined);
    expect(thread.sources()).toEqual([alarms.handle.fd]);
    alarms.close();
    alarms.close();
    expect(thread.sources()).toEqual([]);
    expect(codeOf(() => alarms.set(10, () => undefined, undefined))).toBe('NIC_ENODEV');
    thread.close();
    expect(openFdCount()).toBe(before);
  });

  it('a throwing alarm is logged and does not stop the next one', async () => {
    const { alarms } = setup();
    const logged: string[] = [];
    const previous = setLogSink((r) => void logged.push(r.message));
    const done = deferred('the second alarm');
    alarms.set(1_000, () => {
      throw new Error('alarm failure');
    }, undefined);
    alarms.set(1_000, () => done.resolve(), undefined);
    await done.promise;
    setLogSink(previous);
    expect(logged.some((m) => m.includes('alarm failure'))).toBe(true);
  });
});
