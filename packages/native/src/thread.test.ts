import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { NicError, getAffinity, getThreadName, gettid, setAffinity, setThreadName, threadCpuTimeNs } from './index.js';

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
    // It spun for 30 ms of wall time; other test files share the CPU, so only a floor holds.
    expect(result.cpuMs).toBeGreaterThan(1);
    expect(result.cpuMs).toBeLessThan(1000);
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
      expect.objectContaining({ code: 'NIC_EINVAL', errno: 22, syscall: 'pthread_setaffinity_np' }),
    );
    expect(() => setAffinity('0' as unknown as number[])).toThrow(TypeError);
  });
});
