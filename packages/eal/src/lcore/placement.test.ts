import { readdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { getAffinity, gettid } from '@nic/native';
import { init } from '../eal.js';
import { controlCpus, ThreadPlacement } from './placement.js';

const tasks = new URL('./__fixtures__/tasks.mjs', import.meta.url);

/** Every thread of this process with the CPUs it may run on. */
function affinities(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const name of readdirSync('/proc/self/task')) {
    try {
      map.set(Number(name), getAffinity(Number(name)));
    } catch {
      // exited since the listing
    }
  }
  return map;
}

/** The threads of `after` that also exist in `before`, with their CPUs in `after`. */
function common(before: Map<number, number[]>, after: Map<number, number[]>): Map<number, number[]> {
  return new Map([...after].filter(([tid]) => before.has(tid)));
}

describe('control CPUs', () => {
  const lcore = (id: number, cpus: number[]) => ({ id, cpus });

  it('are the allowed CPUs no lcore uses', () => {
    expect(controlCpus([0, 1, 2, 3], [lcore(0, [0]), lcore(1, [2])], lcore(0, [0]))).toEqual([1, 3]);
    expect(controlCpus([0, 1, 2, 3], [lcore(0, [1, 2])], lcore(0, [1, 2]))).toEqual([0, 3]);
  });

  it("are the main lcore's CPUs when the lcores take every allowed CPU", () => {
    expect(controlCpus([0, 1], [lcore(0, [0]), lcore(1, [1])], lcore(0, [0]))).toEqual([0]);
    expect(controlCpus([2], [lcore(5, [2])], lcore(5, [2]))).toEqual([2]);
  });
});

describe('thread placement', () => {
  it('pins the calling thread to the main lcore and every other thread to the control CPUs, then restores them', () => {
    const allowed = getAffinity();
    const main = { id: 0, cpus: [allowed[allowed.length - 1]] };
    const control = controlCpus(allowed, [main], main);
    const before = affinities();
    expect(before.size).toBeGreaterThan(1); // V8's platform threads at least
    const placement = ThreadPlacement.apply(main, [main]);
    try {
      const during = common(before, affinities());
      expect(during.get(gettid())).toEqual(main.cpus);
      for (const [tid, cpus] of during) if (tid !== gettid()) expect(cpus, `thread ${tid}`).toEqual(control);
      expect(new Set(placement.moved.keys())).toEqual(new Set(before.keys()));
    } finally {
      placement.restore();
    }
    expect(common(before, affinities())).toEqual(before);
    expect(placement.moved.size).toBe(0);
  });

  it('moves nothing when the main lcore names a CPU this process cannot use', () => {
    const before = affinities();
    const bad = { id: 0, cpus: [1023] };
    expect(() => ThreadPlacement.apply(bad, [bad])).toThrow(
      expect.objectContaining({
        code: 'NIC_EINVAL',
        message: expect.stringMatching(/^main lcore 0: this process cannot run on CPUs 1023 \(it may use [\d,]+\)$/),
        cause: expect.objectContaining({ syscall: 'sched_setaffinity' }),
      }),
    );
    expect(common(before, affinities())).toEqual(before);
  });
});

describe('EAL places threads as DPDK does', () => {
  it('the first instance pins the main thread to the main lcore and the rest off the worker lcores until cleanup; a second instance leaves them', async () => {
    const allowed = getAffinity();
    const before = affinities();
    const [first, second] = [allowed[0], allowed[allowed.length - 1]];
    // Main lcore on the last CPU, a worker lcore on the first: other threads go wherever no lcore is.
    const lcores = first === second ? `0@${first}` : `0@${second},1@${first}`;
    const { eal } = await init(['--no-pci', '--no-huge', '-m', '8', '--lcores', lcores, '--file-prefix', `placement-${process.pid}`]);
    let other: Awaited<ReturnType<typeof init>>['eal'] | undefined;
    try {
      const control = controlCpus(allowed, eal.options.lcores, { id: 0, cpus: [second] });
      const during = common(before, affinities());
      expect(during.get(gettid())).toEqual([second]);
      for (const [tid, cpus] of during) if (tid !== gettid()) expect(cpus, `thread ${tid}`).toEqual(control);
      if (first !== second) {
        eal.lcores.remoteLaunch(1, tasks, 'whoami', null);
        expect(await eal.lcores.waitLcore(1)).toMatchObject({ lcore: 1, cpus: [first] });
      }
      other = (await init(['--no-pci', '--no-huge', '-m', '8', '-l', String(first), '--file-prefix', `placement-b-${process.pid}`])).eal;
      expect(common(before, affinities())).toEqual(during);
      await other.cleanup();
      other = undefined;
      expect(common(before, affinities())).toEqual(during);
    } finally {
      await other?.cleanup();
      await eal.cleanup();
    }
    expect(common(before, affinities())).toEqual(before);
  });

  it('an instance initialised in a worker thread leaves the other threads where they are', async () => {
    const before = affinities();
    const allowed = getAffinity();
    const worker = new Worker(new URL('./__fixtures__/init-in-worker.mjs', import.meta.url), {
      workerData: { cpu: allowed[0], prefix: `placement-worker-${process.pid}` },
    });
    const next = () => new Promise<unknown>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    try {
      expect(await next()).toEqual({ mainThread: allowed, self: allowed });
      expect(common(before, affinities())).toEqual(before);
      worker.postMessage('cleanup');
      expect(await next()).toBe('cleaned');
    } finally {
      await worker.terminate();
    }
  });
});
