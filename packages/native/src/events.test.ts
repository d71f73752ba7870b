import { spawnSync } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { until } from './testing/netns.js';
import {
  Epoll,
  NicError,
  closeFd,
  epollWait,
  eventfd,
  eventfdRead,
  eventfdWrite,
  timerfd,
  timerfdRead,
  timerfdSet,
  watchFd,
} from './index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How long an awaited condition may take on a loaded CI machine. */
const WAIT_MS = 20_000;

describe('eventfd', () => {
  it('counts writes and resets on read', () => {
    const fd = eventfd(2, { nonblock: true });
    eventfdWrite(fd, 3);
    eventfdWrite(fd);
    expect(eventfdRead(fd)).toBe(6);
    expect(eventfdRead(fd)).toBe(0);
    closeFd(fd);
  });

  it('semaphore mode takes one at a time', () => {
    const fd = eventfd(2, { semaphore: true, nonblock: true });
    expect(eventfdRead(fd)).toBe(1);
    expect(eventfdRead(fd)).toBe(1);
    expect(eventfdRead(fd)).toBe(0);
    closeFd(fd);
  });

  it('reports a closed fd as EBADF', () => {
    const fd = eventfd();
    closeFd(fd);
    expect(() => eventfdWrite(fd, 1)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL', errno: 9, syscall: 'write' }));
    expect(() => eventfdRead(fd)).toThrow(expect.objectContaining({ errno: 9, syscall: 'read' }));
    expect(() => closeFd(fd)).toThrow(expect.objectContaining({ errno: 9, syscall: 'close' }));
  });
});

describe('timerfd', () => {
  it('expires once, then periodically, and disarms', async () => {
    const fd = timerfd();
    expect(timerfdRead(fd)).toBe(0);
    timerfdSet(fd, 1000);
    let once = 0;
    await until('the one-shot expiry', () => (once = timerfdRead(fd)) > 0, WAIT_MS);
    expect(once).toBe(1);
    timerfdSet(fd, 1000, 1000);
    let periodic = 0;
    await until('six periodic expiries', () => (periodic += timerfdRead(fd)) > 5, WAIT_MS);
    timerfdSet(fd, 0);
    timerfdRead(fd);
    // A disarmed timer must stay silent: only a wait can show that nothing comes.
    await sleep(10);
    expect(timerfdRead(fd)).toBe(0);
    closeFd(fd);
  });
});

describe('watchFd', () => {
  it('calls back when an eventfd is written, until closed', async () => {
    const fd = eventfd();
    const values: number[] = [];
    const watcher = watchFd(fd, (readyFd) => values.push(eventfdRead(readyFd)));
    expect(watcher.active).toBe(true);
    eventfdWrite(fd, 4);
    await until('the first callback', () => values.length === 1, WAIT_MS);
    eventfdWrite(fd, 5);
    await until('the second callback', () => values.length === 2, WAIT_MS);
    watcher.close();
    watcher.close();
    eventfdWrite(fd, 6);
    // A closed watcher must stay silent: only a wait can show that no callback comes.
    await sleep(20);
    expect(values).toEqual([4, 5]);
    expect(watcher.active).toBe(false);
    closeFd(fd);
  });

  it('may be closed from inside its callback, and runs microtasks after it', async () => {
    const fd = eventfd(1);
    let calls = 0;
    let microtaskRan = false;
    await new Promise<void>((resolve) => {
      const watcher = watchFd(fd, () => {
        calls++;
        watcher.close();
        void Promise.resolve().then(() => {
          microtaskRan = true;
          resolve();
        });
      });
    });
    // The fd stays readable: only a wait can show that the closed watcher calls back no more.
    await sleep(20);
    expect(calls).toBe(1);
    expect(microtaskRan).toBe(true);
    closeFd(fd);
  });

  it('timerfd drives a watcher', async () => {
    const fd = timerfd();
    let expirations = 0;
    const watcher = watchFd(fd, (readyFd) => {
      expirations += timerfdRead(readyFd);
    });
    timerfdSet(fd, 2000, 2000);
    await until('six expiries through the watcher', () => expirations > 5, WAIT_MS);
    watcher.close();
    closeFd(fd);
  });

  it('an unref-ed watcher does not hold the loop; a ref-ed one may be re-ref-ed', () => {
    const fd = eventfd();
    const watcher = watchFd(fd, () => undefined).unref().ref().unref();
    expect(watcher.active).toBe(true);
    watcher.close();
    closeFd(fd);
  });

  it('refuses closed fds, regular files and a second watcher on the same fd', () => {
    const fd = eventfd();
    const watcher = watchFd(fd, () => undefined);
    expect(() => watchFd(fd, () => undefined)).toThrow(expect.objectContaining({ code: 'NIC_EEXIST' }));
    watcher.close();
    closeFd(fd);
    expect(() => watchFd(fd, () => undefined)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL', errno: 9 }));
    const file = openSync('/proc/self/status', 'r');
    expect(() => watchFd(file, () => undefined)).toThrow(NicError);
    closeSync(file);
  });
});

describe('epoll', () => {
  it('epollWait returns the readable fds, or none on timeout', () => {
    const a = eventfd();
    const b = eventfd(1);
    expect(epollWait([a, b], 0)).toEqual([b]);
    eventfdRead(b);
    const start = performance.now();
    expect(epollWait([a, b], 30)).toEqual([]);
    expect(performance.now() - start).toBeGreaterThanOrEqual(25);
    closeFd(a);
    closeFd(b);
  });

  it('an Epoll set adds, removes and waits into a reusable array', () => {
    const a = eventfd(1);
    const b = eventfd(1);
    const epoll = new Epoll();
    epoll.add(a);
    epoll.add(b);
    expect(() => epoll.add(a)).toThrow(expect.objectContaining({ code: 'NIC_EEXIST' }));
    const out = new Int32Array(4);
    expect(epoll.wait(out, 0)).toBe(2);
    expect(Array.from(out.subarray(0, 2)).sort()).toEqual([a, b].sort());
    epoll.remove(b);
    expect(() => epoll.remove(b)).toThrow(expect.objectContaining({ code: 'NIC_ENOENT' }));
    expect(epoll.wait(out, 0)).toBe(1);
    expect(out[0]).toBe(a);
    epoll.close();
    closeFd(a);
    closeFd(b);
  });

  it('a worker sleeping in epollWait is woken by an eventfd', async () => {
    const fds = [eventfd(), eventfd()];
    const worker = new Worker(new URL('./__fixtures__/epoll-worker.mjs', import.meta.url), { workerData: { fds } });
    const messages: Record<string, unknown>[] = [];
    const woken = new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.on('message', (message: Record<string, unknown>) => {
        messages.push(message);
        if (message.kind === 'woken') resolve(message);
      });
      worker.once('error', reject);
    });
    while (messages.length === 0) await sleep(5);
    await sleep(100);
    eventfdWrite(fds[1], 42);
    const result = await woken;
    expect(result.ready).toEqual([fds[1]]);
    expect(result.value).toBe(42);
    expect(result.slept).toBeGreaterThanOrEqual(90);
    await worker.terminate();
    fds.forEach(closeFd);
  });

  it('a worker looping on an Epoll sleeps without spinning', async () => {
    const fd = eventfd();
    const rounds = 3;
    const worker = new Worker(new URL('./__fixtures__/epoll-worker.mjs', import.meta.url), {
      workerData: { fds: [fd], rounds },
    });
    const done = new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.on('message', (message: Record<string, unknown>) => {
        if (message.kind === 'sleeping') setTimeout(() => eventfdWrite(fd, 1 + Number(message.round)), 50);
        if (message.kind === 'done') resolve(message);
      });
      worker.once('error', reject);
    });
    const result = await done;
    expect(result.woken).toEqual([
      { fds: [fd], value: 1 },
      { fds: [fd], value: 2 },
      { fds: [fd], value: 3 },
    ]);
    // 150 ms of waiting cost the worker far less CPU than spinning would.
    expect(result.cpuMs).toBeLessThan(50);
    await worker.terminate();
    closeFd(fd);
  });
});

describe('watchers in worker threads', () => {
  function start(mode: 'unref' | 'terminate') {
    const worker = new Worker(new URL('./__fixtures__/watch-worker.mjs', import.meta.url), { workerData: { mode } });
    const messages: Record<string, unknown>[] = [];
    worker.on('message', (message: Record<string, unknown>) => messages.push(message));
    const exited = new Promise<number>((resolve, reject) => {
      worker.once('exit', resolve);
      worker.once('error', reject);
    });
    return { worker, messages, exited };
  }

  it('deliver on the worker loop, and are closed when the worker is terminated', async () => {
    const { worker, messages, exited } = start('terminate');
    while (messages.length === 0) await sleep(5);
    const fd = Number(messages[0].fd);
    eventfdWrite(fd, 9);
    while (messages.length < 2) await sleep(5);
    expect(messages[1]).toEqual({ kind: 'readable', value: 9 });
    await worker.terminate();
    await exited;
    closeFd(fd);
  });

  it('an unref-ed watcher lets the worker end, and is closed at its teardown', async () => {
    const { messages, exited } = start('unref');
    expect(await exited).toBe(0);
    expect(messages[0]).toMatchObject({ kind: 'watching' });
    closeFd(Number(messages[0].fd));
  });
});

describe('watcher callback exceptions', () => {
  it('become uncaught exceptions, as for any I/O callback', () => {
    const script = `
      import { eventfd, watchFd } from '@nic/native';
      process.on('uncaughtException', (error) => {
        console.log('caught:', error.message);
        process.exit(0);
      });
      watchFd(eventfd(1), () => { throw new Error('boom from the callback'); });
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.stdout.trim()).toBe('caught: boom from the callback');
    expect(child.status).toBe(0);
  });
});
