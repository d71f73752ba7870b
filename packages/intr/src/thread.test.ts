import { afterEach, describe, expect, it } from 'vitest';
import { setLogSink, type LogRecord } from '@nic/eal';
import { closeFd, eventfd, eventfdWrite } from '@nic/native';
import { codeOf } from './__fixtures__/errors.js';
import { deferred, openFdCount, pipePair } from './__fixtures__/fds.js';
import { IntrHandle, IntrHandleType } from './handle.js';
import { ANY_ARG, IntrThread } from './thread.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A thread and an eventfd source of `type`, both released after the test. */
function setup(type: IntrHandleType = IntrHandleType.VFIO_MSI): { thread: IntrThread; fd: number; handle: IntrHandle } {
  const thread = new IntrThread();
  const fd = eventfd(0, { nonblock: true });
  cleanups.push(() => closeFd(fd), () => thread.close());
  return { thread, fd, handle: new IntrHandle({ type, fd }) };
}

/** Captures `eal.intr` log records until the test ends. */
function captureLog(): LogRecord[] {
  const records: LogRecord[] = [];
  const previous = setLogSink((r) => {
    if (r.type === 'eal.intr') records.push(r);
    else previous(r);
  });
  cleanups.push(() => setLogSink(previous));
  return records;
}

describe('IntrThread dispatch', () => {
  it('calls a source\'s callbacks in registration order, a repeated pair twice', async () => {
    const { thread, fd, handle } = setup();
    const order: string[] = [];
    const done = deferred('the last callback');
    const a = (tag: string): void => void order.push(`a:${tag}`);
    const b = (tag: string): void => void order.push(`b:${tag}`);
    thread.register(handle, a, 'x');
    thread.register(handle, b, 'y');
    thread.register(handle, a, 'x');
    thread.register(handle, () => done.resolve(), undefined);
    eventfdWrite(fd, 1);
    await done.promise;
    expect(order).toEqual(['a:x', 'b:y', 'a:x']);
  });

  it('treats two handles with one fd as one source', () => {
    const { thread, handle } = setup();
    const twin = new IntrHandle({ type: IntrHandleType.VFIO_MSI, fd: handle.fd });
    thread.register(handle, () => undefined, 1);
    thread.register(twin, () => undefined, 2);
    expect(thread.callbackCount(handle)).toBe(2);
    expect(thread.sources()).toEqual([handle.fd]);
    expect(thread.unregisterAll(twin)).toBe(2);
    expect(thread.sources()).toEqual([]);
  });

  it('consumes the eventfd counter before dispatch: one write, one call', async () => {
    const { thread, fd, handle } = setup();
    let calls = 0;
    thread.register(handle, () => void calls++, undefined);
    // A second source that re-fires itself counts loop turns without sleeping.
    const probeFd = eventfd(0, { nonblock: true });
    cleanups.push(() => closeFd(probeFd));
    const probe = new IntrHandle({ type: IntrHandleType.VFIO_MSI, fd: probeFd });
    const turns = deferred('three loop turns');
    let probeCalls = 0;
    thread.register(probe, () => {
      if (++probeCalls < 3) eventfdWrite(probeFd, 1);
      else turns.resolve();
    }, undefined);
    eventfdWrite(fd, 5);
    eventfdWrite(probeFd, 1);
    await turns.promise;
    expect(calls).toBe(1);
  });

  it('logs a throwing callback and still runs the next one', async () => {
    const records = captureLog();
    const { thread, fd, handle } = setup();
    const next = deferred('the callback after the throwing one');
    thread.register(handle, () => {
      throw new Error('boom');
    }, undefined);
    thread.register(handle, () => next.resolve(), undefined);
    eventfdWrite(fd, 1);
    await next.promise;
    expect(records.some((r) => r.message.includes('boom'))).toBe(true);
  });

  it('runs a callback registered from a callback in the same round', async () => {
    const { thread, fd, handle } = setup();
    const late = deferred('the late callback');
    let added = false;
    thread.register(handle, () => {
      if (!added) thread.register(handle, () => late.resolve(), undefined);
      added = true;
    }, undefined);
    eventfdWrite(fd, 1);
    await late.promise;
    expect(thread.callbackCount(handle)).toBe(2);
  });

  it('removes a source that reaches end of file, without calling it', async () => {
    const records = captureLog();
    const thread = new IntrThread();
    cleanups.push(() => thread.close());
    const pair = pipePair();
    const handle = new IntrHandle({ type: IntrHandleType.UNKNOWN, fd: pair.readFd });
    let calls = 0;
    thread.register(handle, () => void calls++, undefined);
    const removed = deferred('the end-of-file removal');
    const sink = setLogSink((r) => {
      records.push(r);
      if (r.message.includes('end of file')) removed.resolve();
    });
    cleanups.push(() => setLogSink(sink));
    closeFd(pair.writeFd);
    await removed.promise;
    expect(calls).toBe(0);
    expect(thread.sources()).toEqual([]);
    closeFd(pair.readFd);
  });
});

describe('IntrThread unregister', () => {
  it('refuses to unregister from inside a callback of the source (NIC_EAGAIN), allows it after', async () => {
    const { thread, fd, handle } = setup();
    const codes: (string | undefined)[] = [];
    const done = deferred('the callback');
    const cb = (): void => {
      codes.push(codeOf(() => thread.unregister(handle, cb, undefined)));
      codes.push(codeOf(() => thread.unregisterAll(handle)));
      done.resolve();
    };
    thread.register(handle, cb, undefined);
    eventfdWrite(fd, 1);
    await done.promise;
    expect(codes).toEqual(['NIC_EAGAIN', 'NIC_EAGAIN']);
    expect(thread.unregister(handle, cb, undefined)).toBe(1);
  });

  it('lets a callback of another source unregister this one', async () => {
    const { thread, fd, handle } = setup();
    const other = new IntrHandle({ type: IntrHandleType.VFIO_MSI, fd: eventfd(0, { nonblock: true }) });
    cleanups.push(() => closeFd(other.fd));
    const victim = (): void => undefined;
    thread.register(other, victim, undefined);
    const done = deferred('the callback');
    let removed = -1;
    thread.register(handle, () => {
      removed = thread.unregister(other, victim, ANY_ARG);
      done.resolve();
    }, undefined);
    eventfdWrite(fd, 1);
    await done.promise;
    expect(removed).toBe(1);
  });

  it('unregisterPending marks callbacks, removes them after the dispatch and calls ucb', async () => {
    const { thread, fd, handle } = setup();
    const ucbCalls: [IntrHandle, unknown][] = [];
    let selfCalls = 0;
    let marked = -1;
    const first = deferred('the first dispatch');
    const self = (arg: string): void => {
      selfCalls++;
      marked = thread.unregisterPending(handle, self, ANY_ARG, (h, a) => void ucbCalls.push([h, a]));
      // Marked callbacks stay until the dispatch ends: marking again finds nothing new.
      expect(thread.unregisterPending(handle, self, arg)).toBe(0);
      first.resolve();
    };
    thread.register(handle, self, 'me');
    let keeperCalls = 0;
    const second = deferred('the second dispatch');
    thread.register(handle, () => {
      if (++keeperCalls === 2) second.resolve();
    }, undefined);
    eventfdWrite(fd, 1);
    await first.promise;
    expect(marked).toBe(1);
    await Promise.resolve();
    expect(ucbCalls).toEqual([[handle, 'me']]);
    expect(thread.callbackCount(handle)).toBe(1);
    eventfdWrite(fd, 1);
    await second.promise;
    expect(selfCalls).toBe(1);
  });

  it('unregisterPending outside a dispatch is NIC_EAGAIN, and without a source NIC_ENOENT', () => {
    const { thread, handle } = setup();
    const cb = (): void => undefined;
    expect(codeOf(() => thread.unregisterPending(handle, cb, ANY_ARG))).toBe('NIC_ENOENT');
    thread.register(handle, cb, undefined);
    expect(codeOf(() => thread.unregisterPending(handle, cb, ANY_ARG))).toBe('NIC_EAGAIN');
  });

  it('drops a source whose last callback was marked pending', async () => {
    const { thread, fd, handle } = setup();
    const gone = deferred<IntrHandle>('ucb');
    const cb = (): void => void thread.unregisterPending(handle, cb, ANY_ARG, (h) => gone.resolve(h));
    thread.register(handle, cb, undefined);
    eventfdWrite(fd, 1);
    expect(await gone.promise).toBe(handle);
    expect(thread.sources()).toEqual([]);
  });

  it('close stops watching and refuses later registrations with NIC_ENODEV', () => {
    const { thread, handle } = setup();
    thread.register(handle, () => undefined, undefined);
    thread.close();
    expect(thread.sources()).toEqual([]);
    expect(codeOf(() => thread.register(handle, () => undefined, undefined))).toBe('NIC_ENODEV');
  });

  it('refuses an fd the watcher cannot poll', () => {
    const thread = new IntrThread();
    cleanups.push(() => thread.close());
    const handle = new IntrHandle({ type: IntrHandleType.UNKNOWN, fd: 987_654 });
    expect(codeOf(() => thread.register(handle, () => undefined, undefined))).toBe('NIC_EINVAL');
    expect(thread.sources()).toEqual([]);
  });
});

describe('IntrThread under load', () => {
  it('1000 register/unregister cycles while another source fires: no lost or duplicated callbacks, no fd left open', async () => {
    const fdsBefore = openFdCount();
    const thread = new IntrThread();
    const steadyFd = eventfd(0, { nonblock: true });
    const steady = new IntrHandle({ type: IntrHandleType.VFIO_MSIX, fd: steadyFd });

    // The steady source re-fires itself from its callback: one write, one call, while running.
    let steadyCalls = 0;
    let steadyWrites = 0;
    let firing = true;
    let tickWaiter: { at: number; resolve: () => void } | undefined;
    thread.register(steady, () => {
      steadyCalls++;
      if (tickWaiter && steadyCalls >= tickWaiter.at) tickWaiter.resolve();
      if (firing) {
        steadyWrites++;
        eventfdWrite(steadyFd, 1);
      }
    }, undefined);
    const steadyTicks = (n: number): Promise<void> => {
      const d = deferred(`${n} steady dispatches`);
      tickWaiter = { at: steadyCalls + n, resolve: d.resolve };
      return d.promise;
    };
    steadyWrites++;
    eventfdWrite(steadyFd, 1);

    const CYCLES = 1000;
    let cycleCalls = 0;
    let extraCalls = 0;
    let extraExpected = 0;
    const extra = (): void => void extraCalls++;
    for (let i = 0; i < CYCLES; i++) {
      const fd = eventfd(0, { nonblock: true });
      const handle = new IntrHandle({ type: i % 2 === 0 ? IntrHandleType.VFIO_MSI : IntrHandleType.VFIO_LEGACY, fd });
      let calls = 0;
      const fired = deferred(`cycle ${i}`);
      const cb = (arg: number): void => {
        expect(arg).toBe(i);
        calls++;
        fired.resolve();
      };
      thread.register(handle, cb, i);
      // A callback joins and leaves the firing source too.
      const joinedAt = steadyCalls;
      thread.register(steady, extra, i);
      eventfdWrite(fd, 1);
      await fired.promise;
      // Two more turns of the loop: a duplicate would have shown by now.
      await steadyTicks(2);
      expect(calls).toBe(1);
      expect(thread.unregister(handle, cb, i)).toBe(1);
      expect(thread.unregister(steady, extra, i)).toBe(1);
      extraExpected += steadyCalls - joinedAt;
      closeFd(fd);
      cycleCalls += calls;
    }
    firing = false;
    await steadyTicks(1);
    expect(cycleCalls).toBe(CYCLES);
    expect(steadyCalls).toBe(steadyWrites);
    expect(extraCalls).toBe(extraExpected);
    expect(thread.sources()).toEqual([steadyFd]);
    thread.close();
    closeFd(steadyFd);
    expect(openFdCount()).toBe(fdsBefore);
  });
});
