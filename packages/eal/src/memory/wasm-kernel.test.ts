import { afterAll, describe, expect, it } from 'vitest';
import { ensureFreeHugepages, restoreHugepagePools } from '@nic/native/testing';
import { init } from '../eal.js';
import { testLcores } from '../__fixtures__/lcores.js';
import { Arena } from './arena.js';
import { wasmKernel } from './wasm-kernel.js';
import peek from './__fixtures__/peek.wat';
import { runFixture } from './__fixtures__/workers.js';

/** Lcore 0, on a CPU this process may run on. */
const LCORE0 = testLcores();

interface Peek {
  load(offset: number): number;
  store(offset: number, value: number): void;
}

const HUGE_2M = 2 * 1024 * 1024;
let prefixSeq = 0;
const eal = (...args: string[]) => init(['--no-pci', '-l', LCORE0, '--file-prefix', `wasm-${process.pid}-${prefixSeq++}`, ...args]);

afterAll(restoreHugepagePools);

/** Stores through the arena's views and through the kernel, each read back by the other, at both ends of the arena. */
function expectSameBytes(arena: Arena): void {
  const kernel = wasmKernel<Peek>(peek, arena);
  const last = arena.size - 4;
  for (const offset of [0, 4096, last]) {
    arena.u32[offset >>> 2] = 0x5eed0000 + offset;
    expect(kernel.load(offset) >>> 0).toBe(0x5eed0000 + offset);
  }
  kernel.store(8, 0x12345678);
  expect(arena.u32[2]).toBe(0x12345678);
  kernel.store(last, -1);
  expect(arena.u32[last >>> 2]).toBe(0xffffffff);
}

describe('WebAssembly kernels over the arena', () => {
  it('reach a hugepage arena at arena offsets, wherever its first page lies in the WebAssembly memory', async () => {
    expect(ensureFreeHugepages(4), 'needs 4 free 2 MiB hugepages, or root to reserve them').toBe(true);
    const { eal: e } = await eal('-m', '8');
    try {
      expect(['hugetlbfs', 'memfd']).toContain(e.memorySource);
      const { memory, base } = e.arena.wasm;
      // The pages start on a hugepage boundary inside the memory, which holds the whole arena after it.
      expect(base).toBeGreaterThanOrEqual(0);
      expect(base).toBeLessThan(HUGE_2M);
      expect((memory.buffer as SharedArrayBuffer).byteLength).toBeGreaterThanOrEqual(base + e.arena.size);
      expect(e.arena.address(0) % HUGE_2M).toBe(0);
      expectSameBytes(e.arena);
    } finally {
      await e.cleanup();
    }
  });

  it('reach a --no-huge arena', async () => {
    const { eal: e } = await eal('--no-huge', '-m', '4');
    try {
      expectSameBytes(e.arena);
    } finally {
      await e.cleanup();
    }
  });

  it('are instantiated once per arena and thread: the same exports for the same bytes, each arena its own', () => {
    const a = Arena.anonymous(65536);
    const b = Arena.anonymous(65536);
    expect(wasmKernel<Peek>(peek, a)).toBe(wasmKernel<Peek>(peek, a));
    expect(wasmKernel<Peek>(peek, b)).not.toBe(wasmKernel<Peek>(peek, a));
    a.u32[10] = 1;
    b.u32[10] = 2;
    expect([wasmKernel<Peek>(peek, a).load(40), wasmKernel<Peek>(peek, b).load(40)]).toEqual([1, 2]);
  });

  it('see the same arena on another thread that was given its handle', async () => {
    const { eal: e } = await eal('--no-huge', '-m', '4');
    try {
      const offset = 3 * 4096;
      e.arena.u32[offset >>> 2] = 4242;
      const read = await runFixture<number>('peek-worker.mjs', { arena: e.arena.handle(), bytes: peek, offset, value: 77 });
      expect(read).toBe(4242);
      expect(e.arena.u32[(offset + 4) >>> 2]).toBe(77);
    } finally {
      await e.cleanup();
    }
  });

  it('refuse bytes that are no module, naming the reason', () => {
    expect(() => wasmKernel(new Uint8Array([0, 1, 2, 3]), Arena.anonymous(65536))).toThrow(WebAssembly.CompileError);
  });
});
