/**
 * DPDK's test_ring, ported: negative cases, basic_ex, exact size, burst/bulk tests 1-4 for
 * every sync mode, plus u32 counter wrap-around and a multi-thread stress.
 */
import { setFlagsFromString } from 'node:v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Arena } from './arena.js';
import { ERR_ENOBUFS, ERR_ENOENT } from './errno.js';
import { code, MiB } from './__fixtures__/harness.js';
import { newBarrier, runFixture } from './__fixtures__/workers.js';
import {
  RG_CONS_HEAD,
  RG_CONS_TAIL,
  RG_PROD_HEAD,
  RG_PROD_TAIL,
  RING_F_EXACT_SZ,
  RING_F_SC_DEQ,
  RING_F_SP_ENQ,
  RING_NAMESIZE,
  RING_COUNTER_MASK,
  RING_SIZE_MAX,
  Ring,
} from './ring.js';

const RING_SIZE = 4096;
const MAX_BULK = 32;
const TEST_RING_FULL_EMPTY_ITER = 8;
/** Longest run of the cross-thread stress, in ms (it ends sooner when all its values have moved). */
const STRESS_MS = 10_000;

/** Source values spread over the whole u32 range, so sign mistakes would show. */
function sourceValues(n: number): Uint32Array {
  return Uint32Array.from({ length: n }, (_, i) => (Math.imul(i + 1, 2654435761) >>> 0) | 1);
}

let arena = Arena.anonymous(4 * MiB);
afterEach(() => {
  arena = Arena.anonymous(4 * MiB);
});

type Op = (r: Ring, objs: Uint32Array, n: number, offset: number) => number;

interface EnqDeqImpl {
  readonly desc: string;
  readonly bulk: boolean;
  readonly createFlags: number;
  readonly enq: Op;
  readonly deq: Op;
}

/** DPDK's test_enqdeq_impl table (legacy 4-byte elements; no RTS/HTS or zero-copy modes here). */
const enqdeqImpl: readonly EnqDeqImpl[] = [
  { desc: 'MP/MC default, bulk', bulk: true, createFlags: 0, enq: (r, o, n, f) => r.enqueueBulk(o, n, f), deq: (r, o, n, f) => r.dequeueBulk(o, n, f) },
  {
    desc: 'SP/SC, bulk',
    bulk: true,
    createFlags: RING_F_SP_ENQ | RING_F_SC_DEQ,
    enq: (r, o, n, f) => r.spEnqueueBulk(o, n, f),
    deq: (r, o, n, f) => r.scDequeueBulk(o, n, f),
  },
  { desc: 'MP/MC explicit, bulk', bulk: true, createFlags: 0, enq: (r, o, n, f) => r.mpEnqueueBulk(o, n, f), deq: (r, o, n, f) => r.mcDequeueBulk(o, n, f) },
  {
    desc: 'SP/SC by flags, default bulk',
    bulk: true,
    createFlags: RING_F_SP_ENQ | RING_F_SC_DEQ,
    enq: (r, o, n, f) => r.enqueueBulk(o, n, f),
    deq: (r, o, n, f) => r.dequeueBulk(o, n, f),
  },
  { desc: 'MP/MC default, burst', bulk: false, createFlags: 0, enq: (r, o, n, f) => r.enqueueBurst(o, n, f), deq: (r, o, n, f) => r.dequeueBurst(o, n, f) },
  {
    desc: 'SP/SC, burst',
    bulk: false,
    createFlags: RING_F_SP_ENQ | RING_F_SC_DEQ,
    enq: (r, o, n, f) => r.spEnqueueBurst(o, n, f),
    deq: (r, o, n, f) => r.scDequeueBurst(o, n, f),
  },
  { desc: 'MP/MC explicit, burst', bulk: false, createFlags: 0, enq: (r, o, n, f) => r.mpEnqueueBurst(o, n, f), deq: (r, o, n, f) => r.mcDequeueBurst(o, n, f) },
  {
    desc: 'SP/SC by flags, default burst',
    bulk: false,
    createFlags: RING_F_SP_ENQ | RING_F_SC_DEQ,
    enq: (r, o, n, f) => r.enqueueBurst(o, n, f),
    deq: (r, o, n, f) => r.dequeueBurst(o, n, f),
  },
];

describe('test_ring_negative_tests', () => {
  it('refuses count 0, non powers of two and sizes beyond the mask', () => {
    expect(code(() => Ring.create(arena, 'neg', 0))).toBe('NIC_EINVAL');
    expect(code(() => Ring.create(arena, 'neg', RING_SIZE + 1))).toBe('NIC_EINVAL');
    expect(code(() => Ring.create(arena, 'neg', RING_SIZE_MAX * 2))).toBe('NIC_EINVAL');
    expect(code(() => Ring.create(arena, 'neg', 4097))).toBe('NIC_EINVAL');
    expect(code(() => Ring.create(arena, 'neg', RING_SIZE_MAX, RING_F_EXACT_SZ))).toBe('NIC_EINVAL');
    expect(code(() => Ring.create(arena, 'neg', 1.5))).toBe('NIC_EINVAL');
  });

  it('refuses unknown flags, bad names and wrong types', () => {
    expect(code(() => Ring.create(arena, 'neg', 16, 0x80))).toBe('NIC_EINVAL');
    expect(code(() => Ring.create(arena, 'r'.repeat(RING_NAMESIZE + 1), 16))).toBe('NIC_EINVAL');
    expect(code(() => Ring.create(arena, 'neg', '16' as unknown as number))).toBe('TypeError');
  });

  it('reports NIC_ENOMEM when the arena cannot hold the slots', () => {
    expect(code(() => Ring.create(arena, 'huge', 2 ** 20))).toBe('NIC_ENOMEM');
  });

  it('fails to look up a missing ring; finds and refuses to duplicate an existing one', () => {
    expect(code(() => Ring.lookup(arena, 'ring_not_found'))).toBe('NIC_ENOENT');
    const rp = Ring.create(arena, 'test_ring_negative', RING_SIZE, RING_F_SP_ENQ | RING_F_SC_DEQ);
    const found = Ring.lookup(arena, 'test_ring_negative');
    expect(found.offset).toBe(rp.offset);
    expect(found.empty()).toBe(true);
    expect(code(() => Ring.create(arena, 'test_ring_negative', RING_SIZE))).toBe('NIC_EEXIST');
  });

  it('forgets a freed ring, so its name can be used again', () => {
    Ring.create(arena, 'gone', 64).free();
    expect(code(() => Ring.lookup(arena, 'gone'))).toBe('NIC_ENOENT');
    expect(Ring.create(arena, 'gone', 64).capacity).toBe(63);
  });

  it('rejects a range outside the caller array', () => {
    const r = Ring.create(arena, 'range', 64);
    const objs = new Uint32Array(8);
    expect(code(() => r.enqueueBulk(objs, 9))).toBe('NIC_EINVAL');
    expect(code(() => r.enqueueBurst(objs, 4, 5))).toBe('NIC_EINVAL');
    expect(code(() => r.dequeueBurst(objs, -1))).toBe('NIC_EINVAL');
    expect(r.empty()).toBe(true);
  });
});

describe('test_ring_basic_ex', () => {
  it('fills with single enqueues, empties with single dequeues, then burst and bulk 2', () => {
    const rp = Ring.create(arena, 'test_ring_basic_ex', RING_SIZE, RING_F_SP_ENQ | RING_F_SC_DEQ);
    const src = sourceValues(RING_SIZE);
    const dst = new Uint32Array(RING_SIZE);
    expect(Ring.lookup(arena, 'test_ring_basic_ex').offset).toBe(rp.offset);
    expect(rp.empty()).toBe(true);
    expect(rp.freeCount()).toBe(RING_SIZE - 1);
    for (let j = 0; j < RING_SIZE - 1; j++) expect(rp.enqueue(src[j])).toBe(0);
    expect(rp.full()).toBe(true);
    expect(rp.enqueue(src[0])).toBe(ERR_ENOBUFS);
    for (let j = 0; j < RING_SIZE - 1; j++) dst[j] = rp.dequeue();
    expect(rp.empty()).toBe(true);
    expect(rp.dequeue()).toBe(ERR_ENOENT);
    expect(dst.subarray(0, RING_SIZE - 1)).toEqual(src.subarray(0, RING_SIZE - 1));

    dst.fill(0);
    expect(rp.enqueueBurst(src, 2)).toBe(2);
    expect(rp.dequeueBurst(dst, 2)).toBe(2);
    expect(rp.enqueueBulk(src, 2, 2)).toBe(2);
    expect(rp.dequeueBulk(dst, 2, 2)).toBe(2);
    expect(dst.subarray(0, 4)).toEqual(src.subarray(0, 4));
  });

  it('returns values above 2^31 from single dequeues as unsigned numbers', () => {
    for (const flags of [0, RING_F_SP_ENQ | RING_F_SC_DEQ]) {
      const r = Ring.create(arena, `unsigned${flags}`, 16, flags);
      expect(r.spEnqueue(0xffffffff)).toBe(0);
      expect(r.mpEnqueue(0x80000000)).toBe(0);
      expect(r.enqueue(-1)).toBe(0);
      expect(r.scDequeue()).toBe(0xffffffff);
      expect(r.mcDequeue()).toBe(0x80000000);
      expect(r.dequeue()).toBe(0xffffffff);
      expect(r.dequeue()).toBe(ERR_ENOENT);
    }
  });
});

describe('test_ring_with_exact_size', () => {
  it('holds exactly the count asked for', () => {
    const ringSz = 16;
    const std = Ring.create(arena, 'std', ringSz, RING_F_SP_ENQ | RING_F_SC_DEQ);
    const exact = Ring.create(arena, 'exact sz', ringSz, RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
    // Offsets of 1 stand for DPDK's deliberately unaligned buffers.
    const src = sourceValues(ringSz + 1);
    const dst = new Uint32Array(ringSz + 1);
    expect(std.size).toBeLessThanOrEqual(exact.size);
    for (let j = 0; j < ringSz - 1; j++) {
      expect(std.enqueue(src[1 + j])).toBe(0);
      expect(exact.enqueue(src[1 + j])).toBe(0);
    }
    expect(std.enqueue(src[ringSz])).toBe(ERR_ENOBUFS);
    expect(exact.enqueue(src[ringSz])).toBe(0);
    expect(exact.dequeueBurst(dst, ringSz, 1)).toBe(ringSz);
    expect(exact.capacity).toBe(ringSz);
    expect(dst.subarray(1)).toEqual(src.subarray(1));
  });

  it('accepts counts that are not powers of two', () => {
    const r = Ring.create(arena, 'odd', 1000, RING_F_EXACT_SZ);
    expect([r.size, r.mask, r.capacity]).toEqual([1024, 1023, 1000]);
  });
});

describe.each(enqdeqImpl)('burst/bulk tests, $desc', (impl) => {
  const rsz = RING_SIZE - 1;
  const create = (): Ring => Ring.create(arena, 'test_ring_burst_bulk_tests', RING_SIZE, impl.createFlags);

  it('tests1: random shifts, then fill and drain with full/empty/count checks', () => {
    const r = create();
    const src = sourceValues(RING_SIZE * 2);
    const dst = new Uint32Array(RING_SIZE * 2);
    for (let j = 0; j < TEST_RING_FULL_EMPTY_ITER; j++) {
      const rand = Math.max(Math.floor(Math.random() * RING_SIZE), 1);
      expect(impl.enq(r, src, rand, 0)).not.toBe(0);
      expect(impl.deq(r, dst, rand, 0)).toBe(rand);

      expect(impl.enq(r, src, rsz, 0)).not.toBe(0);
      expect(r.freeCount()).toBe(0);
      expect(r.count()).toBe(rsz);
      expect(r.full()).toBe(true);
      expect(r.empty()).toBe(false);

      expect(impl.deq(r, dst, rsz, 0)).toBe(rsz);
      expect(r.freeCount()).toBe(rsz);
      expect(r.count()).toBe(0);
      expect(r.full()).toBe(false);
      expect(r.empty()).toBe(true);
      expect(dst.subarray(0, rsz)).toEqual(src.subarray(0, rsz));
    }
    r.free();
  });

  it('tests2: enqueue 1, 2, MAX_BULK then dequeue 1, 2, MAX_BULK, with free space and available', () => {
    const r = create();
    const src = sourceValues(RING_SIZE * 2);
    const dst = new Uint32Array(RING_SIZE * 2);
    const out = new Uint32Array(1);
    let s = 0;
    let d = 0;
    for (const n of [1, 2, MAX_BULK]) {
      expect(impl.enq(r, src, n, s)).toBe(n);
      s += n;
    }
    expect(r.enqueueBurst(src, 0, 0, out)).toBe(0);
    expect(out[0]).toBe(rsz - s);
    for (const n of [1, 2, MAX_BULK]) {
      expect(impl.deq(r, dst, n, d)).toBe(n);
      d += n;
    }
    expect(r.dequeueBurst(dst, 0, 0, out)).toBe(0);
    expect(out[0]).toBe(0);
    expect(dst.subarray(0, d)).toEqual(src.subarray(0, d));
  });

  it('tests3: MAX_BULK enqueue/dequeue pairs around the whole ring', () => {
    const r = create();
    const src = sourceValues(RING_SIZE * 2);
    const dst = new Uint32Array(RING_SIZE * 2);
    for (let j = 0; j < RING_SIZE / MAX_BULK; j++) {
      expect(impl.enq(r, src, MAX_BULK, j * MAX_BULK)).toBe(MAX_BULK);
      expect(impl.deq(r, dst, MAX_BULK, j * MAX_BULK)).toBe(MAX_BULK);
    }
    expect(dst.subarray(0, RING_SIZE)).toEqual(src.subarray(0, RING_SIZE));
  });

  it('tests4: fill to one free slot, a full enqueue gives 0, drain symmetrically', () => {
    const r = create();
    const src = sourceValues(RING_SIZE * 2);
    const dst = new Uint32Array(RING_SIZE * 2);
    let s = 0;
    let d = 0;
    for (let j = 0; j < RING_SIZE / MAX_BULK - 1; j++, s += MAX_BULK) expect(impl.enq(r, src, MAX_BULK, s)).toBe(MAX_BULK);
    expect(impl.enq(r, src, 2, s)).toBe(2);
    s += 2;
    const rest = impl.bulk ? MAX_BULK - 3 : MAX_BULK;
    expect(impl.enq(r, src, rest, s)).toBe(MAX_BULK - 3);
    s += MAX_BULK - 3;
    expect(r.full()).toBe(true);
    expect(impl.enq(r, src, MAX_BULK, s)).toBe(0);

    for (let j = 0; j < RING_SIZE / MAX_BULK - 1; j++, d += MAX_BULK) expect(impl.deq(r, dst, MAX_BULK, d)).toBe(MAX_BULK);
    expect(impl.deq(r, dst, 2, d)).toBe(2);
    d += 2;
    expect(impl.deq(r, dst, rest, d)).toBe(MAX_BULK - 3);
    d += MAX_BULK - 3;
    expect(r.empty()).toBe(true);
    expect(impl.deq(r, dst, 1, d)).toBe(0);
    expect(dst.subarray(0, d)).toEqual(src.subarray(0, d));
  });

  it('wraps its head and tail counters past 2^30, keeping them small integers', () => {
    const r = create();
    const start = RING_COUNTER_MASK - 40;
    const counters = [RG_PROD_HEAD, RG_PROD_TAIL, RG_CONS_HEAD, RG_CONS_TAIL].map((field) => (r.offset + field) >>> 2);
    for (const word of counters) arena.u32[word] = start;
    const src = sourceValues(RING_SIZE * 2);
    const dst = new Uint32Array(RING_SIZE * 2);
    for (let j = 0; j < 4; j++) {
      expect(impl.enq(r, src, MAX_BULK, j * MAX_BULK)).toBe(MAX_BULK);
      expect(r.count()).toBe(MAX_BULK);
      expect(r.freeCount()).toBe(rsz - MAX_BULK);
      expect(impl.deq(r, dst, MAX_BULK, j * MAX_BULK)).toBe(MAX_BULK);
    }
    for (const word of counters) expect(arena.u32[word]).toBe((start + 4 * MAX_BULK) & RING_COUNTER_MASK);
    expect(dst.subarray(0, 4 * MAX_BULK)).toEqual(src.subarray(0, 4 * MAX_BULK));
  });
});

describe('remembered room (each view caches the other side\'s tail)', () => {
  for (const [mode, flags] of [
    ['SP/SC', RING_F_SP_ENQ | RING_F_SC_DEQ],
    ['MP/MC', 0],
  ] as const) {
    it(`${mode}: a view never trusts room that another view of the ring used up`, () => {
      const a = Ring.create(arena, 'cached', 64, flags);
      const b = Ring.lookup(arena, 'cached');
      const src = sourceValues(64);
      const dst = new Uint32Array(64);
      // a remembers 62 free entries; b then fills the ring: a must see it full.
      expect(a.enqueueBulk(src, 1)).toBe(1);
      expect(b.enqueueBurst(src, 63, 1)).toBe(62);
      expect(a.enqueueBulk(src, 1)).toBe(0);
      expect(a.enqueue(src[0])).toBe(ERR_ENOBUFS);
      // a remembers 62 more entries; b then empties the ring: a must see it empty.
      expect(a.dequeueBulk(dst, 1)).toBe(1);
      expect(b.dequeueBurst(dst, 63, 1)).toBe(62);
      expect(a.dequeueBulk(dst, 1)).toBe(0);
      expect(a.dequeue()).toBe(ERR_ENOENT);
      expect(dst.subarray(0, 63)).toEqual(src.subarray(0, 63));
      // Room freed by the other side behind a's back is found as soon as a needs it.
      const big = new Uint32Array(63).fill(5);
      expect(a.enqueueBulk(big, 63)).toBe(63);
      expect(b.dequeueBulk(dst, 63)).toBe(63);
      expect(a.enqueueBulk(big, 63)).toBe(63);
      expect(a.dequeueBulk(dst, 63)).toBe(63);
      expect(a.empty()).toBe(true);
    });

    it(`${mode}: freeSpace and available are exact even when the remembered room would do`, () => {
      const r = Ring.create(arena, 'exact', 64, flags);
      const src = sourceValues(8);
      const dst = new Uint32Array(8);
      const left = new Uint32Array(1);
      expect(r.enqueueBulk(src, 8, 0, left)).toBe(8);
      expect(left[0]).toBe(55);
      expect(r.dequeueBulk(dst, 4, 0, left)).toBe(4);
      expect(left[0]).toBe(4);
      // The producer's remembered room (55) is stale by the 4 entries just dequeued.
      expect(r.enqueueBulk(src, 8, 0, left)).toBe(8);
      expect(left[0]).toBe(51);
      expect(r.enqueueBulk(src, 2)).toBe(2);
      expect(r.dequeueBurst(dst, 8, 0, left)).toBe(8);
      expect(left[0]).toBe(6);
    });
  }
});

describe('ring without plain-store ordering (non-x86 CPUs)', () => {
  it('passes tests3 and tests4 with Atomics loads and stores of the tails', async () => {
    const arch = Object.getOwnPropertyDescriptor(process, 'arch');
    Object.defineProperty(process, 'arch', { value: 'arm64', configurable: true });
    vi.resetModules();
    let fresh: typeof import('./ring.js');
    try {
      fresh = await import('./ring.js');
    } finally {
      if (arch) Object.defineProperty(process, 'arch', arch);
      vi.resetModules();
    }
    for (const flags of [RING_F_SP_ENQ | RING_F_SC_DEQ, 0]) {
      const r = fresh.Ring.create(arena, `atomics${flags}`, RING_SIZE, flags);
      const src = sourceValues(RING_SIZE * 2);
      const dst = new Uint32Array(RING_SIZE * 2);
      for (let j = 0; j < RING_SIZE / MAX_BULK; j++) {
        expect(r.enqueueBulk(src, MAX_BULK, j * MAX_BULK)).toBe(MAX_BULK);
        expect(r.dequeueBulk(dst, MAX_BULK, j * MAX_BULK)).toBe(MAX_BULK);
      }
      expect(dst.subarray(0, RING_SIZE)).toEqual(src.subarray(0, RING_SIZE));
      expect(r.enqueueBurst(src, RING_SIZE)).toBe(RING_SIZE - 1);
      expect(r.enqueue(1)).toBe(ERR_ENOBUFS);
      expect(r.dequeueBulk(dst, RING_SIZE - 1)).toBe(RING_SIZE - 1);
      expect(r.dequeue()).toBe(ERR_ENOENT);
      expect(dst.subarray(0, RING_SIZE - 1)).toEqual(src.subarray(0, RING_SIZE - 1));
    }
  });
});

describe('ring across threads', () => {
  /**
   * Producers move up to `total` values through one ring to consumers; each value must
   * arrive exactly once. The run stops early after {@link STRESS_MS}, like DPDK's own ring
   * stress test, which runs for a set time: on a loaded machine with fewer CPUs than threads
   * it then checks fewer values instead of running past the test's timeout, but never fewer than
   * 64 Ki per producer.
   */
  async function stress(producers: number, consumers: number, total: number, flags: number, v8Flags?: string[]): Promise<void> {
    const shared = Arena.anonymous(MiB);
    const ring = Ring.create(shared, 'stress', 1024, flags);
    const perProducer = total / producers;
    // Enough traffic to have wrapped the ring many times: each producer moves at least this many
    // values whenever the stop comes, so the bound holds however loaded the machine is.
    const minimum = Math.min(perProducer, 64 * 1024);
    const barrier = newBarrier();
    const parties = producers + consumers;
    // [0]: producers finished; [1]: 1 asks the producers to stop.
    const done = new SharedArrayBuffer(8);
    const seen = Array.from({ length: consumers }, () => new SharedArrayBuffer(total));
    const common = { arena: shared.handle(), ring: 'stress', multi: flags === 0, barrier, parties, done, v8Flags };
    const fixture = v8Flags ? 'ring-stress-tier.mjs' : 'ring-stress.mjs';
    const stop = setTimeout(() => Atomics.store(new Int32Array(done), 1, 1), STRESS_MS);
    const results = await Promise.all([
      ...Array.from({ length: producers }, (_, p) =>
        runFixture<{ produced: number }>(fixture, { ...common, role: 'producer', first: p * perProducer, count: perProducer, minimum }),
      ),
      ...seen.map((buffer) =>
        runFixture<{ consumed: number; disorder: number }>(fixture, {
          ...common,
          role: 'consumer',
          seen: buffer,
          producers,
          perProducer,
        }),
      ),
    ]).finally(() => {
      clearTimeout(stop);
      // The fixture set process-wide flags: undo them, so the next test's threads load quickly.
      for (const flag of v8Flags ?? []) setFlagsFromString(flag.replace(/^--/, '--no-'));
    });
    const produced = (results.slice(0, producers) as { produced: number }[]).map((r) => r.produced);
    const consumerResults = results.slice(producers) as { consumed: number; disorder: number }[];
    for (const n of produced) expect(n).toBeGreaterThanOrEqual(minimum);
    expect(consumerResults.reduce((sum, r) => sum + r.consumed, 0)).toBe(produced.reduce((a, b) => a + b, 0));
    for (const r of consumerResults) expect(r.disorder).toBe(0);
    const views = seen.map((b) => new Uint8Array(b));
    let wrong = 0;
    for (let v = 0; v < total; v++) {
      let times = 0;
      for (const view of views) times += view[v];
      const expected = v % perProducer < produced[Math.floor(v / perProducer)] ? 1 : 0;
      if (times !== expected) wrong++;
    }
    expect(wrong).toBe(0);
    expect(ring.empty()).toBe(true);
    // Under forced tiers, every ring method each thread called ended in TurboFan code.
    if (v8Flags) for (const r of results as { notTurboFanned?: string[] }[]) expect(r.notTurboFanned).toEqual([]);
  }

  it('MP/MC: 2 producers and 2 consumers move up to 4 M values, none lost or duplicated', async () => {
    await stress(2, 2, 4 * MiB, 0);
  }, 60_000);

  it('SP/SC: 1 producer and 1 consumer move up to 4 M values in order', async () => {
    await stress(1, 1, 4 * MiB, RING_F_SP_ENQ | RING_F_SC_DEQ);
  }, 60_000);

  // The ring's ordering on x86 rests on how V8's optimizing compiler treats typed-array
  // accesses (ring.ts): run the same stress with every ring function compiled by TurboFan
  // from its first calls, so a V8 whose optimizer reorders them fails here. V8 flags are
  // process-wide: these run last, and each undoes its flags when done. (Node 20's V8 is built without Maglev, so TurboFan is the
  // only optimizing tier to force.)
  it('MP/MC under --always-turbofan: none lost or duplicated, the ring methods run as TurboFan code', async () => {
    await stress(2, 2, 4 * MiB, 0, ['--always-turbofan']);
  }, 60_000);

  it('SP/SC under --always-turbofan: in order, the ring methods run as TurboFan code', async () => {
    await stress(1, 1, 4 * MiB, RING_F_SP_ENQ | RING_F_SC_DEQ, ['--always-turbofan']);
  }, 60_000);
});
