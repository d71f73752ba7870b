import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NicError } from '@nic/native';
import { init, processCpus, type Eal } from '../eal.js';
import { testLcores } from '../__fixtures__/lcores.js';
import { LCORE_ID_ANY, lcoreArena, lcoreId } from './context.js';
import { LcoreError } from './lcores.js';
import { memzoneReserve } from '../memory/memzone.js';

const tasks = new URL('./__fixtures__/tasks.mjs', import.meta.url);
/** The CPUs this process may run on; lcore `i` of {@link testLcores} runs on `cpus[i % cpus.length]`. */
const cpus = processCpus();
let eal: Eal;

beforeAll(async () => {
  ({ eal } = await init(['--no-pci', '--no-huge', '-m', '8', '-l', testLcores(2), '--file-prefix', `lcores-${process.pid}`]));
});
afterAll(async () => {
  await eal.cleanup();
});

describe('lcores', () => {
  it('makes the main thread the main lcore and starts one pinned, named worker per other lcore', async () => {
    expect(lcoreId()).toBe(0);
    expect(lcoreArena()).toBe(eal.arena);
    expect(eal.lcores.ids()).toEqual([0, 1]);
    expect(eal.lcores.workerIds()).toEqual([1]);
    eal.lcores.remoteLaunch(1, tasks, 'whoami', { hello: 'lcore' });
    expect(await eal.lcores.waitLcore(1)).toEqual({ lcore: 1, arg: { hello: 'lcore' }, cpus: [cpus[1 % cpus.length]], thread: 'lcore-1' });
  });

  it('moves WAIT -> RUNNING -> FINISHED -> WAIT and refuses a launch on a busy lcore', async () => {
    const { arena } = eal;
    const offset = 4096;
    arena.i32.fill(0, offset / 4, offset / 4 + 2);
    expect(eal.lcores.state(1)).toBe('WAIT');
    eal.lcores.remoteLaunch(1, tasks, 'echoThroughArena', { offset });
    expect(eal.lcores.state(1)).toBe('RUNNING');
    expect(() => eal.lcores.remoteLaunch(1, tasks, 'whoami')).toThrow(expect.objectContaining({ code: 'NIC_EBUSY' }));
    Atomics.store(arena.i32, offset / 4, 41);
    Atomics.notify(arena.i32, offset / 4);
    expect(await eal.lcores.waitLcore(1)).toBe(41);
    expect(Atomics.load(arena.i32, offset / 4 + 1)).toBe(42);
    expect(eal.lcores.state(1)).toBe('WAIT');
    expect(await eal.lcores.waitLcore(1)).toBeUndefined();
  });

  it('passes a thrown error to the waiting caller with the worker stack', async () => {
    eal.lcores.remoteLaunch(1, tasks, 'fail', 'out of range on purpose');
    const err = await eal.lcores.waitLcore(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LcoreError);
    expect((err as Error).name).toBe('RangeError');
    expect((err as Error).message).toBe('lcore 1: out of range on purpose');
    expect((err as Error).stack).toMatch(/on lcore 1[\s\S]*tasks\.mjs/);
    expect(eal.lcores.state(1)).toBe('WAIT');
  });

  it('awaits async functions and collects every lcore with mpWaitLcore', async () => {
    eal.lcores.remoteLaunch(1, tasks, 'asyncValue', 21);
    expect(await eal.lcores.mpWaitLcore()).toEqual([42]);
  });

  it('finds a memzone reserved on the main lcore by name, and memoryDump lists it', async () => {
    const zone = memzoneReserve(eal.arena, 'lcore_test_zone', 4096, { align: 4096 });
    eal.arena.u32[zone.offset / 4] = 0xc0ffee;
    eal.lcores.remoteLaunch(1, tasks, 'findMemzone', 'lcore_test_zone');
    expect(await eal.lcores.waitLcore(1)).toEqual({ offset: zone.offset, length: 4096, first: 0xc0ffee });
    expect(zone.offset % 4096).toBe(0);
    expect(eal.memoryDump()).toMatch(/^arena: 8388608 bytes from anonymous/);
    expect(eal.memoryDump()).toContain('name:<lcore_test_zone>');
  });

  it('reports a missing export as an error of the launch, not a crash', async () => {
    eal.lcores.remoteLaunch(1, tasks, 'noSuchFunction');
    await expect(eal.lcores.waitLcore(1)).rejects.toThrow(/no exported function "noSuchFunction"/);
  });

  it('rejects launches on the main lcore and unknown lcores with NIC_EINVAL', () => {
    for (const id of [0, 5]) {
      let caught: unknown;
      try {
        eal.lcores.remoteLaunch(id, tasks, 'whoami');
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(NicError);
      expect((caught as NicError).code).toBe('NIC_EINVAL');
    }
  });
});

describe('lcores after cleanup', () => {
  it('terminates workers and clears the thread context', async () => {
    const { eal: other } = await init(['--no-pci', '--no-huge', '-m', '8', '-l', `1@${cpus[0]}`, '--main-lcore', '1', '--file-prefix', `lcores2-${process.pid}`]);
    expect(other.lcores.workerIds()).toEqual([]);
    await other.cleanup();
    expect(() => other.lcores).toThrow(NicError);
    expect(lcoreId()).not.toBe(LCORE_ID_ANY);
  });
});
