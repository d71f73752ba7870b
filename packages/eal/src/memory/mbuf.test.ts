/**
 * DPDK's test_mbuf, ported: one_pktmbuf, clones, pool exhaustion twice, bulk alloc/free
 * with two pools, pool_ptr, free_segment, copy, attach from a different pool, refcnt
 * stress across worker threads, failing sanity checks, linearize, alloc_bulk and its
 * negative cases, read / read_from_offset / read_from_chain, nb_segs and next reset.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Arena } from './arena.js';
import { setCurrentLcore } from './current-lcore.js';
import { ERR_ENOENT, ERR_EOVERFLOW } from './errno.js';
import { code, MiB } from './__fixtures__/harness.js';
import { newBarrier, runFixture } from './__fixtures__/workers.js';
import { MbufView, pktmbufDataRoomSize, pktmbufPoolCreate, pktmbufPrivSize } from './mbuf.js';
import * as L from './mbuf-layout.js';
import { Mempool } from './mempool.js';
import { memzoneReserve } from './memzone.js';
import { RING_F_SP_ENQ, Ring } from './ring.js';

const MEMPOOL_CACHE_SIZE = 32;
const MBUF_DATA_SIZE = 2048;
const NB_MBUF = 128;
const MBUF_TEST_DATA_LEN = 1464;
const MBUF_TEST_DATA_LEN2 = 50;
const MBUF_TEST_DATA_LEN3 = 256;
const MBUF_TEST_HDR1_LEN = 20;
const MBUF_TEST_HDR2_LEN = 30;
const MBUF_TEST_ALL_HDRS_LEN = MBUF_TEST_HDR1_LEN + MBUF_TEST_HDR2_LEN;
const CHAIN_LEN = 16;
const MBUF2_PRIV_SIZE = 128;
const MAGIC_DATA = 0x42424242;
const ETHER_HDR_LEN = 14;

let arena: Arena;
let mb: MbufView;
let pool: Mempool;

beforeEach(() => {
  arena = Arena.anonymous(16 * MiB);
  mb = new MbufView(arena);
  pool = pktmbufPoolCreate(arena, 'test_pktmbuf_pool', NB_MBUF, MEMPOOL_CACHE_SIZE, 0, MBUF_DATA_SIZE);
});

afterEach(() => {
  setCurrentLcore(0);
});

function u32At(offset: number): number {
  return arena.dv.getUint32(offset, true);
}

function setU32At(offset: number, value: number): void {
  arena.dv.setUint32(offset, value, true);
}

/** Appends `len` bytes to `m` and fills them with `fill(i)`; returns where they start. */
function appendFilled(m: number, len: number, fill: (i: number) => number): number {
  const at = mb.append(m, len);
  expect(at).toBeGreaterThan(0);
  for (let i = 0; i < len; i++) arena.u8[at + i] = fill(i);
  return at;
}

describe('mbuf layout', () => {
  it('keeps the fields apart, the receive fields in the first cache line', () => {
    const fields: [number, number][] = [
      [L.MBUF_BUF_ADDR, 4],
      [L.MBUF_BUF_IOVA_LO, 4],
      [L.MBUF_BUF_IOVA_HI, 4],
      [L.MBUF_DATA_OFF, 2],
      [L.MBUF_REFCNT, 2],
      [L.MBUF_NB_SEGS, 2],
      [L.MBUF_PORT, 2],
      [L.MBUF_OL_FLAGS_LO, 4],
      [L.MBUF_OL_FLAGS_HI, 4],
      [L.MBUF_PACKET_TYPE, 4],
      [L.MBUF_PKT_LEN, 4],
      [L.MBUF_DATA_LEN, 2],
      [L.MBUF_VLAN_TCI, 2],
      [L.MBUF_RSS_HASH, 4],
      [L.MBUF_VLAN_TCI_OUTER, 2],
      [L.MBUF_BUF_LEN, 2],
      [L.MBUF_POOL, 4],
      [L.MBUF_NEXT, 4],
      [L.MBUF_PRIV_SIZE, 2],
      [L.MBUF_DYNFIELD, L.MBUF_DYNFIELD_SIZE],
    ];
    const used = new Uint8Array(L.MBUF_HDR_SIZE);
    for (const [offset, width] of fields) {
      expect(offset % width === 0 || width > 4).toBe(true);
      for (let i = offset; i < offset + width; i++) used[i]++;
    }
    expect(used.every((n) => n <= 1)).toBe(true);
    for (const [offset, width] of fields.slice(0, -1)) expect(offset + width).toBeLessThanOrEqual(64);
    expect(L.MBUF_HDR_SIZE).toBe(128);
  });
});

describe('pktmbufPoolCreate', () => {
  it('initialises every mbuf: buffer, IOVA, headroom, refcnt, pool', () => {
    const p = pktmbufPoolCreate(arena, 'init', 8, 0, 64, 1000);
    expect(p.eltSize).toBe(L.MBUF_HDR_SIZE + 64 + 1000);
    expect([pktmbufDataRoomSize(p), pktmbufPrivSize(p)]).toEqual([1000, 64]);
    p.objIter((h) => {
      expect(mb.bufAddr(h)).toBe(h + L.MBUF_HDR_SIZE + 64);
      expect(mb.bufIova(h)).toBe(arena.iova(mb.bufAddr(h)));
      expect(mb.dataIova(h)).toBe(mb.bufIova(h) + L.MBUF_HEADROOM);
      expect([mb.bufLen(h), mb.privSize(h), mb.dataOff(h), mb.refcnt(h), mb.nbSegs(h), mb.port(h)]).toEqual([1000, 64, 128, 1, 1, 0xffff]);
      expect(mb.poolOffset(h)).toBe(p.offset);
      expect(mb.priv(h)).toBe(h + L.MBUF_HDR_SIZE);
      expect(mb.check(h)).toBeNull();
    });
  });

  it('records IOVA halves above 4 GiB', () => {
    const pageSize = 1024 * 1024;
    const pa = Arena.anonymous(4 * pageSize, { mode: 'pa', baseAddress: 0, pageSize, pagePhys: Float64Array.of(2 ** 40, 2 ** 40 + 5 * pageSize, 2 ** 33, 3 * pageSize) });
    const v = new MbufView(pa);
    const p = pktmbufPoolCreate(pa, 'high', 64, 0, 0, 2048);
    p.objIter((h) => {
      expect(v.bufIova(h)).toBe(pa.iova(v.bufAddr(h)));
      expect(pa.iovaContiguous(h, L.MBUF_HDR_SIZE + 2048)).toBe(true);
    });
  });

  it('refuses a private size that is not a multiple of 8 and a buffer beyond 64 KiB', () => {
    expect(code(() => pktmbufPoolCreate(arena, 'bad_priv', 8, 0, 12))).toBe('NIC_EINVAL');
    expect(code(() => pktmbufPoolCreate(arena, 'bad_room', 8, 0, 0, 70000))).toBe('NIC_EINVAL');
  });
});

describe('field access', () => {
  it('reads back what it writes, modulo the field width', () => {
    const m = mb.alloc(pool);
    mb.setPort(m, 3);
    mb.setPacketType(m, 0x291);
    mb.setRssHash(m, 0xdeadbeef);
    mb.setVlanTci(m, 0x1064);
    mb.setVlanTciOuter(m, 0x10000 + 7);
    mb.setOlFlagsLo(m, 0x80000001);
    mb.setOlFlagsHi(m, 0x2);
    mb.setPktLen(m, 0x1_0000_0005);
    expect([mb.port(m), mb.packetType(m), mb.rssHash(m), mb.vlanTci(m), mb.vlanTciOuter(m)]).toEqual([3, 0x291, 0xdeadbeef, 0x1064, 7]);
    expect([mb.olFlagsLo(m), mb.olFlagsHi(m), mb.pktLen(m)]).toEqual([0x80000001, 2, 5]);
    expect(arena.u16[(m + L.MBUF_PORT) >>> 1]).toBe(3);
    arena.u8[mb.dynfield(m)] = 9;
    expect(arena.u8[m + L.MBUF_DYNFIELD]).toBe(9);
    mb.free(m);
  });
});

describe('test_pktmbuf_pool (run twice)', () => {
  it('allocates all, then fails alloc and clone, then frees all', () => {
    for (let round = 0; round < 2; round++) {
      const m: number[] = [];
      for (let i = 0; i < NB_MBUF; i++) m.push(mb.alloc(pool));
      expect(m.every((h) => h !== 0)).toBe(true);
      expect(mb.alloc(pool)).toBe(0);
      expect(mb.clone(m[0], pool)).toBe(0);
      for (const h of m) mb.free(h);
      expect(pool.full()).toBe(true);
    }
  });
});

describe('test_pktmbuf_pool_bulk', () => {
  it('bulk alloc and free with two pools, long chains and mixed chains', () => {
    const p1 = pktmbufPoolCreate(arena, 'test_pktmbuf_bulk', NB_MBUF, 0, 0, MBUF_DATA_SIZE);
    const p2 = pktmbufPoolCreate(arena, 'test_pktmbuf_bulk2', NB_MBUF, 0, 0, MBUF_DATA_SIZE);
    expect(p1.full() && p2.full()).toBe(true);
    const mbufs = new Uint32Array(NB_MBUF);

    expect(mb.allocBulk(p1, mbufs, NB_MBUF)).toBe(0);
    expect(p1.empty()).toBe(true);
    for (let i = 0; i < NB_MBUF; i += NB_MBUF / 4) {
      mb.freeBulk(mbufs, NB_MBUF / 4, i);
      expect(p1.availCount()).toBe(i + NB_MBUF / 4);
    }

    for (let i = 0; i < NB_MBUF; i += NB_MBUF / 4) expect(mb.allocBulk(p1, mbufs, NB_MBUF / 4, i)).toBe(0);
    expect(p1.empty()).toBe(true);
    mb.freeBulk(mbufs, NB_MBUF);
    expect(p1.full()).toBe(true);

    expect(mb.allocBulk(p1, mbufs, NB_MBUF)).toBe(0);
    for (let i = 1; i < NB_MBUF; i++) {
      expect(mb.chain(mbufs[0], mbufs[i])).toBe(0);
      mbufs[i] = 0;
    }
    expect(mb.nbSegs(mbufs[0])).toBe(NB_MBUF);
    mb.freeBulk(mbufs, 1);
    expect(p1.full()).toBe(true);

    const heads = new Uint32Array((NB_MBUF * 2) / CHAIN_LEN);
    for (let i = 0; i < NB_MBUF * 2; i++) {
      const m = mb.alloc(i & 4 ? p2 : p1);
      expect(m).not.toBe(0);
      if (i % CHAIN_LEN === 0) heads[i / CHAIN_LEN] = m;
      else mb.chain(heads[Math.floor(i / CHAIN_LEN)], m);
    }
    expect(p1.empty() && p2.empty()).toBe(true);
    mb.freeBulk(heads, 1);
    expect([p1.availCount(), p2.availCount()]).toEqual([CHAIN_LEN / 2, CHAIN_LEN / 2]);
    mb.freeBulk(heads, heads.length - 1, 1);
    expect(p1.full() && p2.full()).toBe(true);
  });

  it('skips empty entries', () => {
    const list = Uint32Array.of(0, mb.alloc(pool), 0);
    mb.freeBulk(list, 3);
    expect(pool.full()).toBe(true);
  });

  it('frees a burst array of the arena: plain mbufs in bulk, then chains, clones, shared ones, other pools and holes', () => {
    const other = pktmbufPoolCreate(arena, 'test_pktmbuf_bulk_other', NB_MBUF, 0, 0, MBUF_DATA_SIZE);
    const slots = 12;
    const list = new Uint32Array(arena.buffer, memzoneReserve(arena, 'test_free_bulk_burst', slots * 4).offset, slots);
    const plain = [mb.alloc(pool), mb.alloc(pool), mb.alloc(pool)];
    const chain = mb.alloc(pool);
    expect(mb.chain(chain, mb.alloc(pool))).toBe(0);
    const shared = mb.alloc(pool);
    mb.refcntUpdate(shared, 1);
    const owner = mb.alloc(pool);
    const clone = mb.alloc(pool);
    mb.attach(clone, owner);
    const foreign = mb.alloc(other);
    list.set([...plain, foreign, mb.alloc(pool), chain, 0, shared, clone, owner, mb.alloc(pool), 0]);
    mb.freeBulk(list, slots);
    // All but `shared` (one reference left) came back; the clone's release returned `owner`'s last reference.
    expect([pool.inUseCount(), other.full(), mb.refcnt(shared)]).toEqual([1, true, 1]);
    mb.free(shared);
    expect(pool.full()).toBe(true);
    // A burst of nothing but plain mbufs, and one that starts with a hole.
    list.fill(0);
    expect(mb.allocBulk(pool, list, slots - 1, 1)).toBe(0);
    mb.freeBulk(list, slots);
    expect(pool.full()).toBe(true);
    expect(mb.allocBulk(other, list, slots)).toBe(0);
    mb.freeBulk(list, slots);
    expect(other.full()).toBe(true);
  });
});

describe('test_pktmbuf_pool_ptr', () => {
  it('resets the data offset on alloc', () => {
    const m: number[] = [];
    for (let i = 0; i < NB_MBUF; i++) {
      m.push(mb.alloc(pool));
      mb.setDataOff(m[i], mb.dataOff(m[i]) + 64);
    }
    for (const h of m.splice(0)) mb.free(h);
    for (let i = 0; i < NB_MBUF; i++) {
      m.push(mb.alloc(pool));
      expect(mb.dataOff(m[i])).toBe(L.MBUF_HEADROOM);
    }
    for (const h of m) mb.free(h);
  });
});

describe('test_one_pktmbuf (run twice)', () => {
  it('appends, trims, prepends and adjusts, keeping the data', () => {
    for (let round = 0; round < 2; round++) {
      const m = mb.alloc(pool);
      expect(m).not.toBe(0);
      expect(mb.pktLen(m)).toBe(0);

      const data = mb.append(m, MBUF_TEST_DATA_LEN);
      expect(data).toBe(mb.mtod(m));
      expect([mb.pktLen(m), mb.dataLen(m)]).toEqual([MBUF_TEST_DATA_LEN, MBUF_TEST_DATA_LEN]);
      arena.u8.fill(0x66, data, data + MBUF_TEST_DATA_LEN);
      expect(mb.isContiguous(m)).toBe(true);

      expect(mb.append(m, mb.tailroom(m) + 1)).toBe(-1);
      expect(mb.append(m, MBUF_TEST_DATA_LEN2)).toBe(data + MBUF_TEST_DATA_LEN);
      expect([mb.pktLen(m), mb.dataLen(m)]).toEqual([MBUF_TEST_DATA_LEN + MBUF_TEST_DATA_LEN2, MBUF_TEST_DATA_LEN + MBUF_TEST_DATA_LEN2]);

      expect(mb.trim(m, MBUF_TEST_DATA_LEN2)).toBe(0);
      expect([mb.pktLen(m), mb.dataLen(m)]).toEqual([MBUF_TEST_DATA_LEN, MBUF_TEST_DATA_LEN]);
      expect(mb.trim(m, mb.dataLen(m) + 1)).toBe(-1);

      let hdr = mb.prepend(m, MBUF_TEST_HDR1_LEN);
      expect(data - hdr).toBe(MBUF_TEST_HDR1_LEN);
      expect([mb.pktLen(m), mb.dataLen(m)]).toEqual([MBUF_TEST_DATA_LEN + MBUF_TEST_HDR1_LEN, MBUF_TEST_DATA_LEN + MBUF_TEST_HDR1_LEN]);
      arena.u8.fill(0x55, hdr, hdr + MBUF_TEST_HDR1_LEN);
      hdr = mb.prepend(m, MBUF_TEST_HDR2_LEN);
      expect(data - hdr).toBe(MBUF_TEST_ALL_HDRS_LEN);
      expect(mb.pktLen(m)).toBe(MBUF_TEST_DATA_LEN + MBUF_TEST_ALL_HDRS_LEN);
      arena.u8.fill(0x55, hdr, hdr + MBUF_TEST_HDR2_LEN);
      expect(mb.check(m, true)).toBeNull();
      expect(mb.check(m, false)).toBeNull();

      expect(mb.prepend(m, mb.headroom(m) + 1)).toBe(-1);
      expect(mb.adj(m, MBUF_TEST_ALL_HDRS_LEN)).toBe(data);
      expect([mb.pktLen(m), mb.dataLen(m)]).toEqual([MBUF_TEST_DATA_LEN, MBUF_TEST_DATA_LEN]);
      expect(mb.adj(m, mb.dataLen(m) + 1)).toBe(-1);
      expect(mb.isContiguous(m)).toBe(true);
      expect(arena.u8.subarray(data, data + MBUF_TEST_DATA_LEN).every((x) => x === 0x66)).toBe(true);
      mb.free(m);
    }
    expect(pool.full()).toBe(true);
  });
});

describe('test_pktmbuf_free_segment', () => {
  it('frees chains one segment at a time', () => {
    const m: number[] = [];
    for (let i = 0; i < NB_MBUF; i++) m.push(mb.alloc(pool));
    for (let i = 0; i < NB_MBUF; i += 4) for (let k = 1; k < 4; k++) mb.chain(m[i], m[i + k]);
    for (let i = 0; i < NB_MBUF; i += 4) {
      for (let seg = m[i]; seg !== 0; ) {
        const next = mb.next(seg);
        mb.freeSeg(seg);
        seg = next;
      }
    }
    expect(pool.full()).toBe(true);
    expect(pool.audit().ok).toBe(true);
  });
});

describe('testclone_testupdate_testdetach', () => {
  it('clones one segment and a chain, clones a clone, and frees back to refcnt 1', () => {
    const m = mb.alloc(pool);
    setU32At(mb.append(m, 4), MAGIC_DATA);
    let clone = mb.clone(m, pool);
    expect(clone).not.toBe(0);
    expect(mb.isDirect(clone)).toBe(false);
    expect(u32At(mb.mtod(clone))).toBe(MAGIC_DATA);
    expect(mb.refcnt(m)).toBe(2);
    mb.free(clone);
    expect(mb.refcnt(m)).toBe(1);

    const next = mb.alloc(pool);
    mb.setNext(m, next);
    mb.setNbSegs(m, 2);
    setU32At(mb.append(next, 4), MAGIC_DATA);
    mb.setPktLen(m, 8);

    clone = mb.clone(m, pool);
    expect(clone).not.toBe(0);
    expect(u32At(mb.mtod(clone))).toBe(MAGIC_DATA);
    expect(u32At(mb.mtod(mb.next(clone)))).toBe(MAGIC_DATA);
    expect([mb.nbSegs(clone), mb.pktLen(clone)]).toEqual([2, 8]);
    expect([mb.refcnt(m), mb.refcnt(next)]).toEqual([2, 2]);

    const clone2 = mb.clone(clone, pool);
    expect(clone2).not.toBe(0);
    expect(u32At(mb.mtod(clone2))).toBe(MAGIC_DATA);
    expect(u32At(mb.mtod(mb.next(clone2)))).toBe(MAGIC_DATA);
    expect([mb.refcnt(m), mb.refcnt(next)]).toEqual([3, 3]);
    expect(mb.refcnt(clone)).toBe(1);

    mb.free(m);
    expect([mb.refcnt(m), mb.refcnt(next)]).toEqual([2, 2]);
    mb.free(clone);
    mb.free(clone2);
    expect(pool.full()).toBe(true);
    expect(pool.audit().ok).toBe(true);
  });

  it('gives back every mbuf when the pool runs out half-way through a chain clone', () => {
    const small = pktmbufPoolCreate(arena, 'small', 3, 0, 0, MBUF_DATA_SIZE);
    const head = mb.alloc(small);
    mb.chain(head, mb.alloc(small));
    expect(mb.clone(head, small)).toBe(0);
    expect(small.availCount()).toBe(1);
    expect([mb.refcnt(head), mb.refcnt(mb.next(head))]).toEqual([1, 1]);
  });
});

describe('test_pktmbuf_copy', () => {
  it('copies whole packets, clones, chains, from an offset and truncated', () => {
    const m = mb.alloc(pool);
    setU32At(mb.append(m, 4), MAGIC_DATA);
    mb.setPort(m, 7);
    mb.setRssHash(m, 0x1234);
    let copy = mb.copy(m, pool, 0, 0xffffffff);
    expect([mb.pktLen(copy), mb.dataLen(copy), u32At(mb.mtod(copy))]).toEqual([4, 4, MAGIC_DATA]);
    expect([mb.port(copy), mb.rssHash(copy)]).toEqual([7, 0x1234]);
    expect(mb.mtod(copy)).not.toBe(mb.mtod(m));
    mb.free(copy);

    const clone = mb.clone(m, pool);
    expect(mb.isDirect(clone)).toBe(false);
    copy = mb.copy(clone, pool);
    expect(mb.isDirect(copy)).toBe(true);
    expect([mb.pktLen(copy), mb.dataLen(copy), u32At(mb.mtod(copy))]).toEqual([4, 4, MAGIC_DATA]);
    mb.free(clone);
    mb.free(copy);

    const next = mb.alloc(pool);
    mb.setNext(m, next);
    mb.setNbSegs(m, 2);
    setU32At(mb.append(next, 4), MAGIC_DATA + 1);
    mb.setPktLen(m, 8);
    copy = mb.copy(m, pool);
    expect([mb.pktLen(copy), mb.dataLen(copy), mb.nbSegs(copy)]).toEqual([8, 8, 1]);
    expect([u32At(mb.mtod(copy)), u32At(mb.mtod(copy) + 4)]).toEqual([MAGIC_DATA, MAGIC_DATA + 1]);

    let copy2 = mb.copy(copy, pool, 4);
    expect([mb.pktLen(copy2), mb.dataLen(copy2), u32At(mb.mtod(copy2))]).toEqual([4, 4, MAGIC_DATA + 1]);
    mb.free(copy2);
    copy2 = mb.copy(copy, pool, 8);
    expect([mb.pktLen(copy2), mb.dataLen(copy2)]).toEqual([0, 0]);
    mb.free(copy2);
    expect(mb.copy(copy, pool, 9)).toBe(0);
    copy2 = mb.copy(copy, pool, 0, 4);
    expect([mb.pktLen(copy2), mb.dataLen(copy2), u32At(mb.mtod(copy2))]).toEqual([4, 4, MAGIC_DATA]);
    for (const h of [m, copy, copy2]) mb.free(h);
    expect(pool.full()).toBe(true);
  });

  it('chains new segments when one buffer cannot hold the copy', () => {
    const tiny = pktmbufPoolCreate(arena, 'tiny', 16, 0, 0, L.MBUF_HEADROOM + 100);
    const m = mb.alloc(pool);
    appendFilled(m, 250, (i) => i);
    const copy = mb.copy(m, tiny);
    expect([mb.nbSegs(copy), mb.pktLen(copy), mb.check(copy)]).toEqual([3, 250, null]);
    const out = new Uint8Array(250);
    expect(mb.read(copy, 0, 250, out)).toBe(250);
    expect([...out]).toEqual(Array.from({ length: 250 }, (_, i) => i));
    mb.free(copy);
    mb.free(m);
    expect(tiny.full()).toBe(true);
  });
});

describe('test_attach_from_different_pool', () => {
  it('attaches mbufs of a pool with no data room to a mbuf and its clone, and detaches them', () => {
    const pool2 = pktmbufPoolCreate(arena, 'test_pktmbuf_pool2', NB_MBUF, MEMPOOL_CACHE_SIZE, MBUF2_PRIV_SIZE, 0);
    const m = mb.alloc(pool);
    const data = mb.mtod(m);

    const clone = mb.alloc(pool2);
    expect(pktmbufDataRoomSize(mb.pool(clone))).toBe(0);
    expect(pktmbufPrivSize(mb.pool(clone))).toBe(MBUF2_PRIV_SIZE);
    arena.u8.fill(0, mb.priv(clone), mb.priv(clone) + MBUF2_PRIV_SIZE);
    const cData = mb.mtod(clone);
    expect(cData).toBe(clone + L.MBUF_HDR_SIZE + MBUF2_PRIV_SIZE);
    expect(mb.headroom(clone)).toBe(0);
    mb.attach(clone, m);
    expect(mb.mtod(clone)).toBe(data);
    expect(mb.headroom(clone)).toBe(L.MBUF_HEADROOM);
    expect(mb.refcnt(m)).toBe(2);

    const clone2 = mb.alloc(pool2);
    const cData2 = mb.mtod(clone2);
    expect(cData2).toBe(clone2 + L.MBUF_HDR_SIZE + MBUF2_PRIV_SIZE);
    mb.attach(clone2, clone);
    expect(mb.mtod(clone2)).toBe(data);
    expect(mb.refcnt(m)).toBe(3);

    mb.detach(clone);
    expect(mb.mtod(clone)).toBe(cData);
    expect(mb.bufIova(clone)).toBe(arena.iova(cData));
    expect(mb.refcnt(m)).toBe(2);
    mb.detach(clone2);
    expect(mb.mtod(clone2)).toBe(cData2);
    expect(mb.refcnt(m)).toBe(1);

    for (const h of [clone2, clone, m]) mb.free(h);
    expect(pool.full() && pool2.full()).toBe(true);
  });

  it('refuses to attach a mbuf that is indirect or shared', () => {
    const m = mb.alloc(pool);
    const mi = mb.alloc(pool);
    mb.refcntUpdate(mi, 1);
    expect(code(() => mb.attach(mi, m))).toBe('NIC_EINVAL');
    expect(mb.refcnt(m)).toBe(1);
  });

  it('frees the direct mbuf when its last clone goes', () => {
    const m = mb.alloc(pool);
    const c = mb.clone(m, pool);
    mb.free(m);
    expect(pool.inUseCount()).toBe(2);
    mb.free(c);
    expect(pool.full()).toBe(true);
  });
});

describe('test_refcnt_mbuf', () => {
  it('frees every reference exactly once across two worker threads', async () => {
    const REFCNT_MBUF_NUM = 64;
    const REFCNT_MAX_REF = 128;
    const refcntPool = pktmbufPoolCreate(arena, 'refcnt_pool', REFCNT_MBUF_NUM, 0, 0, 0);
    Ring.create(arena, 'refcnt_mbuf_ring', REFCNT_MBUF_NUM * REFCNT_MAX_REF, RING_F_SP_ENQ);
    const barrier = newBarrier();
    const stop = new SharedArrayBuffer(4);
    const common = { arena: arena.handle(), pool: 'refcnt_pool', ring: 'refcnt_mbuf_ring', barrier, parties: 3, stop };
    const [main, ...workers] = await Promise.all([
      runFixture<{ tref: number; failedAlloc: number }>('mbuf-refcnt.mjs', { ...common, role: 'main', lcore: 0, iterations: 64, maxRef: REFCNT_MAX_REF }),
      runFixture<{ freed: number }>('mbuf-refcnt.mjs', { ...common, role: 'worker', lcore: 1 }),
      runFixture<{ freed: number }>('mbuf-refcnt.mjs', { ...common, role: 'worker', lcore: 2 }),
    ]);
    expect(main.failedAlloc).toBe(0);
    expect(main.tref).toBeGreaterThan(0);
    expect(workers[0].freed + workers[1].freed).toBe(main.tref);
    expect(refcntPool.full()).toBe(true);
    expect(refcntPool.audit().ok).toBe(true);
    refcntPool.objIter((h) => expect(mb.refcnt(h)).toBe(1));
  }, 60_000);
});

describe('test_failing_mbuf_sanity_check', () => {
  it('passes a good mbuf and fails each broken field', () => {
    const buf = mb.alloc(pool);
    const bad = mb.alloc(pool);
    const saved = arena.u8.slice(bad, bad + L.MBUF_HDR_SIZE);
    expect(mb.check(buf)).toBeNull();
    expect(mb.check(0)).toBe('mbuf is NULL');
    expect(mb.check(arena.size)).toBe('mbuf is outside the arena');
    const broken = (mutate: () => void): string | null => {
      arena.u8.copyWithin(bad, buf, buf + L.MBUF_HDR_SIZE);
      mutate();
      return mb.check(bad);
    };
    expect(broken(() => setU32At(bad + L.MBUF_POOL, 0))).toBe('bad mbuf pool');
    expect(broken(() => [L.MBUF_BUF_IOVA_LO, L.MBUF_BUF_IOVA_HI].forEach((f) => setU32At(bad + f, 0)))).toBe('bad IO addr');
    expect(broken(() => setU32At(bad + L.MBUF_BUF_ADDR, 0))).toBe('bad virt addr');
    expect(broken(() => mb.setRefcnt(bad, 0))).toBe('bad ref cnt');
    expect(broken(() => mb.setRefcnt(bad, 0xffff))).toBe('bad ref cnt');
    expect(broken(() => mb.setDataLen(bad, 10))).toBe('bad data_len');
    expect(broken(() => mb.setNbSegs(bad, 2))).toBe('bad nb_segs');
    expect(broken(() => mb.setPktLen(bad, 10))).toBe('bad pkt_len');
    expect(broken(() => mb.setDataOff(bad, 5000))).toBe('data offset too big in mbuf segment');
    expect(
      broken(() => {
        mb.setDataLen(bad, 2000);
        mb.setPktLen(bad, 2000);
      }),
    ).toBe('data length too big in mbuf segment');
    expect(broken(() => mb.setDataLen(bad, 10)) && mb.check(bad, false)).toBeNull();
    arena.u8.set(saved, bad);
    mb.free(bad);
    mb.free(buf);
    expect(pool.full()).toBe(true);
  });
});

describe('test_mbuf_linearize_check', () => {
  it.each([
    [128, 1],
    [64, 64],
    [512, 10],
    [250, 11],
    [123, 8],
  ])('linearizes %i bytes in %i segments', (pktLen, nbSegs) => {
    const segLen = Math.max(Math.floor(pktLen / nbSegs), 1);
    let mbuf = 0;
    for (let seg = 0, remain = pktLen; remain > 0; seg++) {
      const m = mb.alloc(pool);
      arena.u8.fill(0, mb.mtod(m), mb.mtod(m) + mb.tailroom(m));
      const dataLen = Math.min(remain, segLen);
      appendFilled(m, dataLen, (i) => (seg * segLen + i) % 0xff);
      if (seg === 0) mbuf = m;
      else mb.chain(mbuf, m);
      remain -= dataLen;
    }
    expect(mb.linearize(mbuf)).toBe(0);
    expect(mb.isContiguous(mbuf)).toBe(true);
    expect([mb.dataLen(mbuf), mb.pktLen(mbuf), mb.next(mbuf)]).toEqual([pktLen, pktLen, 0]);
    const data = mb.mtod(mbuf);
    for (let i = 0; i < pktLen; i++) expect(arena.u8[data + i]).toBe(i % 0xff);
    mb.free(mbuf);
    expect(pool.full()).toBe(true);
  });

  it('refuses when the first segment lacks room, or is shared', () => {
    const a = mb.alloc(pool);
    const b = mb.alloc(pool);
    appendFilled(a, 1500, () => 1);
    appendFilled(b, 1500, () => 2);
    mb.chain(a, b);
    expect(mb.linearize(a)).toBe(-1);
    expect([mb.nbSegs(a), mb.pktLen(a), mb.dataLen(a)]).toEqual([2, 3000, 1500]);
    mb.trim(a, 1400);
    const c = mb.clone(a, pool);
    expect(mb.linearize(c)).toBe(-1);
    expect(mb.linearize(a)).toBe(-1);
    mb.free(c);
    expect(mb.linearize(a)).toBe(0);
    expect(mb.pktLen(a)).toBe(1600);
    mb.free(a);
    expect(pool.full()).toBe(true);
  });
});

describe('test_pktmbuf_alloc_bulk and test_neg_pktmbuf_alloc_bulk', () => {
  it('allocates bulks of 0 to 2 x cache + 1 and frees them', () => {
    const mbufs = new Uint32Array(NB_MBUF);
    for (const n of [0, MEMPOOL_CACHE_SIZE - 1, MEMPOOL_CACHE_SIZE + 1, MEMPOOL_CACHE_SIZE * 1.5, MEMPOOL_CACHE_SIZE * 2, MEMPOOL_CACHE_SIZE * 2 - 1, MEMPOOL_CACHE_SIZE * 2 + 1, MEMPOOL_CACHE_SIZE]) {
      expect(mb.allocBulk(pool, mbufs, n)).toBe(0);
      for (let i = 0; i < n; i++) expect(mb.check(mbufs[i])).toBeNull();
      mb.freeBulk(mbufs, n);
    }
    expect(pool.full()).toBe(true);
  });

  it('fails bulks larger than the pool, all or nothing', () => {
    const mbufs = new Uint32Array(NB_MBUF * 8);
    expect(mb.allocBulk(pool, mbufs, NB_MBUF + 1)).toBe(ERR_ENOENT);
    expect(mb.allocBulk(pool, mbufs, NB_MBUF * 8)).toBe(ERR_ENOENT);
    expect(pool.full()).toBe(true);
    // DPDK's unsigned wrap-arounds (CACHE - NB_MBUF, UINT_MAX) cannot fit the caller's array: refused as invalid.
    expect(code(() => mb.allocBulk(pool, mbufs, MEMPOOL_CACHE_SIZE - NB_MBUF))).toBe('NIC_EINVAL');
    expect(code(() => mb.allocBulk(pool, mbufs, 0xffffffff))).toBe('NIC_EINVAL');
    expect(mbufs.every((h) => h === 0)).toBe(true);
    expect(pool.full()).toBe(true);
  });
});

describe('test_pktmbuf_read, read_from_offset, read_from_chain', () => {
  it('reads a one-segment packet', () => {
    const m = mb.alloc(pool);
    appendFilled(m, MBUF_TEST_DATA_LEN2, () => 0xfe);
    const out = new Uint8Array(MBUF_TEST_DATA_LEN2);
    expect(mb.read(m, 0, MBUF_TEST_DATA_LEN2, out)).toBe(MBUF_TEST_DATA_LEN2);
    expect(out.every((x) => x === 0xfe)).toBe(true);
    mb.free(m);
  });

  it('reads from offsets and refuses ranges past the end', () => {
    const m = mb.alloc(pool);
    const hdr = mb.prepend(m, ETHER_HDR_LEN);
    expect([mb.pktLen(m), mb.dataLen(m)]).toEqual([ETHER_HDR_LEN, ETHER_HDR_LEN]);
    arena.u8.fill(0xde, hdr, hdr + ETHER_HDR_LEN);
    const out = new Uint8Array(MBUF_DATA_SIZE);
    expect(mb.read(m, 0, ETHER_HDR_LEN, out)).toBe(ETHER_HDR_LEN);
    expect(out.subarray(0, ETHER_HDR_LEN).every((x) => x === 0xde)).toBe(true);
    appendFilled(m, MBUF_TEST_DATA_LEN2, () => 0xcc);
    expect(mb.read(m, ETHER_HDR_LEN, MBUF_TEST_DATA_LEN2, out)).toBe(MBUF_TEST_DATA_LEN2);
    expect(out.subarray(0, MBUF_TEST_DATA_LEN2).every((x) => x === 0xcc)).toBe(true);
    out.fill(0);
    expect(mb.read(m, ETHER_HDR_LEN + 5, MBUF_TEST_DATA_LEN2 - 5, out, 3)).toBe(MBUF_TEST_DATA_LEN2 - 5);
    expect([out[2], out[3], out[MBUF_TEST_DATA_LEN2 - 3], out[MBUF_TEST_DATA_LEN2 - 2]]).toEqual([0, 0xcc, 0xcc, 0]);
    expect(mb.read(m, ETHER_HDR_LEN, mb.dataLen(m) + 1, out)).toBe(-1);
    expect(mb.read(m, ETHER_HDR_LEN, mb.pktLen(m) + 1, out)).toBe(-1);
    expect(mb.read(m, ETHER_HDR_LEN, 0, out)).toBe(0);
    expect(mb.read(m, 0, 0, out)).toBe(0);
    expect(mb.read(m, ETHER_HDR_LEN, 0xffffffff, out)).toBe(-1);
    expect(mb.read(m, 0xffffffff, 0, out)).toBe(-1);
    expect(mb.read(m, 0xffffffff, 0xffffffff, out)).toBe(-1);
    expect(mb.read(m, 0, 10, new Uint8Array(9))).toBe(-1);
    mb.free(m);
  });

  it.each([
    { segs: [100, 100, 100], header: false, off: 0, len: 300 },
    { segs: [100, 125, 150], header: false, off: 99, len: 201 },
    { segs: [100, 100], header: false, off: 0, len: 100 },
    { segs: [100, 200], header: true, off: ETHER_HDR_LEN, len: 150 },
    { segs: [1000, 100], header: false, off: 0, len: 1000 },
    { segs: [1024, 0, 100], header: false, off: 100, len: 1001 },
    { segs: [1000, 1, 1000], header: false, off: 1000, len: 2 },
    { segs: [MBUF_TEST_DATA_LEN, MBUF_TEST_DATA_LEN2, MBUF_TEST_DATA_LEN3, 800, 10], header: false, off: 1000, len: MBUF_DATA_SIZE, fails: true },
  ])('reads $len bytes at $off from segments $segs', ({ segs, header, off, len, fails }) => {
    let pkt = 0;
    let index = 0;
    for (const [seg, segLen] of segs.entries()) {
      if (segLen === 0) continue;
      const m = mb.alloc(pool);
      if (header && seg === 0) {
        const h = mb.prepend(m, ETHER_HDR_LEN);
        for (let i = 0; i < ETHER_HDR_LEN; i++) arena.u8[h + i] = index++ & 0xff;
      }
      appendFilled(m, segLen, () => index++ & 0xff);
      if (pkt === 0) pkt = m;
      else expect(mb.chain(pkt, m)).toBe(0);
    }
    const out = new Uint8Array(MBUF_DATA_SIZE);
    const got = mb.read(pkt, off, len, out);
    if (fails) {
      expect(got).toBe(-1);
    } else {
      expect(got).toBe(len);
      for (let pos = 0; pos < len; pos++) expect(out[pos]).toBe((off + pos) & 0xff);
    }
    mb.free(pkt);
    expect(pool.full()).toBe(true);
  });
});

describe('test_nb_segs_and_next_reset', () => {
  it('leaves freed segments with nb_segs 1 and no next', () => {
    const p = pktmbufPoolCreate(arena, 'test_mbuf_reset', 3, 0, 0, MBUF_DATA_SIZE);
    const [m0, m1, m2] = [mb.alloc(p), mb.alloc(p), mb.alloc(p)];
    for (const m of [m0, m1, m2]) expect(mb.append(m, 500)).toBeGreaterThan(0);
    mb.chain(m1, m2);
    mb.chain(m0, m1);
    expect([mb.nbSegs(m0), mb.next(m0), mb.next(m1), mb.next(m2)]).toEqual([3, m1, m2, 0]);
    mb.setNbSegs(m0, 2);
    mb.setPktLen(m0, mb.pktLen(m0) - mb.dataLen(m2));
    mb.setNext(m1, 0);
    mb.setNbSegs(m2, 1);
    mb.free(m0);
    mb.free(m2);
    for (let i = 0; i < 3; i++) {
      const raw = p.get();
      expect([mb.nbSegs(raw), mb.next(raw)]).toEqual([1, 0]);
    }
  });
});

describe('chains and pools', () => {
  it('refuses a chain beyond 65535 segments', () => {
    const a = mb.alloc(pool);
    const b = mb.alloc(pool);
    mb.setNbSegs(a, 0xffff);
    expect(mb.chain(a, b)).toBe(ERR_EOVERFLOW);
    expect(mb.next(a)).toBe(0);
    mb.setNbSegs(a, 1);
    mb.free(a);
    mb.free(b);
  });

  it('returns mbufs to a pool recreated at the same offset', () => {
    const first = pktmbufPoolCreate(arena, 'recycled', 8, 0, 0, 512);
    mb.free(mb.alloc(first));
    const offset = first.offset;
    first.free();
    const second = pktmbufPoolCreate(arena, 'recycled2', 8, 4, 0, 512);
    expect(second.offset).toBe(offset);
    const m = mb.alloc(second);
    mb.free(m);
    expect(second.full()).toBe(true);
    expect(second.cacheCount(0)).toBeGreaterThan(0);
  });

  it('names the problem when a pool field is garbage', () => {
    const m = mb.alloc(pool);
    setU32At(m + L.MBUF_POOL, 64);
    expect(code(() => mb.free(m))).toBe('NIC_EINVAL');
  });
});
