import { NicError } from '@nic/native';
import { describe, expect, it } from 'vitest';
import { Arena } from './arena.js';
import { code, MiB } from './__fixtures__/harness.js';
import { newBarrier, runFixture } from './__fixtures__/workers.js';
import {
  CACHE_LINE_SIZE,
  MEMZONE_FREE_BLOCK_MAX,
  MEMZONE_MAX,
  MEMZONE_NAMESIZE,
  MEMZONE_TABLE_SIZE,
  MZ_FREE_BLOCK_SIZE,
  MZT_FREE_BLOCKS,
  memzoneDump,
  memzoneFree,
  memzoneFreeStats,
  memzoneList,
  memzoneLookup,
  memzoneReserve,
  type MemzoneInfo,
} from './memzone.js';

/** A physical-address arena of `pages` pages of `pageSize` bytes, page i at 0x100000000 + i * 2 * pageSize. */
function paArena(pages: number, pageSize: number): Arena {
  const pagePhys = new Float64Array(pages).map((_, i) => 2 ** 32 + i * 2 * pageSize);
  return Arena.anonymous(pages * pageSize, { mode: 'pa', baseAddress: 0, pageSize, pagePhys });
}

function overlaps(zones: readonly { offset: number; length: number }[]): boolean {
  const sorted = [...zones].sort((a, b) => a.offset - b.offset);
  return sorted.some((z, i) => i > 0 && sorted[i - 1].offset + sorted[i - 1].length > z.offset);
}

describe('memzone table layout', () => {
  it('fits the zone entries and the free-block list in the reserved table', () => {
    expect(MZT_FREE_BLOCKS + MEMZONE_FREE_BLOCK_MAX * MZ_FREE_BLOCK_SIZE).toBeLessThanOrEqual(MEMZONE_TABLE_SIZE);
  });

  it('hands out memory only after the table', () => {
    const arena = Arena.anonymous(MiB);
    expect(memzoneReserve(arena, 'first', 100).offset).toBe(MEMZONE_TABLE_SIZE);
    expect(memzoneFreeStats(arena).free).toBe(MiB - MEMZONE_TABLE_SIZE - 128);
  });

  it('refuses an arena too small for the table', () => {
    expect(code(() => memzoneReserve(Arena.anonymous(MEMZONE_TABLE_SIZE), 'x', 64))).toBe('NIC_ENOMEM');
  });
});

describe('memzoneReserve', () => {
  it('returns aligned, zero-filled zones that do not overlap', () => {
    const arena = Arena.anonymous(4 * MiB);
    const a = memzoneReserve(arena, 'a', 100);
    arena.u8.fill(0xaa, a.offset, a.offset + 100);
    memzoneFree(arena, 'a');
    const again = memzoneReserve(arena, 'a', 100);
    expect(again.offset).toBe(a.offset);
    expect([...arena.u8.subarray(again.offset, again.offset + 100)].every((x) => x === 0)).toBe(true);
    expect(again).toMatchObject({ name: 'a', length: 100, align: CACHE_LINE_SIZE, contiguous: false, iova: again.offset });
    const b = memzoneReserve(arena, 'b', 5000, { align: 8192 });
    const c = memzoneReserve(arena, 'c', 100);
    expect(b.offset % 8192).toBe(0);
    expect(c.offset % CACHE_LINE_SIZE).toBe(0);
    expect(overlaps([again, b, c])).toBe(false);
  });

  it('raises small alignments to a cache line and rejects others', () => {
    const arena = Arena.anonymous(MiB);
    expect(memzoneReserve(arena, 'small', 10, { align: 8 }).align).toBe(CACHE_LINE_SIZE);
    expect(code(() => memzoneReserve(arena, 'odd', 10, { align: 48 }))).toBe('NIC_EINVAL');
    expect(code(() => memzoneReserve(arena, 'zero', 10, { align: 0 }))).toBe('NIC_EINVAL');
  });

  it('checks names: 1 to 31 UTF-8 bytes, strings only', () => {
    const arena = Arena.anonymous(MiB);
    expect(memzoneReserve(arena, 'n'.repeat(MEMZONE_NAMESIZE), 64).name).toHaveLength(MEMZONE_NAMESIZE);
    expect(code(() => memzoneReserve(arena, 'n'.repeat(MEMZONE_NAMESIZE + 1), 64))).toBe('NIC_EINVAL');
    expect(code(() => memzoneReserve(arena, 'é'.repeat(16), 64))).toBe('NIC_EINVAL');
    expect(code(() => memzoneReserve(arena, '', 64))).toBe('NIC_EINVAL');
    expect(code(() => memzoneReserve(arena, 7 as unknown as string, 64))).toBe('TypeError');
  });

  it('checks sizes', () => {
    const arena = Arena.anonymous(MiB);
    expect(code(() => memzoneReserve(arena, 's', 0))).toBe('NIC_EINVAL');
    expect(code(() => memzoneReserve(arena, 's', 1.5))).toBe('NIC_EINVAL');
    expect(code(() => memzoneReserve(arena, 's', '64' as unknown as number))).toBe('TypeError');
  });

  it('refuses a duplicate name with NIC_EEXIST', () => {
    const arena = Arena.anonymous(MiB);
    memzoneReserve(arena, 'dup', 64);
    expect(code(() => memzoneReserve(arena, 'dup', 64))).toBe('NIC_EEXIST');
  });

  it('says how much was asked and what is free when nothing fits', () => {
    const arena = Arena.anonymous(MiB);
    memzoneReserve(arena, 'half', 512 * 1024);
    let message = '';
    try {
      memzoneReserve(arena, 'big', 600 * 1024);
    } catch (err) {
      expect(err).toBeInstanceOf(NicError);
      expect((err as NicError).code).toBe('NIC_ENOMEM');
      message = (err as Error).message;
    }
    const free = MiB - MEMZONE_TABLE_SIZE - 512 * 1024;
    expect(message).toContain(`${600 * 1024} bytes`);
    expect(message).toContain(`${free} bytes free`);
    expect(message).toContain(`largest free block ${free} bytes`);
  });

  it('fills the table, then reports it full', () => {
    const arena = Arena.anonymous(MEMZONE_TABLE_SIZE + (MEMZONE_MAX + 1) * CACHE_LINE_SIZE);
    for (let i = 0; i < MEMZONE_MAX; i++) memzoneReserve(arena, `z${i}`, 1);
    expect(() => memzoneReserve(arena, 'one-more', 1)).toThrow(/table is full/);
    expect(memzoneList(arena)).toHaveLength(MEMZONE_MAX);
  });
});

describe('first fit and coalescing', () => {
  it('reuses the first hole that fits', () => {
    const arena = Arena.anonymous(MiB);
    const [a, b, c] = ['a', 'b', 'c'].map((n) => memzoneReserve(arena, n, 64 * 1024));
    memzoneFree(arena, 'b');
    expect(memzoneReserve(arena, 'small', 1000).offset).toBe(b.offset);
    expect(memzoneReserve(arena, 'too-big-for-hole', 64 * 1024).offset).toBe(c.offset + c.length);
    expect(a.offset).toBe(MEMZONE_TABLE_SIZE);
  });

  it('merges freed blocks with both neighbours, in any order', () => {
    const whole = MiB - MEMZONE_TABLE_SIZE;
    for (const order of [
      [0, 1, 2],
      [2, 1, 0],
      [0, 2, 1],
      [1, 0, 2],
    ]) {
      const arena = Arena.anonymous(MiB);
      const names = ['x', 'y', 'z'];
      for (const n of names) memzoneReserve(arena, n, 4096);
      for (const i of order) memzoneFree(arena, names[i]);
      expect(memzoneFreeStats(arena)).toEqual({ free: whole, largest: whole, blocks: 1 });
    }
  });

  it('keeps alignment padding free and gives it back', () => {
    const arena = Arena.anonymous(MiB);
    memzoneReserve(arena, 'pad', 64);
    const aligned = memzoneReserve(arena, 'aligned', 64, { align: 32768 });
    expect(aligned.offset % 32768).toBe(0);
    expect(memzoneFreeStats(arena).blocks).toBe(2);
    memzoneReserve(arena, 'in-padding', 1024);
    expect(memzoneLookup(arena, 'in-padding').offset).toBeLessThan(aligned.offset);
    for (const n of ['pad', 'aligned', 'in-padding']) memzoneFree(arena, n);
    expect(memzoneFreeStats(arena).blocks).toBe(1);
  });

  it('never overlaps zones under random reserve/free, and ends with one free block', () => {
    const arena = Arena.anonymous(8 * MiB);
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const live = new Set<string>();
    for (let step = 0; step < 3000; step++) {
      const name = `r${rand(200)}`;
      if (live.has(name)) {
        memzoneFree(arena, name);
        live.delete(name);
      } else {
        memzoneReserve(arena, name, 1 + rand(40000), { align: 2 ** (6 + rand(8)) });
        live.add(name);
      }
      if (step % 100 === 0) expect(overlaps(memzoneList(arena))).toBe(false);
    }
    for (const name of live) memzoneFree(arena, name);
    expect(memzoneFreeStats(arena)).toEqual({ free: 8 * MiB - MEMZONE_TABLE_SIZE, largest: 8 * MiB - MEMZONE_TABLE_SIZE, blocks: 1 });
  });
});

describe('IOVA-contiguous zones', () => {
  const pageSize = 256 * 1024;

  it('lets an ordinary zone cross a page boundary', () => {
    const arena = paArena(8, pageSize);
    memzoneReserve(arena, 'filler', pageSize - MEMZONE_TABLE_SIZE - 1000);
    const loose = memzoneReserve(arena, 'loose', 4096);
    expect(loose.offset).toBe(pageSize - 960);
    expect(arena.iovaContiguous(loose.offset, 4096)).toBe(false);
  });

  it('moves a contiguous zone to the next page instead, leaving the gap free', () => {
    const arena = paArena(8, pageSize);
    memzoneReserve(arena, 'filler', pageSize - MEMZONE_TABLE_SIZE - 1000);
    const ring = memzoneReserve(arena, 'desc-ring', 4096, { contiguous: true });
    expect(ring.contiguous).toBe(true);
    expect(ring.offset).toBe(pageSize);
    expect(ring.iova).toBe(2 ** 32 + 2 * pageSize);
    expect(arena.iovaContiguous(ring.offset, 4096)).toBe(true);
    expect(memzoneReserve(arena, 'in-gap', 900).offset).toBe(pageSize - 960);
  });

  it('refuses a contiguous zone larger than a page', () => {
    expect(code(() => memzoneReserve(paArena(4, pageSize), 'huge', pageSize + 1, { contiguous: true }))).toBe('NIC_ENOMEM');
  });
});

describe('memzoneLookup, memzoneFree, memzoneDump', () => {
  it('finds a zone from another view of the same memory, and forgets it once freed', () => {
    const arena = Arena.anonymous(MiB);
    const zone = memzoneReserve(arena, 'shared', 300);
    const other = new Arena(arena.handle());
    expect(memzoneLookup(other, 'shared')).toEqual(zone);
    memzoneFree(other, 'shared');
    expect(code(() => memzoneLookup(arena, 'shared'))).toBe('NIC_ENOENT');
    expect(code(() => memzoneFree(arena, 'shared'))).toBe('NIC_ENOENT');
  });

  it('dumps every zone and the free space', () => {
    const arena = Arena.anonymous(MiB);
    memzoneReserve(arena, 'alpha', 100);
    memzoneReserve(arena, 'beta', 200, { align: 1024 });
    const dump = memzoneDump(arena);
    expect(dump).toMatch(/^memzones: 2 of 768/);
    expect(dump).toContain('name:<alpha>, offset:0x10000, len:0x64');
    expect(dump).toContain('name:<beta>');
    expect(dump).toContain('align:1024');
  });
});

describe('concurrent reservations', () => {
  it('never hands two threads overlapping zones', async () => {
    const arena = Arena.anonymous(16 * MiB);
    const barrier = newBarrier();
    const parties = 3;
    const results = await Promise.all(
      Array.from({ length: parties }, (_, t) =>
        runFixture<MemzoneInfo[]>('memzone-reserve.mjs', { arena: arena.handle(), prefix: `t${t}-`, count: 200, barrier, parties }),
      ),
    );
    const all = results.flat();
    expect(all).toHaveLength(parties * 200);
    expect(overlaps(all)).toBe(false);
    for (const z of all) expect(z.offset % z.align).toBe(0);
    expect(new Set(memzoneList(arena).map((z) => z.name))).toEqual(new Set(all.map((z) => z.name)));
  });
});
