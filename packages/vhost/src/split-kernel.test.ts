/**
 * Guest memory as windows of the arena's WebAssembly memory, and the split ring's kernel:
 * the regions are where the kernel looks for them, the fallback says why, and the same
 * traffic leaves the same bytes (guest memory, used ring, mbufs) whether bursts run the
 * kernel or the TypeScript walk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Arena, MbufView, pktmbufPoolCreate, type Mempool } from '@nic/eal';
import { closeFd, pageSize } from '@nic/native';
import { GuestMemory, windowsOf } from './guest-memory.js';
import { DESC_F_INDIRECT, DESC_F_NEXT, DESC_F_WRITE } from './virtqueue.js';
import { BUFFERS_OFF, GPA_BASE, GuestRing, guestFile, mappingsOf } from './testing/index.js';

let arena: Arena;
let pool: Mempool;
let mbufs: MbufView;

beforeAll(() => {
  arena = Arena.anonymous(8 << 20);
  pool = pktmbufPoolCreate(arena, 'vhost_kernel', 511);
  mbufs = new MbufView(arena);
});
afterAll(() => expect(pool.inUseCount()).toBe(0));

describe('guest memory in windows of the arena memory', () => {
  it('maps each region where its window address says, from its own mmap_offset', () => {
    const page = pageSize();
    const { path, fds } = guestFile(8 * page);
    const mem = new GuestMemory(
      [
        { guestPhysAddr: 0, size: 2 * page, userspaceAddr: 0x7f0000000000, mmapOffset: page },
        { guestPhysAddr: 0x100000, size: 100, userspaceAddr: 0x7f1000000000, mmapOffset: 4 * page + 24 },
      ],
      [fds[0], fds[1]],
      arena.wasm.memory,
    );
    try {
      expect(mem.apart).toBeUndefined();
      expect(mem.memory).toBe(arena.wasm.memory);
      const whole = new Uint8Array(arena.wasm.memory.buffer);
      const [a, b] = mem.windowAddresses;
      expect(a).toBeGreaterThanOrEqual(arena.wasm.base + arena.size);
      expect(b % page).toBe(24);
      mem.u8[0][5] = 0x11;
      mem.u8[1][7] = 0x22;
      expect([whole[a + 5], whole[b + 7]]).toEqual([0x11, 0x22]);
      expect(mappingsOf(path)).toBe(2);
      // Both translations still check the whole length inside one region.
      expect(mem.gpa(0x100000 + 50, 50)).toBe(50);
      expect(mem.gpa(0x100000 + 50, 51)).toBe(-1);
    } finally {
      mem.unmap();
    }
    expect(mappingsOf(path)).toBe(0);
  });

  it('maps apart, saying why, when no memory is given or the memory cannot hold the regions', () => {
    const { fds } = guestFile(1 << 16, 1);
    const apart = new GuestMemory([{ guestPhysAddr: 0, size: 1 << 16, userspaceAddr: 0, mmapOffset: 0 }], fds);
    expect(apart.apart).toMatch(/no arena memory/);
    expect(apart.windowAddresses).toEqual([]);
    apart.unmap();
    // 4 GiB (a sparse file) cannot join an arena in a 4 GiB memory.
    const big = guestFile(2 ** 32, 1);
    const mem = new GuestMemory([{ guestPhysAddr: 0, size: 2 ** 32, userspaceAddr: 0, mmapOffset: 0 }], big.fds, arena.wasm.memory);
    try {
      expect(mem.apart).toMatch(/does not fit the arena's WebAssembly memory/);
      expect(mem.windowAddresses).toEqual([]);
      expect(mem.memory).toBeUndefined();
      mem.u8[0][2 ** 32 - 1] = 9;
      expect(mem.u8[0][2 ** 32 - 1]).toBe(9);
      expect(mappingsOf(big.path)).toBe(1);
    } finally {
      mem.unmap();
    }
    expect(mappingsOf(big.path)).toBe(0);
  });
});

/** Bytes of a packet of length `len` (after its header) and seed `k`. */
function pattern(k: number, len: number): number[] {
  return Array.from({ length: len }, (_, i) => (k * 31 + i * 7) & 0xff);
}

/** Length of packet `k` after its header. */
function lengthOf(k: number): number {
  return 40 + ((k * 211) % 1400);
}

/**
 * Guest to host through `ring` and back through `rx` (64 entries each), four passes: six
 * packets posted as chains of one to three buffers (the header alone or with packet bytes;
 * every fifth through an indirect table), taken into mbufs, then offered eight writable
 * chains of one or two buffers, some too small for a packet (mergeable: it takes the next
 * chain too). Returns both guest regions, their used ring entries and the bytes the mbufs
 * took.
 */
function traffic(ring: GuestRing, rx: GuestRing): { guest: Uint8Array[]; used: { id: number; len: number }[][]; taken: number[][] } {
  const out = new Uint32Array(32);
  const taken: number[][] = [];
  let buf = BUFFERS_OFF;
  let rxBuf = BUFFERS_OFF;
  for (let pass = 0; pass < 4; pass++) {
    let d = 0;
    for (let c = 0; c < 6; c++) {
      const k = pass * 6 + c;
      const bytes = [...new Array<number>(12).fill(0), ...pattern(k, lengthOf(k))];
      ring.push(d);
      if (k % 5 === 4) {
        buf = (buf + 15) & ~15; // a table is 16-byte aligned
        ring.desc(d++, GPA_BASE + buf, 32, DESC_F_INDIRECT);
        ring.desc(0, GPA_BASE + buf + 32, 12, DESC_F_NEXT, 1, buf);
        ring.desc(1, GPA_BASE + buf + 48, bytes.length - 12, 0, 0, buf);
        ring.u8.set(bytes.slice(0, 12), buf + 32);
        ring.u8.set(bytes.slice(12), buf + 48);
        buf += 48 + bytes.length;
        continue;
      }
      const cuts = [0, ...(k % 3 === 0 ? [] : k % 3 === 1 ? [12] : [7, 12 + (bytes.length >> 2)]), bytes.length];
      for (let p = 0; p + 1 < cuts.length; p++) {
        const last = p + 2 === cuts.length;
        ring.desc(d, GPA_BASE + buf, cuts[p + 1] - cuts[p], last ? 0 : DESC_F_NEXT, d + 1);
        ring.u8.set(bytes.slice(cuts[p], cuts[p + 1]), buf);
        buf += cuts[p + 1] - cuts[p] + 4;
        d++;
      }
    }
    const n = ring.vq.dequeueBurst(arena, mbufs, pool, out, 32, 0);
    expect([n, ring.vq.errors, ring.vq.dropped, pass]).toEqual([6, 0, 0, pass]);
    for (let i = 0; i < n; i++) {
      const at = mbufs.mtod(out[i]);
      taken.push([...arena.u8.subarray(at, at + mbufs.dataLen(out[i]))]);
    }
    // Eight writable chains of this pass's own descriptors (10 * pass on): those a pass
    // leaves take the next pass's first packets.
    for (let c = 0, w = 10 * pass; c < 8; c++) {
      rx.push(w);
      if (c % 4 === 3) {
        rx.desc(w, GPA_BASE + rxBuf, 40, DESC_F_WRITE | DESC_F_NEXT, w + 1);
        rx.desc(w + 1, GPA_BASE + rxBuf + 64, 2048, DESC_F_WRITE);
        rxBuf += 64 + 2048;
        w += 2;
      } else {
        rx.desc(w++, GPA_BASE + rxBuf, c % 4 === 1 ? 700 : 2048, DESC_F_WRITE);
        rxBuf += 2048;
      }
    }
    const placed = rx.vq.enqueueBurst(arena, out, n, 0);
    expect(placed).toBeGreaterThan(0);
    mbufs.freeBulk(out, n, 0);
  }
  const used = [ring, rx].map((r) => Array.from({ length: r.usedIdx() }, (_, i) => r.used(i)));
  return { guest: [ring.u8.slice(0, buf), rx.u8.slice(0, rxBuf)], used, taken };
}

describe('the split ring kernel', () => {
  it('leaves the same bytes as the TypeScript walk, both ways, with mergeable buffers', () => {
    const kernel = [new GuestRing(64, 1 << 20, 12, true, arena.wasm.memory), new GuestRing(64, 1 << 20, 12, true, arena.wasm.memory)];
    const typescript = [new GuestRing(64, 1 << 20, 12, true), new GuestRing(64, 1 << 20, 12, true)];
    try {
      expect(kernel[0].mem.windowAddresses).toHaveLength(1);
      expect(typescript[0].mem.windowAddresses).toHaveLength(0);
      const a = traffic(kernel[0], kernel[1]);
      const b = traffic(typescript[0], typescript[1]);
      // The kernel took the usual packets, the TypeScript walk the rest (indirect tables, a
      // header over two buffers, a packet over two chains): both ran.
      expect(kernel[0].vq.kernelPackets).toBeGreaterThan(6);
      expect(kernel[0].vq.kernelPackets).toBeLessThan(24);
      expect(kernel[1].vq.kernelPackets).toBeGreaterThan(6);
      expect(typescript[0].vq.kernelPackets + typescript[1].vq.kernelPackets).toBe(0);
      expect(a.taken.length).toBe(24);
      for (let k = 0; k < 24; k++) expect(a.taken[k]).toEqual(pattern(k, lengthOf(k)));
      expect(a.taken).toEqual(b.taken);
      expect(a.used).toEqual(b.used);
      expect(a.used[1].length).toBeGreaterThan(24);
      expect(Buffer.compare(a.guest[0], b.guest[0])).toBe(0);
      expect(Buffer.compare(a.guest[1], b.guest[1])).toBe(0);
      for (const r of kernel) expect([r.vq.errors, r.vq.dropped]).toEqual([0, 0]);
    } finally {
      for (const r of [...kernel, ...typescript]) r.close();
    }
  });
});

/**
 * One burst of 200 packets each way over a 256-entry ring (more copies than the kernel's copy
 * list holds, so it is flushed mid-burst, once inside a packet), packet lengths 1 to 47 and
 * some over 256 bytes:
 * every tail of the inline copy. The receive buffers are exactly header plus packet, in
 * guest memory filled with 0xee, so a copy past its buffer shows. Returns the bytes the
 * mbufs took, the receive region and both used rings.
 */
function longBurst(ring: GuestRing, rx: GuestRing): { taken: number[][]; guest: Uint8Array; used: { id: number; len: number }[][] } {
  const count = 200;
  const len = (k: number): number => (k % 10 === 9 ? 250 + k : 1 + (k % 47));
  let buf = BUFFERS_OFF;
  for (let k = 0; k < count; k++) {
    ring.desc(k, GPA_BASE + buf, 12 + len(k), 0);
    ring.u8.set([...new Array<number>(12).fill(0), ...pattern(k, len(k))], buf);
    ring.push(k);
    buf += 12 + len(k) + 3;
  }
  const out = new Uint32Array(count);
  expect(ring.vq.dequeueBurst(arena, mbufs, pool, out, count, 0)).toBe(count);
  const taken = Array.from(out, (h) => [...arena.u8.subarray(mbufs.mtod(h), mbufs.mtod(h) + mbufs.dataLen(h))]);
  rx.u8.fill(0xee);
  let rxBuf = BUFFERS_OFF;
  let d = 0;
  for (let k = 0; k < count; k++) {
    // Packets 69 to 74 take two chains each (mergeable), so the copy list fills in the
    // middle of packet 74: its num_buffers is written after that flush.
    const cuts = k >= 69 && k < 75 ? [12 + (len(k) >> 1), len(k) - (len(k) >> 1)] : [12 + len(k)];
    for (const size of cuts) {
      rx.desc(d, GPA_BASE + rxBuf, size, DESC_F_WRITE);
      rx.push(d++);
      rxBuf += size + 5;
    }
  }
  expect(rx.vq.enqueueBurst(arena, out, count, 0)).toBe(count);
  mbufs.freeBulk(out, count, 0);
  const used = [ring, rx].map((r) => Array.from({ length: r.usedIdx() }, (_, i) => r.used(i)));
  return { taken, guest: rx.u8.slice(0, rxBuf + 64), used };
}

describe('the split ring kernel over a long burst', () => {
  it('leaves the same bytes as the TypeScript walk, each copy ending where its buffer does', () => {
    const big = 256 * 2048 + (1 << 20);
    const kernel = [new GuestRing(256, big, 12, true, arena.wasm.memory), new GuestRing(256, big, 12, true, arena.wasm.memory)];
    const typescript = [new GuestRing(256, big, 12, true), new GuestRing(256, big, 12, true)];
    try {
      const a = longBurst(kernel[0], kernel[1]);
      const b = longBurst(typescript[0], typescript[1]);
      expect([kernel[0].vq.kernelPackets, kernel[1].vq.kernelPackets]).toEqual([200, 200]);
      for (let k = 0; k < 200; k++) expect(a.taken[k]).toEqual(pattern(k, k % 10 === 9 ? 250 + k : 1 + (k % 47)));
      expect(a.used).toEqual(b.used);
      expect(Buffer.compare(a.guest, b.guest)).toBe(0);
      // 206 chains, num_buffers 2 in the headers of packets 69 to 74, and the gaps between
      // receive buffers kept their 0xee.
      expect(a.used[1]).toHaveLength(206);
      let at = BUFFERS_OFF;
      for (let k = 0; k < 200; k++) {
        const size = 12 + (k % 10 === 9 ? 250 + k : 1 + (k % 47));
        expect(a.guest[at + 10]).toBe(k >= 69 && k < 75 ? 2 : 1);
        const cuts = k >= 69 && k < 75 ? [12 + ((size - 12) >> 1), size - 12 - ((size - 12) >> 1)] : [size];
        for (const c of cuts) {
          at += c;
          expect([...a.guest.subarray(at, at + 5)]).toEqual([0xee, 0xee, 0xee, 0xee, 0xee]);
          at += 5;
        }
      }
    } finally {
      for (const r of [...kernel, ...typescript]) r.close();
    }
  });
});

describe('dirty logging at the log\'s end', () => {
  for (const windows of [true, false]) {
    it(`marks the last page the log covers and writes nothing past it (${windows ? 'kernel' : 'TypeScript'})`, () => {
      const ring = new GuestRing(8, 1 << 20, 12, true, windows ? arena.wasm.memory : undefined);
      const { fds } = guestFile(4096, 1);
      const logWindow = windowsOf(arena.wasm.memory).map(fds[0], { length: 4096 });
      closeFd(fds[0]);
      try {
        // 34 bytes of log: pages up to GPA_BASE + BUFFERS_OFF, exclusive; the rest of the page reads 0xee.
        const page = new Uint8Array(logWindow.mapping.buffer, 0, 4096);
        page.fill(0xee);
        page.fill(0, 0, 34);
        ring.vq.setLog(page.subarray(0, 34), true, windows ? logWindow.base : -1);
        ring.desc(0, GPA_BASE + BUFFERS_OFF - 8, 2048, DESC_F_WRITE);
        ring.push(0);
        const h = mbufs.alloc(pool);
        mbufs.setDataLen(h, 60);
        mbufs.setPktLen(h, 60);
        expect(ring.vq.enqueueBurst(arena, new Uint32Array([h]), 1, 0)).toBe(1);
        mbufs.free(h);
        expect(ring.vq.kernelPackets).toBe(windows ? 1 : 0);
        expect(ring.used(0)).toEqual({ id: 0, len: 72 });
        // Page (GPA_BASE + BUFFERS_OFF) / 4096 - 1 is bit 7 of byte 33; the next page's byte is past the log.
        expect(page[33]).toBe(0x80);
        expect(page.subarray(34).every((b) => b === 0xee)).toBe(true);
      } finally {
        logWindow.close();
        ring.close();
      }
    });
  }
});

describe('the bulk-free pool of an enqueue', () => {
  it('names the pool when the kernel placed only direct one-segment mbufs with refcnt 1, else 0', () => {
    const kernel = new GuestRing(16, 1 << 20, 12, true, arena.wasm.memory);
    const typescript = new GuestRing(16, 1 << 20, 12, true);
    const other = pktmbufPoolCreate(arena, 'vhost_kernel_other', 63);
    const handles = new Uint32Array(3);
    /** Offers `ring` three writable chains, then places three 60-byte mbufs (the first `from` `first`); returns the bulk-free pool. */
    const burst = (ring: GuestRing, shared: boolean, first: Mempool = pool): number => {
      for (let i = 0; i < 3; i++) {
        const d = ring.usedIdx() + i;
        ring.desc(d % 16, GPA_BASE + BUFFERS_OFF + 2048 * (d % 16), 2048, DESC_F_WRITE);
        ring.push(d % 16);
      }
      handles[0] = mbufs.alloc(first);
      handles[1] = mbufs.alloc(pool);
      handles[2] = mbufs.alloc(pool);
      for (const h of handles) {
        mbufs.setDataLen(h, 60);
        mbufs.setPktLen(h, 60);
      }
      if (shared) mbufs.refcntUpdate(handles[1], 1);
      expect(ring.vq.enqueueBurst(arena, handles, 3, 0)).toBe(3);
      if (shared) mbufs.free(handles[1]);
      mbufs.freeBulk(handles, 3, 0);
      return ring.vq.bulkFreePool;
    };
    try {
      expect(burst(kernel, false)).toBe(pool.offset);
      expect(burst(kernel, true)).toBe(0);
      expect(burst(kernel, false, other)).toBe(0);
      expect(burst(kernel, false)).toBe(pool.offset);
      expect(kernel.vq.kernelPackets).toBe(12);
      expect(burst(typescript, false)).toBe(0);
      expect(other.inUseCount()).toBe(0);
    } finally {
      other.free();
      kernel.close();
      typescript.close();
    }
  });
});
