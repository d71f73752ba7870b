/**
 * The packed ring's kernel: the same traffic leaves the same bytes (guest memory with its
 * used descriptors, the used ids and lengths, mbufs, counters) whether bursts run the kernel
 * (guest memory in windows of the arena's memory) or the TypeScript walk (mapped apart), with
 * the packets the kernel leaves (indirect descriptors, a header over two buffers, malformed
 * chains) taken by the TypeScript walk in the middle of kernel bursts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Arena, MbufView, pktmbufPoolCreate, type Mempool } from '@nic/eal';
import { closeFd } from '@nic/native';
import { windowsOf } from './guest-memory.js';
import { PackedKernel, P_TAKEN, P_USED_COUNT, P_USED_LIST } from './packed-kernel.js';
import { K_DESC, K_HDR, K_LAST_AVAIL, K_LAST_USED, K_MRG, K_NUM } from './split-kernel.js';
import { DESC_F_INDIRECT, DESC_F_WRITE, type VringFeatures } from './virtqueue.js';
import { GPA_BASE, GuestPackedRing, PACKED_BUFFERS_OFF, guestFile, type PackedDesc } from './testing/index.js';

const NUM = 32;
const PASSES = 8;
/** Packets a pass posts guest to host. */
const PER_PASS = 6;

let arena: Arena;
let pool: Mempool;
let mbufs: MbufView;

beforeAll(() => {
  arena = Arena.anonymous(8 << 20);
  pool = pktmbufPoolCreate(arena, 'vhost_packed_kernel', 511);
  mbufs = new MbufView(arena);
});
afterAll(() => expect(pool.inUseCount()).toBe(0));

/** Bytes of a packet of length `len` (after its header) and seed `k`. */
function pattern(k: number, len: number): number[] {
  return Array.from({ length: len }, (_, i) => (k * 31 + i * 7) & 0xff);
}

/** Length of packet `k` after its header. */
function lengthOf(k: number): number {
  return 40 + ((k * 211) % 1400);
}

/** Packet `k` the TypeScript walk must refuse (a buffer outside guest memory). */
const MALFORMED_TX = 13;

interface Result {
  guest: Uint8Array[];
  used: { id: number; len: number }[][];
  taken: number[][];
  counters: number[];
  kernel: number[];
  /** Descriptors posted in each ring. */
  posted: number[];
  /** Used descriptors the device wrote in each ring. */
  written: number[];
}

/**
 * Guest to host through `tx` and back through `rx`, {@link PASSES} passes of a 32-entry ring
 * (the wrap counters flip several times): six packets posted as chains of one to three
 * buffers (the header alone or with packet bytes; every fifth through an indirect table; one
 * malformed), taken into mbufs, then offered eight writable chains of one or two descriptors,
 * some too small for a packet (mergeable: it takes the next chain too), one through an
 * indirect table, one whose first buffer is shorter than the header and, in one pass, one with
 * a read-only descriptor (malformed). Returns both guest regions, the used descriptors, the
 * bytes the mbufs took, the counters and the kernel's packet counts.
 */
function traffic(tx: GuestPackedRing, rx: GuestPackedRing, hdr: number, mrg: boolean): Result {
  const out = new Uint32Array(32);
  const taken: number[][] = [];
  const used: { id: number; len: number }[][] = [[], []];
  let buf = PACKED_BUFFERS_OFF;
  let rxBuf = PACKED_BUFFERS_OFF;
  let rxId = 0;
  const posted = [0, 0];
  for (let pass = 0; pass < PASSES; pass++) {
    for (let c = 0; c < PER_PASS; c++) {
      const k = pass * PER_PASS + c;
      const bytes = [...new Array<number>(hdr).fill(0), ...pattern(k, lengthOf(k))];
      posted[0] += k % 5 === 4 || k === MALFORMED_TX ? 1 : 1 + (k % 3);
      if (k === MALFORMED_TX) {
        tx.post([{ addr: GPA_BASE + tx.size - 8, len: bytes.length, flags: 0 }], k);
        continue;
      }
      if (k % 5 === 4) {
        buf = (buf + 15) & ~15; // a table is 16-byte aligned
        tx.desc(0, GPA_BASE + buf + 32, hdr, k, 0, buf);
        tx.desc(1, GPA_BASE + buf + 48, bytes.length - hdr, k, 0, buf);
        tx.u8.set(bytes.slice(0, hdr), buf + 32);
        tx.u8.set(bytes.slice(hdr), buf + 48);
        tx.post([{ addr: GPA_BASE + buf, len: 32, flags: DESC_F_INDIRECT }], k);
        buf += 48 + bytes.length;
        continue;
      }
      const cuts = [0, ...(k % 3 === 0 ? [] : k % 3 === 1 ? [hdr] : [7, hdr + (bytes.length >> 2)]), bytes.length];
      const chain: PackedDesc[] = [];
      for (let p = 0; p + 1 < cuts.length; p++) {
        chain.push({ addr: GPA_BASE + buf, len: cuts[p + 1] - cuts[p], flags: 0 });
        tx.u8.set(bytes.slice(cuts[p], cuts[p + 1]), buf);
        buf += cuts[p + 1] - cuts[p] + 4;
      }
      tx.post(chain, k);
    }
    const n = tx.vq.dequeueBurst(arena, mbufs, pool, out, 32, 0);
    const malformed = pass === Math.floor(MALFORMED_TX / PER_PASS) ? 1 : 0;
    expect([n, pass]).toEqual([PER_PASS - malformed, pass]);
    for (let i = 0; i < n; i++) {
      const at = mbufs.mtod(out[i]);
      taken.push([...arena.u8.subarray(at, at + mbufs.dataLen(out[i]))]);
    }
    used[0].push(...tx.takeAllUsed());
    // Eight writable chains: those a pass leaves take the next pass's first packets.
    for (let c = 0; c < 8; c++) {
      const small = mrg ? 700 : 2048;
      let chain: PackedDesc[];
      if (pass === 3 && c === 2) {
        chain = [{ addr: GPA_BASE + rxBuf, len: 2048, flags: 0 }]; // read-only: malformed
      } else if (c === 5 && pass % 2 === 0) {
        rxBuf = (rxBuf + 15) & ~15;
        rx.desc(0, GPA_BASE + rxBuf + 32, 1024, 0, DESC_F_WRITE, rxBuf);
        rx.desc(1, GPA_BASE + rxBuf + 32 + 1024, 1024, 0, DESC_F_WRITE, rxBuf);
        chain = [{ addr: GPA_BASE + rxBuf, len: 32, flags: DESC_F_INDIRECT }];
      } else if (c === 5) {
        chain = [
          { addr: GPA_BASE + rxBuf, len: 8, flags: DESC_F_WRITE },
          { addr: GPA_BASE + rxBuf + 16, len: 2048, flags: DESC_F_WRITE },
        ];
      } else if (c % 4 === 3) {
        chain = [
          { addr: GPA_BASE + rxBuf, len: 40, flags: DESC_F_WRITE },
          { addr: GPA_BASE + rxBuf + 64, len: 2048, flags: DESC_F_WRITE },
        ];
      } else {
        chain = [{ addr: GPA_BASE + rxBuf, len: c % 4 === 1 ? small : 2048, flags: DESC_F_WRITE }];
      }
      rx.post(chain, rxId++);
      posted[1] += chain.length;
      rxBuf += 64 + 2048 + 64;
    }
    const placed = rx.vq.enqueueBurst(arena, out, n, 0);
    expect(placed).toBeGreaterThan(0);
    mbufs.freeBulk(out, n, 0);
    used[1].push(...rx.takeAllUsed());
  }
  return {
    guest: [tx.u8.slice(0, buf), rx.u8.slice(0, rxBuf)],
    used,
    taken,
    counters: [tx.vq.errors, tx.vq.dropped, rx.vq.errors, rx.vq.dropped, tx.vq.lastAvail, tx.vq.lastUsed, rx.vq.lastAvail, rx.vq.lastUsed],
    kernel: [tx.vq.kernelPackets, rx.vq.kernelPackets],
    posted,
    written: [tx.usedDescriptors, rx.usedDescriptors],
  };
}

describe('the packed ring kernel', () => {
  const cases: [string, Partial<VringFeatures>][] = [
    ['mergeable buffers', { hdrSize: 12, mrgRxbuf: true }],
    ['one chain a packet, 12-byte header', { hdrSize: 12, mrgRxbuf: false }],
    ['one chain a packet, 10-byte header', { hdrSize: 10, mrgRxbuf: false }],
    ['mergeable buffers, in order', { hdrSize: 12, mrgRxbuf: true, inOrder: true }],
  ];
  for (const [name, features] of cases) {
    it(`leaves the same bytes as the TypeScript walk, both ways (${name})`, () => {
      const hdr = features.hdrSize!;
      const mrg = features.mrgRxbuf!;
      const ring = (memory?: boolean): GuestPackedRing => new GuestPackedRing(NUM, 1 << 20, features, memory ? arena.wasm.memory : undefined);
      const kernel = [ring(true), ring(true)];
      const typescript = [ring(), ring()];
      try {
        expect(kernel[0].mem.windowAddresses).toHaveLength(1);
        expect(typescript[0].mem.windowAddresses).toHaveLength(0);
        const a = traffic(kernel[0], kernel[1], hdr, mrg);
        const b = traffic(typescript[0], typescript[1], hdr, mrg);
        // The kernel took the usual packets, the TypeScript walk the rest: both ran.
        const all = PASSES * PER_PASS - 1;
        expect(a.kernel[0]).toBeGreaterThan(all / 3);
        expect(a.kernel[0]).toBeLessThan(all);
        expect(a.kernel[1]).toBeGreaterThan(all / 3);
        expect(a.kernel[1]).toBeLessThan(all);
        expect(b.kernel).toEqual([0, 0]);
        expect(a.taken.length).toBe(all);
        for (let i = 0, k = 0; k < PASSES * PER_PASS; k++) if (k !== MALFORMED_TX) expect(a.taken[i++]).toEqual(pattern(k, lengthOf(k)));
        expect(a.taken).toEqual(b.taken);
        expect(a.used).toEqual(b.used);
        expect(a.used[0].length).toBe(PASSES * PER_PASS);
        // With mergeable buffers some packets took two chains.
        if (mrg) expect(a.used[1].length).toBeGreaterThan(all);
        else expect(a.used[1].length).toBe(all);
        expect(a.counters).toEqual(b.counters);
        // One malformed chain each way, nothing dropped.
        expect(a.counters.slice(0, 4)).toEqual([1, 0, 1, 0]);
        // Both rings went round at least twice (their wrap counters flipped).
        expect(Math.min(...a.posted)).toBeGreaterThan(2 * NUM);
        expect(Buffer.compare(a.guest[0], b.guest[0])).toBe(0);
        expect(Buffer.compare(a.guest[1], b.guest[1])).toBe(0);
        // In order, each guest-to-host burst (one a pass) went back as one used descriptor;
        // host to guest, and without IN_ORDER, every chain has its own.
        expect(a.written).toEqual(b.written);
        expect(a.written[0]).toBe(features.inOrder ? PASSES : PASSES * PER_PASS);
        expect(a.written[1]).toBe(a.used[1].length);
      } finally {
        for (const r of [...kernel, ...typescript]) r.close();
      }
    });
  }

  it('leaves a chained mbuf to the TypeScript walk and carries on with the next packet in the kernel', () => {
    const ring = new GuestPackedRing(8, 1 << 20, {}, arena.wasm.memory);
    const h = new Uint32Array(3);
    try {
      expect(mbufs.allocBulk(pool, h, 3, 0)).toBe(0);
      const tail = mbufs.alloc(pool);
      for (let i = 0; i < 3; i++) {
        arena.u8.fill(i + 1, mbufs.mtod(h[i]), mbufs.mtod(h[i]) + 100);
        mbufs.setDataLen(h[i], 100);
        mbufs.setPktLen(h[i], 100);
      }
      arena.u8.fill(9, mbufs.mtod(tail), mbufs.mtod(tail) + 50);
      mbufs.setDataLen(tail, 50);
      mbufs.setPktLen(tail, 50);
      mbufs.chain(h[1], tail);
      for (let i = 0; i < 3; i++) ring.post([{ addr: GPA_BASE + PACKED_BUFFERS_OFF + i * 0x1000, len: 2048, flags: DESC_F_WRITE }], i);
      expect(ring.vq.enqueueBurst(arena, h, 3, 0)).toBe(3);
      expect(ring.vq.kernelPackets).toBe(2);
      expect(ring.takeAllUsed()).toEqual([{ id: 0, len: 112 }, { id: 1, len: 162 }, { id: 2, len: 112 }]);
      const second = PACKED_BUFFERS_OFF + 0x1000 + 12;
      expect([...ring.u8.subarray(second + 98, second + 102)]).toEqual([2, 2, 9, 9]);
      expect([ring.u8[second + 149], ring.u8[second + 150]]).toEqual([9, 0]);
    } finally {
      mbufs.freeBulk(h, 3, 0);
      ring.close();
    }
  });
});

describe('the packed kernel\'s record, set by hand', () => {
  /** A record of `capacity` used entries for `ring` (its descriptors at its window), positions at index 0, wrap counter 1. */
  function record(ring: GuestPackedRing, capacity: number, num = ring.num): PackedKernel {
    const k = new PackedKernel(arena, capacity);
    const i32 = k.i32;
    i32[K_NUM >>> 2] = num;
    i32[K_HDR >>> 2] = 12;
    i32[K_MRG >>> 2] = 1;
    i32[K_DESC >>> 2] = ring.mem.windowAddresses[0];
    i32[K_LAST_AVAIL >>> 2] = i32[K_LAST_USED >>> 2] = 0x8000;
    k.setRegions(ring.mem.regions.map((r) => r.guestPhysAddr), ring.mem.regions.map((r) => r.size), ring.mem.windowAddresses);
    return k;
  }

  it('enqueue appends no used entry past the list\'s capacity, whatever the ring\'s size says', () => {
    // A record for 4 entries told of an 8-descriptor ring (a state prepare never sets):
    // eight one-buffer chains for eight packets, and the kernel stops after four.
    const ring = new GuestPackedRing(8, 1 << 20, {}, arena.wasm.memory);
    const h = new Uint32Array(8);
    try {
      const k = record(ring, 4, 8);
      const past = new Uint8Array(arena.wasm.memory.buffer, k.rec + P_USED_LIST + 4 * 8, 64);
      const before = past.slice();
      expect(mbufs.allocBulk(pool, h, 8, 0)).toBe(0);
      for (let i = 0; i < 8; i++) {
        mbufs.setDataLen(h[i], 60);
        mbufs.setPktLen(h[i], 60);
        k.slots[i] = h[i];
        ring.post([{ addr: GPA_BASE + PACKED_BUFFERS_OFF + i * 0x1000, len: 2048, flags: DESC_F_WRITE }], i);
      }
      expect(k.enqueue(k.rec, k.slots.byteOffset, 8)).toBe(4);
      expect(k.i32[P_USED_COUNT >>> 2]).toBe(4);
      expect(k.i32[P_TAKEN >>> 2]).toBe(4);
      expect(k.i32[K_LAST_AVAIL >>> 2]).toBe(4 | 0x8000);
      expect(past).toEqual(before);
    } finally {
      mbufs.freeBulk(h, 8, 0);
      ring.close();
    }
  });

  it('flush, in order, moves the used position round the ring as often as the chains passed over take it', () => {
    // Position 5 of 8, one descriptor written for chains of 7 and 8 descriptors: 5 + 15 = 20
    // is position 4 two passes on (the wrap counter flipped twice).
    const ring = new GuestPackedRing(8, 1 << 20, {}, arena.wasm.memory);
    try {
      const k = record(ring, 8);
      k.i32[K_LAST_USED >>> 2] = 5 | 0x8000;
      k.used.set([1 | (7 << 16), 0, 2 | (8 << 16), 60]);
      k.i32[P_USED_COUNT >>> 2] = 2;
      k.flush(k.rec, 1);
      expect(k.i32[K_LAST_USED >>> 2]).toBe(4 | 0x8000);
      expect(k.i32[P_USED_COUNT >>> 2]).toBe(0);
      // The one descriptor written, at position 5: buffer id 2, length 60, used in pass 1.
      expect([ring.dv.getUint32(5 * 16 + 8, true), ring.dv.getUint16(5 * 16 + 12, true), ring.dv.getUint16(5 * 16 + 14, true)]).toEqual([60, 2, 0x8080]);
    } finally {
      ring.close();
    }
  });
});

describe('packed dirty logging at the log\'s end', () => {
  for (const windows of [true, false]) {
    it(`marks the last page the log covers, the used descriptor's page too, and writes nothing past it (${windows ? 'kernel' : 'TypeScript'})`, () => {
      const ring = new GuestPackedRing(8, 1 << 20, {}, windows ? arena.wasm.memory : undefined);
      const { fds } = guestFile(4096, 1);
      const logWindow = windowsOf(arena.wasm.memory).map(fds[0], { length: 4096 });
      closeFd(fds[0]);
      try {
        // 34 bytes of log: pages up to GPA_BASE + PACKED_BUFFERS_OFF, exclusive; the rest reads 0xee.
        const page = new Uint8Array(logWindow.mapping.buffer, 0, 4096);
        page.fill(0xee);
        page.fill(0, 0, 34);
        ring.vq.setLog(page.subarray(0, 34), true, windows ? logWindow.base : -1);
        ring.post([{ addr: GPA_BASE + PACKED_BUFFERS_OFF - 8, len: 2048, flags: DESC_F_WRITE }], 0);
        const h = mbufs.alloc(pool);
        mbufs.setDataLen(h, 60);
        mbufs.setPktLen(h, 60);
        expect(ring.vq.enqueueBurst(arena, new Uint32Array([h]), 1, 0)).toBe(1);
        mbufs.free(h);
        expect(ring.vq.kernelPackets).toBe(windows ? 1 : 0);
        expect(ring.takeAllUsed()).toEqual([{ id: 0, len: 72 }]);
        // The descriptor ring's page (GPA_BASE / 4096 = 256: bit 0 of byte 32), and page
        // (GPA_BASE + PACKED_BUFFERS_OFF) / 4096 - 1 (bit 7 of byte 33); the next is past the log.
        expect(page[32]).toBe(0x01);
        expect(page[33]).toBe(0x80);
        expect(page.subarray(34).every((b) => b === 0xee)).toBe(true);
      } finally {
        logWindow.close();
        ring.close();
      }
    });
  }
});
