/**
 * DPDK's test_mempool, ported (basic with no cache and with the lcore cache, basic_ex,
 * negative cases, sp_sc across two threads, iteration and alignment), plus the cache
 * algorithm, page placement, debug mode and audit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Arena } from './arena.js';
import { LCORE_NONE, setCurrentLcore } from './current-lcore.js';
import { ERR_ENOENT } from './errno.js';
import { code, MiB } from './__fixtures__/harness.js';
import { newBarrier, runFixture } from './__fixtures__/workers.js';
import {
  MEMPOOL_ALIGN,
  MEMPOOL_CACHE_MAX_SIZE,
  MEMPOOL_F_DEBUG,
  MEMPOOL_F_NO_CACHE_ALIGN,
  MEMPOOL_F_NO_IOVA_CONTIG,
  MEMPOOL_F_SC_GET,
  MEMPOOL_F_SP_PUT,
  MEMPOOL_NAMESIZE,
  MP_HDR_SIZE,
  Mempool,
  OBJHDR_STATE,
  OBJ_STATE_FREE,
} from './mempool.js';
import { memzoneLookup } from './memzone.js';
import { RING_F_SC_DEQ, RING_F_SP_ENQ, Ring } from './ring.js';

const MEMPOOL_ELT_SIZE = 2048;
const LCORES = 2;
const MEMPOOL_SIZE = LCORES * (16 + MEMPOOL_CACHE_MAX_SIZE) - 1;

/** test_mempool's my_obj_init: zero the object and store its index in the first u32. */
function myObjInit(pool: Mempool, handle: number, index: number): void {
  pool.arena.u8.fill(0, handle, handle + pool.eltSize);
  pool.arena.u32[handle >>> 2] = index;
}

let arena = Arena.anonymous(16 * MiB);
afterEach(() => {
  setCurrentLcore(0);
  arena = Arena.anonymous(16 * MiB);
});

function testMempoolBasic(mp: Mempool): void {
  const obj = mp.get();
  expect(obj).not.toBe(0);
  expect(mp.availCount()).toBe(MEMPOOL_SIZE - 1);
  expect(mp.privOffset).toBe(mp.offset + MP_HDR_SIZE);
  expect(mp.objectIova(obj)).toBe(arena.iova(obj));
  mp.put(obj);

  const a = mp.get();
  const b = mp.get();
  expect(a).not.toBe(0);
  expect(b).not.toBe(0);
  expect(a).not.toBe(b);
  mp.put(a);
  mp.put(b);

  const objtable: number[] = [];
  for (let i = 0; i < MEMPOOL_SIZE; i++) {
    const o = mp.get();
    if (o === 0) break;
    objtable.push(o);
  }
  expect(objtable.length).toBe(MEMPOOL_SIZE);
  for (const o of objtable) {
    expect(arena.u32[o >>> 2]).toBeLessThanOrEqual(MEMPOOL_SIZE);
    expect(arena.u8.subarray(o + 4, o + mp.eltSize).every((x) => x === 0)).toBe(true);
  }
  for (const o of objtable.reverse()) mp.put(o);
  expect(mp.full()).toBe(true);
  expect(mp.audit().ok).toBe(true);
}

function testMempoolBasicEx(mp: Mempool): void {
  expect(mp.full()).toBe(true);
  const objs: number[] = [];
  for (let i = 0; i < MEMPOOL_SIZE; i++) {
    const o = mp.get();
    expect(o).not.toBe(0);
    objs.push(o);
  }
  expect(mp.get()).toBe(0);
  expect(mp.empty()).toBe(true);
  expect(mp.inUseCount()).toBe(MEMPOOL_SIZE);
  for (const o of objs) mp.put(o);
  expect(mp.full()).toBe(true);
}

describe('test_mempool_basic and basic_ex', () => {
  it('without a cache', () => {
    const mp = Mempool.create(arena, 'test_nocache', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE, { objInit: myObjInit });
    testMempoolBasic(mp);
    testMempoolBasicEx(mp);
  });

  it('with the per-lcore cache', () => {
    const mp = Mempool.create(arena, 'test_cache', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE, { cacheSize: MEMPOOL_CACHE_MAX_SIZE, objInit: myObjInit });
    testMempoolBasic(mp);
    testMempoolBasicEx(mp);
  });

  it('with a cache, from a thread that is no lcore', () => {
    const mp = Mempool.create(arena, 'test_cache_none', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE, { cacheSize: 32, objInit: myObjInit });
    setCurrentLcore(LCORE_NONE);
    testMempoolBasic(mp);
    testMempoolBasicEx(mp);
    expect(mp.cacheCount(0)).toBe(0);
  });

  it('hands out every object exactly once', () => {
    const mp = Mempool.create(arena, 'unique', 1000, 64, { cacheSize: 64 });
    const out = new Uint32Array(1000);
    for (let i = 0; i < 1000; i += 10) expect(mp.getBulk(out, 10, i)).toBe(0);
    expect(new Set(out).size).toBe(1000);
    expect([...out].every((h) => mp.objectIndex(h) >= 0)).toBe(true);
    mp.putBulk(out, 1000);
    expect(mp.full()).toBe(true);
  });
});

describe('negative cases', () => {
  it('refuses a cache above RTE_MEMPOOL_CACHE_MAX_SIZE, unknown flags and a duplicate name', () => {
    expect(code(() => Mempool.create(arena, 'big_cache', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE, { cacheSize: MEMPOOL_CACHE_MAX_SIZE + 32 }))).toBe('NIC_EINVAL');
    expect(code(() => Mempool.create(arena, 'bad_flags', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE, { flags: 0x40000 }))).toBe('NIC_EINVAL');
    Mempool.create(arena, 'test_mempool_same_name', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE);
    expect(code(() => Mempool.create(arena, 'test_mempool_same_name', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE))).toBe('NIC_EEXIST');
  });

  it('refuses a cache whose flush threshold exceeds the pool, bad counts, sizes and names', () => {
    expect(code(() => Mempool.create(arena, 'small', 47, 64, { cacheSize: 32 }))).toBe('NIC_EINVAL');
    expect(Mempool.create(arena, 'just-enough', 48, 64, { cacheSize: 32 }).flushThresh).toBe(48);
    expect(code(() => Mempool.create(arena, 'zero', 0, 64))).toBe('NIC_EINVAL');
    expect(code(() => Mempool.create(arena, 'zero-size', 8, 0))).toBe('NIC_EINVAL');
    expect(code(() => Mempool.create(arena, 'm'.repeat(MEMPOOL_NAMESIZE + 1), 8, 64))).toBe('NIC_EINVAL');
    expect(code(() => Mempool.create(arena, 'type', '8' as unknown as number, 64))).toBe('TypeError');
    expect(code(() => Mempool.create(arena, 'too-big', 100_000, 2048))).toBe('NIC_ENOMEM');
    expect(code(() => Mempool.lookup(arena, 'nowhere'))).toBe('NIC_ENOENT');
  });

  it('leaves nothing behind when an initialiser throws', () => {
    const boom = (): void => {
      throw new Error('boom');
    };
    expect(() => Mempool.create(arena, 'throws', 8, 64, { objInit: boom })).toThrow('boom');
    expect(code(() => memzoneLookup(arena, 'MP_throws'))).toBe('NIC_ENOENT');
    expect(code(() => Ring.lookup(arena, 'MP_throws'))).toBe('NIC_ENOENT');
    expect(Mempool.create(arena, 'throws', 8, 64).size).toBe(8);
  });

  it('checks lcore ids', () => {
    expect(code(() => setCurrentLcore(128))).toBe('NIC_EINVAL');
    expect(code(() => setCurrentLcore(-2))).toBe('NIC_EINVAL');
  });
});

describe('test_mempool_sp_sc', () => {
  it('a single consumer thread gets, a single producer thread puts', async () => {
    const mp = Mempool.create(arena, 'test_mempool_sp_sc', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE, {
      flags: MEMPOOL_F_NO_CACHE_ALIGN | MEMPOOL_F_SP_PUT | MEMPOOL_F_SC_GET,
      objInit: myObjInit,
    });
    expect(Mempool.lookup(arena, 'test_mempool_sp_sc').offset).toBe(mp.offset);
    Ring.create(arena, 'scsp_table', 16, RING_F_SP_ENQ | RING_F_SC_DEQ);
    const barrier = newBarrier();
    const common = { arena: arena.handle(), pool: 'test_mempool_sp_sc', ring: 'scsp_table', count: 20_000, barrier, parties: 2 };
    const results = await Promise.all([
      runFixture<{ foreign: number }>('mempool-sp-sc.mjs', { ...common, role: 'get' }),
      runFixture<{ foreign: number }>('mempool-sp-sc.mjs', { ...common, role: 'put' }),
    ]);
    expect(results.map((r) => r.foreign)).toEqual([0, 0]);
    expect(mp.full()).toBe(true);
    expect(mp.audit()).toMatchObject({ ok: true, inRing: MEMPOOL_SIZE, inUse: 0 });
  }, 60_000);
});

describe('introspection and iteration', () => {
  it('iterates every object; the range covers them; objects are cache-aligned by default', () => {
    const mp = Mempool.create(arena, 'test_iter', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE);
    const seen: number[] = [];
    expect(mp.objIter((h, i) => seen.push(h, i))).toBe(MEMPOOL_SIZE);
    expect(seen.filter((_, k) => k % 2 === 1)).toEqual([...Array(MEMPOOL_SIZE).keys()]);
    expect(mp.objAlign).toBe(MEMPOOL_ALIGN);
    expect(seen.filter((_, k) => k % 2 === 0).every((h) => h % MEMPOOL_ALIGN === 0)).toBe(true);
    const range = mp.memRange();
    expect(range.length).toBeGreaterThanOrEqual(MEMPOOL_SIZE * MEMPOOL_ELT_SIZE);
    expect(seen[0] - mp.headerSize).toBe(range.offset);
    expect(Mempool.lookup(arena, 'test_iter').offset).toBe(mp.offset);
    expect(mp.dump()).toContain('mempool <test_iter>');
  });

  it('aligns objects to 8 bytes with NO_CACHE_ALIGN, in one contiguous range', () => {
    const mp = Mempool.create(arena, 'test_align', 1, 8, { flags: MEMPOOL_F_NO_CACHE_ALIGN });
    expect(mp.objAlign).toBe(8);
    expect(mp.stride).toBe(mp.headerSize + 8);
    const h = mp.get();
    expect(h % 8).toBe(0);
    expect(mp.memRange()).toMatchObject({ length: mp.stride, contiguous: true });
  });

  it('finds the pool of an object and refuses what is not one', () => {
    const mp = Mempool.create(arena, 'owner', 16, 64);
    const other = Mempool.create(arena, 'other', 16, 64);
    const h = mp.get();
    expect(Mempool.fromObject(arena, h).name).toBe('owner');
    expect(mp.objectIndex(other.get())).toBe(-1);
    expect(code(() => Mempool.fromObject(arena, h + 8))).toBe('NIC_EINVAL');
    expect(code(() => Mempool.fromObject(arena, 12))).toBe('NIC_EINVAL');
  });

  it('frees its memzone and ring', () => {
    Mempool.create(arena, 'freed', 16, 64).free();
    expect(code(() => Mempool.lookup(arena, 'freed'))).toBe('NIC_ENOENT');
    expect(code(() => Ring.lookup(arena, 'MP_freed'))).toBe('NIC_ENOENT');
  });
});

describe('per-lcore cache', () => {
  it('refills with n + size - len from the ring and serves gets from its top', () => {
    const mp = Mempool.create(arena, 'cache_algo', 1000, 64, { cacheSize: 32 });
    const first = mp.get();
    expect(mp.cacheCount(0)).toBe(32);
    expect(mp.availCount()).toBe(999);
    mp.put(first);
    expect(mp.cacheCount(0)).toBe(33);
    expect(mp.get()).toBe(first);
  });

  it('flushes the whole cache to the ring when a put would pass 1.5 x size', () => {
    const mp = Mempool.create(arena, 'cache_flush', 1000, 64, { cacheSize: 32 });
    const out = new Uint32Array(100);
    expect(mp.getBulk(out, 100)).toBe(0);
    expect(mp.cacheCount(0)).toBe(0);
    for (let i = 0; i < 48; i++) mp.put(out[i]);
    expect(mp.cacheCount(0)).toBe(48);
    mp.put(out[48]);
    expect(mp.cacheCount(0)).toBe(1);
    mp.putBulk(out, 51, 49);
    expect(mp.cacheCount(0)).toBe(1);
    expect(mp.full()).toBe(true);
    mp.cacheFlush();
    expect(mp.cacheCount(0)).toBe(0);
    expect(mp.audit()).toMatchObject({ ok: true, inRing: 1000, inCaches: 0 });
  });

  it('keeps one cache per lcore', () => {
    const mp = Mempool.create(arena, 'two_lcores', 1000, 64, { cacheSize: 32 });
    const h0 = mp.get();
    setCurrentLcore(1);
    const h1 = mp.get();
    expect([mp.cacheCount(0), mp.cacheCount(1)]).toEqual([32, 32]);
    mp.put(h0);
    expect(mp.cacheCount(1)).toBe(33);
    setCurrentLcore(0);
    mp.put(h1);
    expect(mp.cacheCount(0)).toBe(33);
    expect(mp.availCount()).toBe(1000);
  });

  it('fails a bulk get all or nothing, giving back what it took from the cache', () => {
    const mp = Mempool.create(arena, 'bulk_fail', 100, 64, { cacheSize: 16 });
    const out = new Uint32Array(101);
    expect(mp.getBulk(out, 101)).toBe(ERR_ENOENT);
    expect(mp.availCount()).toBe(100);
    expect(mp.getBulk(out, 97)).toBe(0);
    mp.putBulk(out, 3);
    expect([mp.cacheCount(0), mp.availCount()]).toEqual([3, 6]);
    expect(mp.getBulk(out, 10)).toBe(ERR_ENOENT);
    expect([mp.cacheCount(0), mp.availCount()]).toEqual([3, 6]);
    expect(mp.getBulk(out, 5, 0)).toBe(0);
    expect([mp.cacheCount(0), mp.availCount()]).toEqual([0, 1]);
    expect(mp.getBulk(out, 1, 5)).toBe(0);
    expect(mp.empty()).toBe(true);
    expect(new Set(out.subarray(0, 6)).size).toBe(6);
  });
});

describe('page placement', () => {
  const pageSize = 64 * 1024;
  const paArena = (): Arena =>
    Arena.anonymous(64 * pageSize, { mode: 'pa', baseAddress: 0, pageSize, pagePhys: new Float64Array(64).map((_, i) => (63 - i) * pageSize) });

  it('never lets an object cross a page boundary', () => {
    const pa = paArena();
    const mp = Mempool.create(pa, 'paged', 300, 3000);
    let crossing = 0;
    mp.objIter((h) => {
      if (!pa.iovaContiguous(h - mp.headerSize, mp.stride)) crossing++;
      expect(mp.objectIova(h)).toBe(pa.iova(h));
    });
    expect(crossing).toBe(0);
    expect(mp.objIter(() => undefined)).toBe(300);
  });

  it('lets objects cross pages with NO_IOVA_CONTIG', () => {
    const pa = paArena();
    const mp = Mempool.create(pa, 'loose', 300, 3000, { flags: MEMPOOL_F_NO_IOVA_CONTIG });
    let crossing = 0;
    mp.objIter((h) => {
      if (!pa.iovaContiguous(h - mp.headerSize, mp.stride)) crossing++;
    });
    expect(crossing).toBeGreaterThan(0);
  });

  it('refuses objects larger than a page', () => {
    expect(code(() => Mempool.create(paArena(), 'huge_obj', 4, pageSize))).toBe('NIC_EINVAL');
  });
});

describe('debug mode and audit', () => {
  it('throws on a double free and a foreign handle, returning nothing of a bad bulk', () => {
    const mp = Mempool.create(arena, 'debug', 64, 64, { cacheSize: 8, flags: MEMPOOL_F_DEBUG });
    const other = Mempool.create(arena, 'debug_other', 8, 64);
    const h = mp.get();
    mp.put(h);
    expect(() => mp.put(h)).toThrow(/double free/);
    expect(() => mp.put(other.get())).toThrow(/foreign handle/);
    const out = new Uint32Array(4);
    expect(mp.getBulk(out, 3)).toBe(0);
    out[3] = out[0];
    const before = mp.availCount();
    expect(() => mp.putBulk(out, 4)).toThrow(/double free/);
    expect(mp.availCount()).toBe(before);
    mp.putBulk(out, 3);
    expect(mp.audit()).toMatchObject({ ok: true, objects: 64, inUse: 0 });
  });

  it('audit counts objects and finds double frees and foreign handles without debug mode', () => {
    const mp = Mempool.create(arena, 'audited', 64, 64, { cacheSize: 8 });
    const other = Mempool.create(arena, 'audited_other', 8, 64);
    const out = new Uint32Array(20);
    expect(mp.getBulk(out, 20)).toBe(0);
    expect(mp.audit()).toMatchObject({ ok: true, objects: 64, inUse: 20 });
    mp.put(out[0]);
    mp.put(out[0]);
    const stranger = other.get();
    mp.put(stranger);
    const report = mp.audit();
    expect(report.doubleFree).toEqual([out[0]]);
    expect(report.foreign).toEqual([stranger]);
    expect(report.ok).toBe(false);
    expect(report.inRing + report.inCaches).toBe(44 + 3);
  });

  it('audit flags an object whose debug state disagrees with where it is', () => {
    const mp = Mempool.create(arena, 'states', 16, 64, { flags: MEMPOOL_F_DEBUG });
    const h = mp.get();
    arena.u32[(h + OBJHDR_STATE) >>> 2] = OBJ_STATE_FREE;
    expect(mp.audit().badState).toEqual([h]);
  });

  it('refuses to hold more objects than it was created with', () => {
    const mp = Mempool.create(arena, 'overflow', 16, 64);
    const h = mp.get();
    mp.put(h);
    expect(code(() => mp.put(h))).toBe('NIC_EINVAL');
  });
});
