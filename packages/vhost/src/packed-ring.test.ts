/**
 * The packed virtqueue (VIRTIO_F_RING_PACKED) against a driver written in the test
 * (`GuestPackedRing`): packets both ways over many passes of the ring (the wrap counters
 * flip), chains and indirect tables, mergeable buffers on and off, packets larger than one
 * mbuf (chained mbufs both ways), the driver's and the device's event suppression areas with
 * and without EVENT_IDX, and GET/SET_VRING_BASE carrying the wrap counter in bit 15.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Arena, MbufView, pktmbufPoolCreate, type Mempool } from '@nic/eal';
import { closeFd, eventfd, eventfdRead } from '@nic/native';
import { until } from '@nic/native/testing';
import { Feature, Request, bit } from './protocol.js';
import { VhostUserSocket } from './socket.js';
import { DESC_F_INDIRECT, DESC_F_WRITE, RING_EVENT_FLAGS_DESC, RING_EVENT_FLAGS_DISABLE, RING_EVENT_FLAGS_ENABLE, type VringFeatures } from './virtqueue.js';
import { GPA_BASE, GuestPackedRing, PACKED_BUFFERS_OFF, RawFrontend, state, u64 } from './testing/index.js';

const HDR = 12;
let arena: Arena;
let pool: Mempool;
let mbufs: MbufView;
const out = new Uint32Array(32);
let ring: GuestPackedRing | undefined;

beforeAll(() => {
  arena = Arena.anonymous(16 << 20);
  pool = pktmbufPoolCreate(arena, 'vhost_packed', 511);
  mbufs = new MbufView(arena);
});
afterEach(() => {
  ring?.close();
  ring = undefined;
  expect(pool.inUseCount()).toBe(0);
});
afterAll(() => expect(pool.inUseCount()).toBe(0));

/** Guest buffer `i` (region offset), 4 KiB apart. */
function buf(i: number): number {
  return PACKED_BUFFERS_OFF + i * 0x1000;
}

/** Puts a zero header and `len` bytes of pattern `seed` at region offset `at`; returns the descriptor length. */
function frameAt(r: GuestPackedRing, at: number, len: number, seed: number): number {
  r.u8.fill(0, at, at + HDR);
  for (let i = 0; i < len; i++) r.u8[at + HDR + i] = (seed + i) & 0xff;
  return HDR + len;
}

/** The bytes of packet `h` (all its segments). */
function bytesOf(h: number): number[] {
  const got: number[] = [];
  for (let seg = h; seg !== 0; seg = mbufs.next(seg)) got.push(...arena.u8.subarray(mbufs.mtod(seg), mbufs.mtod(seg) + mbufs.dataLen(seg)));
  return got;
}

function pattern(len: number, seed: number): number[] {
  return Array.from({ length: len }, (_, i) => (seed + i) & 0xff);
}

/** A `len`-byte mbuf packet of pattern `seed`, chained in segments of at most 2000 bytes. */
function packet(len: number, seed: number): number {
  let head = 0;
  for (let at = 0; at < len; at += 2000) {
    const seg = mbufs.alloc(pool);
    const n = Math.min(2000, len - at);
    const d = mbufs.mtod(seg);
    for (let i = 0; i < n; i++) arena.u8[d + i] = (seed + at + i) & 0xff;
    mbufs.setDataLen(seg, n);
    mbufs.setPktLen(seg, n);
    if (head === 0) head = seg;
    else mbufs.chain(head, seg);
  }
  return head;
}

/** Guest memory as windows of the arena's memory (bursts run the WebAssembly kernel) or mapped apart (TypeScript). */
const MAPPINGS = [
  ['in arena windows', true],
  ['mapped apart', false],
] as const;

for (const [mapping, windows] of MAPPINGS) {
  /** A test ring whose region is mapped as `mapping` says. */
  const packedRing = (num = 8, size = 1 << 20, features: Partial<VringFeatures> = {}): GuestPackedRing =>
    new GuestPackedRing(num, size, features, windows ? arena.wasm.memory : undefined);

  describe(`packed ring, guest to host, guest memory ${mapping}`, () => {
    it('takes packets of one, two and indirect descriptors over 25 passes of the ring, returning each buffer id', () => {
      ring = packedRing(8);
      const r = ring;
      let seed = 0;
      for (let round = 0; round < 25; round++) {
        // Three packets: one descriptor; header and data in two; an indirect table of two.
        const a = frameAt(r, buf(0), 60, seed);
        r.post([{ addr: GPA_BASE + buf(0), len: a, flags: 0 }], 10);
        frameAt(r, buf(1), 100, seed + 1);
        r.post([{ addr: GPA_BASE + buf(1), len: HDR, flags: 0 }, { addr: GPA_BASE + buf(1) + HDR, len: 100, flags: 0 }], 11);
        frameAt(r, buf(2), 200, seed + 2);
        const table = buf(3);
        r.desc(0, GPA_BASE + buf(2), HDR + 50, 0, 0, table);
        r.desc(1, GPA_BASE + buf(2) + HDR + 50, 150, 0, 0, table);
        r.post([{ addr: GPA_BASE + table, len: 32, flags: DESC_F_INDIRECT }], 12);
        const n = r.vq.dequeueBurst(arena, mbufs, pool, out, 32, 0);
        expect(n).toBe(3);
        expect(bytesOf(out[0])).toEqual(pattern(60, seed));
        expect(bytesOf(out[1])).toEqual(pattern(100, seed + 1));
        expect(bytesOf(out[2])).toEqual(pattern(200, seed + 2));
        mbufs.freeBulk(out, n, 0);
        expect(r.takeAllUsed()).toEqual([{ id: 10, len: 0 }, { id: 11, len: 0 }, { id: 12, len: 0 }]);
        seed += 3;
      }
      expect(r.vq.errors + r.vq.dropped).toBe(0);
      // The kernel took the direct chains (two of three) when the memory is in windows.
      expect(r.vq.kernelPackets).toBe(windows ? 50 : 0);
      // 25 passes of 4 descriptors over 8: the device's position is 100 % 8 = 4, wrap counter flipped 12 times.
      expect(r.vq.lastAvail).toBe(4 | 0x8000);
      expect(r.vq.lastUsed).toBe(r.vq.lastAvail);
    });

    it('reads a transmit indirect table whose descriptors are marked WRITE (as DPDK\'s virtio PMD posts them)', () => {
      ring = packedRing(8);
      frameAt(ring, buf(0), 80, 3);
      const table = buf(3);
      ring.desc(0, GPA_BASE + buf(0), HDR, 0, DESC_F_WRITE | 1, table);
      ring.desc(1, GPA_BASE + buf(0) + HDR, 80, 1, DESC_F_WRITE, table);
      ring.post([{ addr: GPA_BASE + table, len: 32, flags: DESC_F_INDIRECT }], 9);
      expect(ring.vq.dequeueBurst(arena, mbufs, pool, out, 32, 0)).toBe(1);
      expect(bytesOf(out[0])).toEqual(pattern(80, 3));
      mbufs.freeBulk(out, 1, 0);
      expect(ring.vq.errors).toBe(0);
    });

    it('takes no more than asked, and the rest in the next burst', () => {
      ring = packedRing(8);
      for (let i = 0; i < 5; i++) ring.post([{ addr: GPA_BASE + buf(i), len: frameAt(ring, buf(i), 64, i), flags: 0 }], i);
      expect(ring.vq.dequeueBurst(arena, mbufs, pool, out, 2, 0)).toBe(2);
      mbufs.freeBulk(out, 2, 0);
      expect(ring.vq.dequeueBurst(arena, mbufs, pool, out, 32, 0)).toBe(3);
      expect(bytesOf(out[2])).toEqual(pattern(64, 4));
      mbufs.freeBulk(out, 3, 0);
      expect(ring.takeAllUsed().map((u) => u.id)).toEqual([0, 1, 2, 3, 4]);
      expect(ring.vq.dequeueBurst(arena, mbufs, pool, out, 32, 0)).toBe(0);
    });

    it('chains mbufs for a packet larger than one (5000 bytes in 2048-byte mbufs: three segments)', () => {
      ring = packedRing(8);
      frameAt(ring, buf(0), 5000, 7);
      ring.post([{ addr: GPA_BASE + buf(0), len: HDR + 3000, flags: 0 }, { addr: GPA_BASE + buf(0) + HDR + 3000, len: 2000, flags: 0 }], 3);
      expect(ring.vq.dequeueBurst(arena, mbufs, pool, out, 32, 0)).toBe(1);
      expect(mbufs.nbSegs(out[0])).toBe(3);
      expect(mbufs.pktLen(out[0])).toBe(5000);
      expect(bytesOf(out[0])).toEqual(pattern(5000, 7));
      mbufs.freeBulk(out, 1, 0);
      expect(ring.vq.dropped).toBe(0);
    });
  });

  describe(`packed ring, host to guest, guest memory ${mapping}`, () => {
    it('with mergeable buffers, spreads a 3000-byte packet over three posted chains, num_buffers 3, lengths per chain', () => {
      ring = packedRing(8);
      for (let i = 0; i < 4; i++) ring.post([{ addr: GPA_BASE + buf(i), len: 1100, flags: DESC_F_WRITE }], 20 + i);
      out[0] = packet(3000, 5);
      expect(ring.vq.enqueueBurst(arena, out, 1, 0)).toBe(1);
      mbufs.free(out[0]);
      expect(ring.takeAllUsed()).toEqual([{ id: 20, len: 1100 }, { id: 21, len: 1100 }, { id: 22, len: 3012 - 2200 }]);
      expect(ring.dv.getUint16(buf(0) + 10, true)).toBe(3);
      const got = [...ring.u8.subarray(buf(0) + HDR, buf(0) + 1100), ...ring.u8.subarray(buf(1), buf(1) + 1100), ...ring.u8.subarray(buf(2), buf(2) + 812)];
      expect(got).toEqual(pattern(3000, 5));
    });

    it('with mergeable buffers, a packet waits when the ring has too few chains, then goes once the driver posts more', () => {
      ring = packedRing(8);
      ring.post([{ addr: GPA_BASE + buf(0), len: 1000, flags: DESC_F_WRITE }], 1);
      out[0] = packet(1500, 1);
      expect(ring.vq.enqueueBurst(arena, out, 1, 0)).toBe(0);
      expect(ring.takeAllUsed()).toEqual([]);
      ring.post([{ addr: GPA_BASE + buf(1), len: 1000, flags: DESC_F_WRITE }], 2);
      expect(ring.vq.enqueueBurst(arena, out, 1, 0)).toBe(1);
      mbufs.free(out[0]);
      expect(ring.takeAllUsed()).toEqual([{ id: 1, len: 1000 }, { id: 2, len: 512 }]);
    });

    it('without mergeable buffers (10-byte header), one chain of several descriptors holds each packet; one too small stays', () => {
      ring = packedRing(8, 1 << 20, { hdrSize: 10, mrgRxbuf: false });
      ring.post([{ addr: GPA_BASE + buf(0), len: 10, flags: DESC_F_WRITE }, { addr: GPA_BASE + buf(1), len: 2000, flags: DESC_F_WRITE }], 4);
      ring.post([{ addr: GPA_BASE + buf(2), len: 500, flags: DESC_F_WRITE }], 5);
      out[0] = packet(1500, 9);
      out[1] = packet(1500, 10);
      expect(ring.vq.enqueueBurst(arena, out, 2, 0)).toBe(1);
      expect(ring.vq.dropped).toBe(1);
      mbufs.freeBulk(out, 2, 0);
      expect(ring.takeAllUsed()).toEqual([{ id: 4, len: 1510 }]);
      expect([...ring.u8.subarray(buf(1), buf(1) + 1500)]).toEqual(pattern(1500, 9));
    });

    it('writes a chained mbuf (three segments) as one packet', () => {
      ring = packedRing(8);
      ring.post([{ addr: GPA_BASE + buf(0), len: 4096, flags: DESC_F_WRITE }], 0);
      const h = packet(1000, 0);
      const t1 = packet(1000, 1000);
      const t2 = packet(500, 2000);
      mbufs.chain(h, t1);
      mbufs.chain(h, t2);
      expect(mbufs.pktLen(h)).toBe(2500);
      out[0] = h;
      expect(ring.vq.enqueueBurst(arena, out, 1, 0)).toBe(1);
      mbufs.free(h);
      expect(ring.takeAllUsed()).toEqual([{ id: 0, len: 2512 }]);
      expect([...ring.u8.subarray(buf(0) + HDR, buf(0) + HDR + 2500)]).toEqual(pattern(2500, 0));
    });

    it('keeps going over many passes of the ring, with ids returned in order', () => {
      ring = packedRing(4);
      for (let round = 0; round < 40; round++) {
        ring.post([{ addr: GPA_BASE + buf(0), len: 2048, flags: DESC_F_WRITE }], round & 0xff);
        ring.post([{ addr: GPA_BASE + buf(1), len: 2048, flags: DESC_F_WRITE }], (round + 100) & 0xff);
        out[0] = packet(64, round);
        out[1] = packet(64, round + 1);
        expect(ring.vq.enqueueBurst(arena, out, 2, 0)).toBe(2);
        mbufs.freeBulk(out, 2, 0);
        expect(ring.takeAllUsed()).toEqual([{ id: round & 0xff, len: 76 }, { id: (round + 100) & 0xff, len: 76 }]);
      }
      expect(ring.vq.kernelPackets).toBe(windows ? 80 : 0);
    });
  });

  describe(`packed ring event suppression, guest memory ${mapping}`, () => {
    it('calls the driver as its area asks: ENABLE yes, DISABLE no, DESC only when the used position crosses off_wrap (EVENT_IDX)', () => {
      ring = packedRing(8, 1 << 20, { eventIdx: true });
      const r = ring;
      const call = eventfd(0, { nonblock: true });
      r.vq.callFd = call;
      const take = (count: number): void => {
        for (let i = 0; i < count; i++) r.post([{ addr: GPA_BASE + buf(i), len: frameAt(r, buf(i), 60, i), flags: 0 }], i);
        const n = r.vq.dequeueBurst(arena, mbufs, pool, out, 32, 0);
        mbufs.freeBulk(out, n, 0);
        r.takeAllUsed();
      };
      try {
        r.driverEvent(RING_EVENT_FLAGS_ENABLE);
        take(2);
        expect(eventfdRead(call)).toBe(1);
        r.driverEvent(RING_EVENT_FLAGS_DISABLE);
        take(2);
        expect(eventfdRead(call)).toBe(0);
        // Used position is 4 (wrap 1): ask for a call once descriptor 6 is used.
        r.driverEvent(RING_EVENT_FLAGS_DESC, 6 | 0x8000);
        take(1); // 4 -> 5: not yet
        expect(eventfdRead(call)).toBe(0);
        take(2); // 5 -> 7: crosses 6
        expect(eventfdRead(call)).toBe(1);
        // Ask for index 1 of the next pass (wrap 0): 7 -> 8 (0, wrap 0) does not reach it, 0 -> 2 does.
        r.driverEvent(RING_EVENT_FLAGS_DESC, 1);
        take(1);
        expect(eventfdRead(call)).toBe(0);
        take(2);
        expect(eventfdRead(call)).toBe(1);
      } finally {
        closeFd(call);
      }
    });

    it('tells the driver not to kick while polling, and where to kick with EVENT_IDX', () => {
      ring = packedRing(8, 1 << 20, { eventIdx: true });
      ring.vq.setNotification(false);
      expect(ring.deviceEvent().flags).toBe(RING_EVENT_FLAGS_DISABLE);
      ring.vq.lastAvail = 3 | 0x8000;
      ring.vq.setNotification(true);
      expect(ring.deviceEvent()).toEqual({ offWrap: 3 | 0x8000, flags: RING_EVENT_FLAGS_DESC });
      ring.close();
      ring = packedRing(8);
      ring.vq.setNotification(true);
      expect(ring.deviceEvent().flags).toBe(RING_EVENT_FLAGS_ENABLE);
    });
  });
}

describe('packed ring through the device', () => {
  let socket: VhostUserSocket | undefined;
  let front: RawFrontend | undefined;
  afterEach(() => {
    front?.close();
    socket?.close();
    front = socket = undefined;
  });

  it('offers RING_PACKED; SET_VRING_BASE takes the wrap counter in bit 15, GET_VRING_BASE gives avail and used positions', async () => {
    const path = `/tmp/nic-vhost-packed-${process.pid}.sock`;
    socket = new VhostUserSocket(path, { queuePairs: 1 });
    front = new RawFrontend(path);
    front.send(Request.GET_FEATURES);
    const offered = await front.receive();
    if (offered === 'closed') throw new Error('closed');
    expect(offered.payload.getBigUint64(0, true) & bit(Feature.F_RING_PACKED)).toBe(bit(Feature.F_RING_PACKED));
    front.send(Request.SET_FEATURES, u64(bit(Feature.F_VERSION_1) | bit(Feature.F_RING_PACKED)));
    // A packed ring's size need not be a power of 2.
    front.send(Request.SET_VRING_NUM, state(1, 100));
    front.send(Request.SET_VRING_BASE, state(1, 37 | 0x8000));
    const s = socket;
    await until('the base', () => s.device.vrings[1].lastAvail === (37 | 0x8000));
    expect(s.device.vrings[1].num).toBe(100);
    front.send(Request.GET_VRING_BASE, state(1, 0));
    const reply = await front.receive();
    if (reply === 'closed') throw new Error('closed');
    expect(reply.payload.getUint32(4, true)).toBe(((37 | 0x8000) << 16 | 37 | 0x8000) >>> 0);
  });
});
