import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { hugepagePool, NicError, virtToPhys } from '@nic/native';
import { init } from './eal.js';

const HUGE_2M = 2 * 1024 * 1024;
const NR = '/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages';
const base = ['--no-pci', '-l', '0'];
let prefixSeq = 0;
const prefix = () => ['--file-prefix', `mem-${process.pid}-${prefixSeq++}`];

/** Makes sure `pages` 2 MiB pages are free, raising the pool if needed; undone in afterAll. */
let restoreNr: string | undefined;
function ensureFreeHugepages(pages: number): boolean {
  const pool = hugepagePool(HUGE_2M);
  if (!pool) return false;
  const avail = pool.free - pool.reserved;
  if (avail >= pages) return true;
  try {
    restoreNr ??= readFileSync(NR, 'utf8').trim();
    writeFileSync(NR, String(pool.total + pages - avail));
  } catch {
    return false;
  }
  const after = hugepagePool(HUGE_2M)!;
  return after.free - after.reserved >= pages;
}
afterAll(() => {
  if (restoreNr !== undefined) writeFileSync(NR, restoreNr);
});

describe('the arena', () => {
  it('comes from locked ordinary memory with --no-huge, sized by -m', async () => {
    const { eal } = await init([...base, ...prefix(), '--no-huge', '-m', '4']);
    try {
      expect(eal.memorySource).toBe('anonymous');
      expect(eal.arena.size).toBe(4 * 1024 * 1024);
      eal.arena.u32[100] = 0xdeadbeef;
      expect(eal.arena.dv.getUint32(400, true)).toBe(0xdeadbeef);
    } finally {
      await eal.cleanup();
    }
  });

  it('is addressed by virtual address with --no-huge, as one IOVA-contiguous window, and refuses --iova-mode pa there', async () => {
    const { eal } = await init([...base, ...prefix(), '--no-huge', '-m', '4']);
    try {
      const { arena } = eal;
      expect(arena.iovaMode).toBe('va');
      expect(arena.iova(12345)).toBe(arena.address(12345));
      expect(arena.iovaContiguous(0, arena.size)).toBe(true);
      expect(arena.iovaWindows()).toEqual([{ vaddr: arena.address(0), iova: arena.address(0), length: arena.size }]);
    } finally {
      await eal.cleanup();
    }
    const err = await init([...base, ...prefix(), '--no-huge', '-m', '4', '--iova-mode', 'pa']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NicError);
    expect(err).toMatchObject({ code: 'NIC_EINVAL', message: expect.stringContaining('--iova-mode pa with --no-huge') });
  });

  it('is addressed by virtual address with --iova-mode va', async () => {
    const { eal } = await init([...base, ...prefix(), '--no-huge', '-m', '4', '--iova-mode', 'va']);
    try {
      expect(eal.arena.iovaMode).toBe('va');
      expect(eal.arena.iova(12345)).toBe(eal.arena.address(12345));
      expect(() => eal.arena.iova(eal.arena.size)).toThrow(NicError);
    } finally {
      await eal.cleanup();
    }
  });

  it('comes from hugepages by default, with physical IOVAs contiguous inside each page', async (ctx) => {
    if (process.getuid?.() !== 0 || !ensureFreeHugepages(4)) {
      console.warn('SKIPPED hugepage arena test: needs root and 4 free 2 MiB hugepages (sudo bash tools/setup-host.sh)');
      ctx.skip();
    }
    const { eal } = await init([...base, ...prefix(), '-m', '8']);
    try {
      const { arena } = eal;
      expect(['hugetlbfs', 'memfd']).toContain(eal.memorySource);
      expect(arena.iovaMode).toBe('pa');
      for (let page = 0; page < 4; page++) {
        const off = page * HUGE_2M;
        expect(arena.iova(off)).toBeGreaterThan(0);
        expect(arena.iova(off) % HUGE_2M).toBe(0);
        expect(arena.iova(off + HUGE_2M - 1)).toBe(arena.iova(off) + HUGE_2M - 1);
        expect(arena.iova(off + 4096)).toBe(virtToPhys(arena.address(off + 4096)));
      }
      expect(arena.iovaContiguous(HUGE_2M - 64, 128)).toBe(false);
      expect(arena.iovaContiguous(HUGE_2M, 2048)).toBe(true);
    } finally {
      await eal.cleanup();
    }
  });

  it('fails with NIC_ENOMEM naming the shortfall and the sysfs knob when hugepages are missing', async () => {
    const pool = hugepagePool(HUGE_2M);
    const free = pool ? pool.free - pool.reserved : 0;
    const mb = (free + 16) * 2;
    const err = await init([...base, ...prefix(), '-m', String(mb)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NicError);
    expect((err as NicError).code).toBe('NIC_ENOMEM');
    expect((err as NicError).message).toContain(`need ${free + 16} pages of 2048 kB, ${free} free (short by 16)`);
    expect((err as NicError).message).toContain('nr_hugepages');
    expect((err as NicError).message).toContain('--no-huge');
  });

  it('refuses an arena above the small-integer range of handles', async () => {
    const err = await init([...base, ...prefix(), '--no-huge', '-m', '1025']).catch((e: unknown) => e);
    expect((err as NicError).code).toBe('NIC_EINVAL');
    expect((err as NicError).message).toMatch(/^-m 1025: the arena is limited to 1024 MiB/);
  });

  it('rejects a --huge-dir that is not a hugetlbfs mount', async () => {
    const err = await init([...base, ...prefix(), '--huge-dir', '/tmp', '-m', '2']).catch((e: unknown) => e);
    expect((err as NicError).code).toBe('NIC_EINVAL');
    expect((err as NicError).message).toMatch(/^--huge-dir \/tmp: not a hugetlbfs mount/);
  });

  it('releases the memory at cleanup', async () => {
    const { eal } = await init([...base, ...prefix(), '--no-huge', '-m', '4']);
    const view = new Uint8Array(eal.arena.buffer);
    view[0] = 7;
    await eal.cleanup();
    expect(view[0]).toBe(0);
    expect(() => eal.arena).toThrow(NicError);
  });
});
