import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { NicError, getAffinity, getThreadName, gettid, setAffinity, setThreadName, threadCpuTimeNs } from './index.js';

/** Polls `done` until it holds (a thread's /proc entry goes some time after terminate() settles). */
async function waitFor(done: () => boolean): Promise<void> {
  while (!done()) await sleep(5);
}

describe('threads', () => {
  it('a worker pins itself to one CPU and names itself', async () => {
    const cpus = getAffinity();
    const cpu = cpus[cpus.length - 1];
    const result = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const worker = new Worker(new URL('./__fixtures__/thread-worker.mjs', import.meta.url), {
        workerData: { cpu, name: 'nic-lcore-test' },
      });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(result.tid).not.toBe(process.pid);
    expect(result.affinity).toEqual([cpu]);
    expect(result.lastCpu).toBe(cpu);
    expect(result.name).toBe('nic-lcore-test');
    expect(result.comm).toBe('nic-lcore-test');
    // It spun until its own clock said spinCpuMs, before its deadline; a thread's CPU time
    // cannot pass its wall time (the process's could: other threads run meanwhile).
    expect(result.cpuMs).toBeGreaterThanOrEqual(result.spinCpuMs as number);
    expect(result.cpuMs).toBeLessThanOrEqual((result.wallMs as number) + 1);
    // The calling thread only: this thread's affinity is unchanged.
    expect(getAffinity()).toEqual(cpus);
  });

  it('the main thread: tid, name, CPU time, affinity round trip', () => {
    expect(gettid()).toBe(process.pid);
    const name = getThreadName();
    setThreadName('nic-main');
    expect(getThreadName()).toBe('nic-main');
    setThreadName(name);
    const cpus = getAffinity();
    setAffinity(cpus);
    expect(getAffinity()).toEqual(cpus);
    const before = threadCpuTimeNs();
    let x = 0;
    for (let i = 0; i < 1e6; i++) x += i;
    expect(x).toBeGreaterThan(0);
    expect(threadCpuTimeNs()).toBeGreaterThan(before);
  });

  it('rejects bad names and CPU sets', () => {
    expect(() => setThreadName('a-name-of-16-chr')).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(() => setThreadName(5 as unknown as string)).toThrow(TypeError);
    expect(() => setAffinity([])).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(() => setAffinity([-1])).toThrow(NicError);
    expect(() => setAffinity([1024])).toThrow(NicError);
    // A CPU number the kernel accepts in a mask but this machine does not have.
    expect(() => setAffinity([1023])).toThrow(
      expect.objectContaining({ code: 'NIC_EINVAL', errno: 22, syscall: 'sched_setaffinity' }),
    );
    expect(() => setAffinity('0' as unknown as number[])).toThrow(TypeError);
  });

  it('reads and sets another thread of this process by its tid, and puts it back', async () => {
    const cpus = getAffinity();
    const cpu = cpus[0];
    const worker = new Worker(new URL('./__fixtures__/thread-idle.mjs', import.meta.url));
    try {
      const tid = await new Promise<number>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      expect(tid).not.toBe(process.pid);
      expect(getAffinity(tid)).toEqual(cpus);
      setAffinity([cpu], tid);
      expect(getAffinity(tid)).toEqual([cpu]);
      expect(readFileSync(`/proc/self/task/${tid}/status`, 'utf8')).toMatch(new RegExp(`^Cpus_allowed_list:\\s+${cpu}$`, 'm'));
      // The worker sees it from its side too.
      worker.postMessage('affinity');
      expect(await new Promise((resolve) => worker.once('message', resolve))).toEqual([cpu]);
      // Only that thread moved.
      expect(getAffinity()).toEqual(cpus);
      expect(getAffinity(process.pid)).toEqual(cpus);
      setAffinity(cpus, tid);
      expect(getAffinity(tid)).toEqual(cpus);
    } finally {
      await worker.terminate();
    }
  });

  it('refuses threads that are not this process\'s, or are gone, and malformed tids', async () => {
    const cpus = getAffinity();
    // pid 1 is a live thread, but of another process.
    expect(() => getAffinity(1)).toThrow(expect.objectContaining({ code: 'NIC_ENOENT', message: expect.stringContaining('not a thread of this process') }));
    expect(() => setAffinity(cpus, 1)).toThrow(expect.objectContaining({ code: 'NIC_ENOENT' }));
    const worker = new Worker(new URL('./__fixtures__/thread-idle.mjs', import.meta.url));
    const tid = await new Promise<number>((resolve) => worker.once('message', resolve));
    await worker.terminate();
    await waitFor(() => !existsSync(`/proc/self/task/${tid}`));
    expect(() => getAffinity(tid)).toThrow(expect.objectContaining({ code: 'NIC_ENOENT' }));
    expect(() => setAffinity(cpus, tid)).toThrow(expect.objectContaining({ code: 'NIC_ENOENT' }));
    for (const bad of [0, -1, 1.5, 2 ** 31]) {
      expect(() => getAffinity(bad)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL', message: expect.stringContaining('getAffinity tid') }));
      expect(() => setAffinity(cpus, bad)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL', message: expect.stringContaining('setAffinity tid') }));
    }
    expect(() => getAffinity('1' as unknown as number)).toThrow(TypeError);
    // A bad CPU list is reported before the thread is touched.
    expect(() => setAffinity([], process.pid)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(getAffinity()).toEqual(cpus);
  });
});
