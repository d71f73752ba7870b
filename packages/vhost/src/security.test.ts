/**
 * One test per check behind DPDK's vhost CVEs (and the related fixes without an id): each
 * sends the hostile message or descriptor chain and shows a clean refusal, with nothing
 * mapped, leaked or overwritten.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Arena, MbufView, pktmbufPoolCreate, type Mempool } from '@nic/eal';
import { closeFd, eventfd } from '@nic/native';
import { until } from '@nic/native/testing';
import { VhostUserSocket } from './socket.js';
import { FLAG_NEED_REPLY, FLAG_VERSION, ProtocolFeature, REPLY_FLAGS, Request } from './protocol.js';
import { DESC_F_INDIRECT, DESC_F_NEXT, DESC_F_USED, DESC_F_WRITE, DESC_SIZE, type VringFeatures } from './virtqueue.js';
import { P_USED_LIST, USED_ENTRY_BYTES } from './packed-kernel.js';
import { K_DESC, K_NUM, takeRecord } from './split-kernel.js';
import { BUFFERS_OFF, EVENTFD_LINK, GPA_BASE, GuestPackedRing, GuestRing, PACKED_BUFFERS_OFF, RawFrontend, guestFile, mappingsOf, memTable, openFds, state, u64, type PackedDesc } from './testing/index.js';

let arena: Arena;
let pool: Mempool;
let mbufs: MbufView;
const out = new Uint32Array(32);

beforeAll(() => {
  arena = Arena.anonymous(8 << 20);
  pool = pktmbufPoolCreate(arena, 'vhost_sec', 255);
  mbufs = new MbufView(arena);
});

afterAll(() => expect(pool.inUseCount()).toBe(0));

/** Dequeues what is there; returns the delivered count and frees the mbufs. */
function dequeue(ring: GuestRing): number {
  const n = ring.vq.dequeueBurst(arena, mbufs, pool, out, 32, 0);
  mbufs.freeBulk(out, n, 0);
  return n;
}

/** Guest memory as windows of the arena's memory (bursts run the WebAssembly kernels) or mapped apart (TypeScript). */
const MAPPINGS = [
  ['in arena windows', true],
  ['mapped apart', false],
] as const;

for (const [mapping, windows] of MAPPINGS) {
  describe(`descriptor chains (guest to host), guest memory ${mapping}`, () => {
    /** A test ring whose region is mapped as `mapping` says. */
    const guestRing = (num = 8, size = 1 << 20, hdrSize = 12, indirect = true): GuestRing =>
      new GuestRing(num, size, hdrSize, indirect, windows ? arena.wasm.memory : undefined);

    let ring: GuestRing;
    afterEach(() => ring.close());

    it('CVE-2018-1059: a buffer running past the end of guest memory is refused, not clipped', () => {
      ring = guestRing();
      expect(ring.mem.windowAddresses.length).toBe(windows ? 1 : 0);
      ring.desc(0, GPA_BASE + ring.size - 100, 200, 0);
      ring.push(0);
      expect(dequeue(ring)).toBe(0);
      expect(ring.vq.errors).toBe(1);
      expect(ring.usedIdx()).toBe(1);
      expect(ring.used(0)).toEqual({ id: 0, len: 0 });
    });

    it('CVE-2018-1059: rings that do not lie wholly inside guest memory are not mapped', () => {
      ring = guestRing();
      const vq = ring.vq;
      vq.addresses = { ...vq.addresses!, used: 0x7f0000000000 + ring.size - 16 };
      expect(vq.map(ring.mem, { hdrSize: 12, mrgRxbuf: true, eventIdx: false, indirect: true })).toMatch(/used ring/);
      expect(vq.ready).toBe(false);
    });

    it('CVE-2020-10725: a zero-length descriptor at an address outside guest memory is refused', () => {
      ring = guestRing();
      ring.desc(0, GPA_BASE + BUFFERS_OFF, 12, DESC_F_NEXT, 1);
      ring.desc(1, 0, 0, DESC_F_NEXT, 2);
      ring.desc(2, GPA_BASE + BUFFERS_OFF + 64, 60, 0);
      ring.push(0);
      expect(dequeue(ring)).toBe(0);
      expect(ring.vq.errors).toBe(1);
    });

    it('CVE-2022-2132: a chain no longer than the net header is dropped', () => {
      ring = guestRing();
      ring.desc(0, GPA_BASE + BUFFERS_OFF, 12, 0);
      ring.push(0);
      expect(dequeue(ring)).toBe(0);
      expect(ring.vq.dropped).toBe(1);
      expect(ring.usedIdx()).toBe(1);
    });

    it('CVE-2022-2132: a header split over three descriptors is handled, the packet intact', () => {
      ring = guestRing();
      const data = BUFFERS_OFF + 0x100;
      for (let i = 0; i < 60; i++) ring.u8[data + i] = i + 1;
      ring.desc(0, GPA_BASE + BUFFERS_OFF, 4, DESC_F_NEXT, 1);
      ring.desc(1, GPA_BASE + BUFFERS_OFF + 16, 4, DESC_F_NEXT, 2);
      ring.desc(2, GPA_BASE + BUFFERS_OFF + 32, 8, DESC_F_NEXT, 3); // 4 header bytes, then 4 packet bytes
      ring.desc(3, GPA_BASE + data + 4, 56, 0);
      for (let i = 0; i < 4; i++) ring.u8[BUFFERS_OFF + 32 + 4 + i] = i + 1;
      ring.push(0);
      const n = ring.vq.dequeueBurst(arena, mbufs, pool, out, 32, 0);
      expect(n).toBe(1);
      expect(mbufs.dataLen(out[0])).toBe(60);
      const d = mbufs.mtod(out[0]);
      expect([...arena.u8.subarray(d, d + 60)]).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      mbufs.freeBulk(out, 1, 0);
    });

    it('a split ring whose size is not a power of 2 is not mapped', () => {
      ring = guestRing();
      ring.vq.num = 12;
      expect(ring.vq.map(ring.mem, { hdrSize: 12, mrgRxbuf: true, eventIdx: false, indirect: true })).toMatch(/power of 2/);
      expect(ring.vq.ready).toBe(false);
    });

    it('a head index past the ring, a next index past the ring and a chain that loops are refused without a hang', () => {
      ring = guestRing();
      ring.desc(0, GPA_BASE + BUFFERS_OFF, 64, DESC_F_NEXT, 1);
      ring.desc(1, GPA_BASE + BUFFERS_OFF, 64, DESC_F_NEXT, 0); // 0 -> 1 -> 0 -> ...
      ring.desc(2, GPA_BASE + BUFFERS_OFF, 64, DESC_F_NEXT, ring.num);
      ring.push(0);
      ring.push(2);
      ring.push(ring.num + 3);
      expect(dequeue(ring)).toBe(0);
      expect(ring.vq.errors).toBe(3);
      expect(ring.usedIdx()).toBe(3);
    });

    it('indirect tables: a length not a multiple of 16, one outside memory, and a nested one are refused', () => {
      ring = guestRing();
      const table = BUFFERS_OFF + 0x1000;
      ring.desc(0, GPA_BASE + table, 20, DESC_F_INDIRECT);
      ring.desc(1, GPA_BASE + ring.size - 16, 32, DESC_F_INDIRECT);
      ring.desc(2, GPA_BASE + table, 32, DESC_F_INDIRECT);
      ring.desc(0, GPA_BASE + table, 32, DESC_F_INDIRECT, 0, table);
      ring.push(0);
      ring.push(1);
      ring.push(2);
      expect(dequeue(ring)).toBe(0);
      expect(ring.vq.errors).toBe(3);
    });

    it('an indirect table is refused when INDIRECT_DESC was not negotiated', () => {
      ring = guestRing(8, 1 << 20, 12, false);
      ring.desc(0, GPA_BASE + BUFFERS_OFF, 16, DESC_F_INDIRECT);
      ring.desc(0, GPA_BASE + BUFFERS_OFF + 0x100, 64, 0, 0, BUFFERS_OFF);
      ring.push(0);
      expect(dequeue(ring)).toBe(0);
      expect(ring.vq.errors).toBe(1);
    });

    it('host to guest: a read-only descriptor in an rx chain is refused and the guest buffer left alone', () => {
      ring = guestRing();
      ring.u8.fill(0xaa, BUFFERS_OFF, BUFFERS_OFF + 128);
      ring.desc(0, GPA_BASE + BUFFERS_OFF, 128, 0);
      ring.push(0);
      const h = mbufs.alloc(pool);
      mbufs.setDataLen(h, 60);
      mbufs.setPktLen(h, 60);
      out[0] = h;
      expect(ring.vq.enqueueBurst(arena, out, 1, 0)).toBe(1);
      mbufs.free(h);
      expect(ring.vq.errors).toBe(1);
      expect(ring.used(0)).toEqual({ id: 0, len: 0 });
      expect(ring.u8.subarray(BUFFERS_OFF, BUFFERS_OFF + 128).every((b) => b === 0xaa)).toBe(true);
    });

    it('host to guest: a chain too small for the packet is not used, and nothing past it is written', () => {
      ring = guestRing();
      ring.u8.fill(0xaa, BUFFERS_OFF, BUFFERS_OFF + 256);
      ring.desc(0, GPA_BASE + BUFFERS_OFF, 40, DESC_F_WRITE);
      ring.push(0);
      const h = mbufs.alloc(pool);
      mbufs.setDataLen(h, 60);
      mbufs.setPktLen(h, 60);
      out[0] = h;
      expect(ring.vq.enqueueBurst(arena, out, 1, 0)).toBe(0);
      mbufs.free(h);
      expect(ring.usedIdx()).toBe(0);
      expect(ring.u8.subarray(BUFFERS_OFF + 40, BUFFERS_OFF + 256).every((b) => b === 0xaa)).toBe(true);
    });
  });

  describe(`messages, guest memory ${mapping}`, () => {
    let socket: VhostUserSocket;
    let front: RawFrontend;
    let n = 0;

    beforeAll(() => undefined);
    async function open(): Promise<void> {
      const path = `/tmp/nic-vhost-sec-${process.pid}-${n++}.sock`;
      socket = new VhostUserSocket(path, { queuePairs: 1, arena: windows ? arena : undefined });
      front = new RawFrontend(path);
      await until('the backend to accept the frontend', () => socket.connected);
    }
    afterEach(() => {
      front.close();
      socket.close();
    });

    /** Negotiates REPLY_ACK, so refusals come back as non-zero acks. */
    async function withReplyAck(): Promise<void> {
      front.send(Request.SET_PROTOCOL_FEATURES, u64(1 << ProtocolFeature.REPLY_ACK));
      front.send(Request.GET_QUEUE_NUM);
      const r = await front.receive();
      expect(r).not.toBe('closed');
    }

    async function ack(): Promise<bigint> {
      const r = await front.receive();
      if (r === 'closed') throw new Error('closed');
      expect(r.flags).toBe(REPLY_FLAGS);
      return r.payload.getBigUint64(0, true);
    }

    it('0fe99cf73e: a region whose mmap_offset + size overflows is refused, nothing mapped, its fd closed', async () => {
      await open();
      await withReplyAck();
      const { path, fds } = guestFile(1 << 16, 1);
      const before = openFds(path);
      front.send(Request.SET_MEM_TABLE, memTable([[0, 0x1000, 0x7f0000000000, 0xfffffffffffff000n]]), fds, FLAG_VERSION | FLAG_NEED_REPLY);
      expect(await ack()).toBe(1n);
      expect(mappingsOf(path)).toBe(0);
      expect(openFds(path)).toBe(before);
      expect(socket.device.memory).toBeUndefined();
    });

    it('a region running past the end of its file is refused (no SIGBUS later), nothing mapped, fds closed', async () => {
      await open();
      await withReplyAck();
      const { path, fds } = guestFile(1 << 16, 1);
      const before = openFds(path);
      front.send(Request.SET_MEM_TABLE, memTable([[0, 1 << 16, 0x7f0000000000, 0], [1 << 20, 1 << 30, 0x7f1000000000, 1 << 16]]), [fds[0], fds[0]], FLAG_VERSION | FLAG_NEED_REPLY);
      expect(await ack()).toBe(1n);
      expect(mappingsOf(path)).toBe(0);
      expect(openFds(path)).toBe(before);
    });

    it('CVE-2019-14818: a message with more fds than it takes has them all closed and is refused', async () => {
      await open();
      await withReplyAck();
      const { path, fds } = guestFile(4096, 1);
      const before = openFds(path);
      front.send(Request.SET_FEATURES, u64(0), [fds[0], fds[0], fds[0]], FLAG_VERSION | FLAG_NEED_REPLY);
      expect(await ack()).toBe(1n);
      expect(openFds(path)).toBe(before);
    });

    it('CVE-2019-14818: repeated SET_VRING_NUM and SET_VRING_CALL leak nothing', async () => {
      await open();
      const before = openFds(EVENTFD_LINK);
      for (let i = 0; i < 200; i++) {
        front.send(Request.SET_VRING_NUM, state(0, 256));
        const efd = eventfd();
        front.send(Request.SET_VRING_CALL, u64(0), [efd]);
        // The backend keeps one call fd per vring: ours, sent again and again, is closed each time.
        closeFd(efd);
        if (i % 16 === 15) await new Promise((r) => setTimeout(r, 1));
      }
      front.send(Request.GET_QUEUE_NUM);
      expect(await ack()).toBe(1n);
      expect(openFds(EVENTFD_LINK)).toBe(before + 1);
    });

    it('SET_LOG_BASE is refused without LOG_SHMFD and its fd closed', async () => {
      await open();
      const { path, fds } = guestFile(4096, 1);
      const before = openFds(path);
      front.send(Request.SET_LOG_BASE, logBase(0x1000n, 0n), fds);
      expect(await front.receive()).toBe('closed');
      expect(openFds(path)).toBe(before);
    });

    /** A SET_LOG_BASE payload. */
    function logBase(size: bigint, offset: bigint): Uint8Array {
      const payload = new Uint8Array(16);
      new DataView(payload.buffer).setBigUint64(0, size, true);
      new DataView(payload.buffer).setBigUint64(8, offset, true);
      return payload;
    }

    it('CVE-2020-10722: a SET_LOG_BASE whose size + offset overflows is refused, its fd closed, nothing mapped', async () => {
      await open();
      front.send(Request.SET_PROTOCOL_FEATURES, u64(1 << ProtocolFeature.LOG_SHMFD));
      const { path, fds } = guestFile(1 << 16, 1);
      const before = openFds(path);
      front.send(Request.SET_LOG_BASE, logBase(0x1000n, 0xfffffffffffff000n), fds);
      expect(await front.receive()).toBe('closed');
      expect(mappingsOf(path)).toBe(0);
      expect(openFds(path)).toBe(before);
      expect(socket.device.log).toBeUndefined();
    });

    it('CVE-2020-10726: repeated SET_LOG_BASE keeps one log mapping and answers each', async () => {
      await open();
      front.send(Request.SET_PROTOCOL_FEATURES, u64(1 << ProtocolFeature.LOG_SHMFD));
      const { path, fds } = guestFile(1 << 16, 1);
      for (let i = 0; i < 20; i++) {
        front.send(Request.SET_LOG_BASE, logBase(0x1000n, 0n), fds);
        const r = await front.receive();
        expect(r !== 'closed' && r.flags === REPLY_FLAGS && r.request === Request.SET_LOG_BASE && r.payload.byteLength === 0).toBe(true);
      }
      expect(mappingsOf(path)).toBe(1);
      expect(socket.device.log?.length).toBe(0x1000);
    });

    it('CVE-2020-10726: repeated SET_MEM_TABLE keeps one mapping', async () => {
      await open();
      const { path, fds } = guestFile(1 << 16, 1);
      for (let i = 0; i < 20; i++) front.send(Request.SET_MEM_TABLE, memTable([[0, 1 << 16, 0x7f0000000000, 0]]), fds);
      front.send(Request.GET_QUEUE_NUM);
      expect(await ack()).toBe(1n);
      expect(mappingsOf(path)).toBe(1);
    });

    it('CVE-2020-10723: a vring index that truncates to a valid one is refused', async () => {
      await open();
      await withReplyAck();
      front.send(Request.SET_VRING_NUM, state(0x10000, 256), [], FLAG_VERSION | FLAG_NEED_REPLY);
      expect(await ack()).toBe(1n);
      front.send(Request.SET_VRING_NUM, state(2, 256), [], FLAG_VERSION | FLAG_NEED_REPLY);
      expect(await ack()).toBe(1n);
      expect(socket.device.vrings[0].num).toBe(0);
    });

    it('a payload larger than any request takes closes the connection before it is read', async () => {
      await open();
      front.send(Request.SET_MEM_TABLE, new Uint8Array(0), [], FLAG_VERSION, 0x10000000);
      expect(await front.receive()).toBe('closed');
    });

    it('features and protocol features not offered are refused', async () => {
      await open();
      await withReplyAck();
      front.send(Request.SET_FEATURES, u64(1n << 63n), [], FLAG_VERSION | FLAG_NEED_REPLY);
      expect(await ack()).toBe(1n);
      expect(socket.device.features).toBe(0n);
    });
  });
}

for (const [mapping, windows] of MAPPINGS) {
  /** A test packed ring whose region is mapped as `mapping` says. */
  const packedRing = (num = 8, size = 1 << 20, features: Partial<VringFeatures> = {}): GuestPackedRing =>
    new GuestPackedRing(num, size, features, windows ? arena.wasm.memory : undefined);

  describe(`packed descriptor chains (the same checks as the split ring), guest memory ${mapping}`, () => {
    let ring: GuestPackedRing;
    afterEach(() => ring.close());

    /** Dequeues what is there; returns the delivered count and frees the mbufs. */
    function take(r: GuestPackedRing): number {
      const n = r.vq.dequeueBurst(arena, mbufs, pool, out, 32, 0);
      mbufs.freeBulk(out, n, 0);
      return n;
    }

    it('CVE-2018-1059: a buffer running past the end of guest memory is refused, not clipped', () => {
      ring = packedRing();
      expect(ring.mem.windowAddresses.length).toBe(windows ? 1 : 0);
      ring.post([{ addr: GPA_BASE + ring.size - 100, len: 200, flags: 0 }], 5);
      expect(take(ring)).toBe(0);
      expect(ring.vq.errors).toBe(1);
      expect(ring.takeAllUsed()).toEqual([{ id: 5, len: 0 }]);
    });

    it('CVE-2018-1059: a descriptor ring or event area not wholly inside guest memory is not mapped', () => {
      ring = packedRing();
      const vq = ring.vq;
      const features = { hdrSize: 12, mrgRxbuf: true, eventIdx: false, indirect: true, packed: true };
      vq.addresses = { ...vq.addresses!, desc: 0x7f0000000000 + ring.size - 64 };
      expect(vq.map(ring.mem, features)).toMatch(/descriptor ring/);
      vq.addresses = { ...vq.addresses, desc: 0x7f0000000000, used: 0x7f0000000000 + ring.size - 2 };
      expect(vq.map(ring.mem, features)).toMatch(/device event area/);
      expect(vq.ready).toBe(false);
    });

    it('CVE-2020-10725: a zero-length descriptor at an address outside guest memory is refused', () => {
      ring = packedRing();
      ring.post([{ addr: GPA_BASE + PACKED_BUFFERS_OFF, len: 12, flags: 0 }, { addr: 0, len: 0, flags: 0 }, { addr: GPA_BASE + PACKED_BUFFERS_OFF + 64, len: 60, flags: 0 }], 1);
      expect(take(ring)).toBe(0);
      expect(ring.vq.errors).toBe(1);
      expect(ring.takeAllUsed()).toEqual([{ id: 1, len: 0 }]);
    });

    it('CVE-2022-2132: a chain no longer than the net header is dropped; a header over three descriptors is handled', () => {
      ring = packedRing();
      ring.post([{ addr: GPA_BASE + PACKED_BUFFERS_OFF, len: 12, flags: 0 }], 0);
      const data = PACKED_BUFFERS_OFF + 0x100;
      for (let i = 0; i < 60; i++) ring.u8[data + i] = i + 1;
      ring.post(
        [
          { addr: GPA_BASE + PACKED_BUFFERS_OFF, len: 4, flags: 0 },
          { addr: GPA_BASE + PACKED_BUFFERS_OFF + 16, len: 4, flags: 0 },
          { addr: GPA_BASE + PACKED_BUFFERS_OFF + 32, len: 4, flags: 0 },
          { addr: GPA_BASE + data, len: 60, flags: 0 },
        ],
        1,
      );
      const n = ring.vq.dequeueBurst(arena, mbufs, pool, out, 32, 0);
      expect(n).toBe(1);
      expect(ring.vq.dropped).toBe(1);
      expect([...arena.u8.subarray(mbufs.mtod(out[0]), mbufs.mtod(out[0]) + 60)]).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      mbufs.freeBulk(out, 1, 0);
      expect(ring.takeAllUsed()).toEqual([{ id: 0, len: 0 }, { id: 1, len: 0 }]);
    });

    it('a chain with NEXT on every descriptor of the ring, and NEXT into a descriptor not made available, are refused without a hang', () => {
      ring = packedRing(8);
      // Eight descriptors, all NEXT: the chain never ends inside the ring.
      ring.post(Array.from({ length: 8 }, () => ({ addr: GPA_BASE + PACKED_BUFFERS_OFF, len: 64, flags: 1 })), 3, true);
      expect(take(ring)).toBe(0);
      expect(ring.vq.errors).toBe(1);
      expect(ring.vq.lastAvail).toBe(0); // one whole pass consumed: index 0, wrap counter 0
      ring.reset();
      // Two descriptors, the second with NEXT, and nothing after them made available.
      ring.post([{ addr: GPA_BASE + PACKED_BUFFERS_OFF, len: 64, flags: 1 }, { addr: GPA_BASE + PACKED_BUFFERS_OFF, len: 64, flags: 1 }], 4, true);
      expect(take(ring)).toBe(0);
      expect(ring.vq.errors).toBe(1);
      expect(ring.vq.lastAvail).toBe(2 | 0x8000);
    });

    it('indirect tables: a length not a multiple of 16, one outside memory, a nested one, one with NEXT and one longer than the ring are refused', () => {
      ring = packedRing(8);
      const table = PACKED_BUFFERS_OFF + 0x1000;
      ring.desc(0, GPA_BASE + PACKED_BUFFERS_OFF, 64, 0, 0, table);
      ring.desc(0, GPA_BASE + table, 32, 0, DESC_F_INDIRECT, table + 0x100);
      ring.post([{ addr: GPA_BASE + table, len: 20, flags: DESC_F_INDIRECT }], 0);
      ring.post([{ addr: GPA_BASE + ring.size - 16, len: 32, flags: DESC_F_INDIRECT }], 1);
      ring.post([{ addr: GPA_BASE + table + 0x100, len: 16, flags: DESC_F_INDIRECT }], 2);
      ring.post([{ addr: GPA_BASE + table, len: 16, flags: DESC_F_INDIRECT | DESC_F_NEXT }, { addr: GPA_BASE + PACKED_BUFFERS_OFF, len: 64, flags: 0 }], 3, true);
      ring.post([{ addr: GPA_BASE + table, len: 16 * 9, flags: DESC_F_INDIRECT }], 4);
      expect(take(ring)).toBe(0);
      expect(ring.vq.errors).toBe(5);
      expect(ring.takeAllUsed().map((u) => u.id)).toEqual([0, 1, 2, 3, 4]);
    });

    it('an indirect table is refused when INDIRECT_DESC was not negotiated', () => {
      ring = packedRing(8, 1 << 20, { indirect: false });
      ring.desc(0, GPA_BASE + PACKED_BUFFERS_OFF + 0x100, 64, 0, 0, PACKED_BUFFERS_OFF);
      ring.post([{ addr: GPA_BASE + PACKED_BUFFERS_OFF, len: 16, flags: DESC_F_INDIRECT }], 0);
      expect(take(ring)).toBe(0);
      expect(ring.vq.errors).toBe(1);
    });

    it('a writable descriptor in a transmit chain is refused', () => {
      ring = packedRing(8);
      ring.post([{ addr: GPA_BASE + PACKED_BUFFERS_OFF, len: 64, flags: DESC_F_WRITE }], 0);
      expect(take(ring)).toBe(0);
      expect(ring.vq.errors).toBe(1);
    });

    it('host to guest: a read-only descriptor in an rx chain is refused and the guest buffer left alone', () => {
      ring = packedRing(8);
      ring.u8.fill(0xaa, PACKED_BUFFERS_OFF, PACKED_BUFFERS_OFF + 128);
      ring.post([{ addr: GPA_BASE + PACKED_BUFFERS_OFF, len: 128, flags: 0 }], 6);
      const h = mbufs.alloc(pool);
      mbufs.setDataLen(h, 60);
      mbufs.setPktLen(h, 60);
      out[0] = h;
      expect(ring.vq.enqueueBurst(arena, out, 1, 0)).toBe(1);
      mbufs.free(h);
      expect(ring.vq.errors).toBe(1);
      expect(ring.takeAllUsed()).toEqual([{ id: 6, len: 0 }]);
      expect(ring.u8.subarray(PACKED_BUFFERS_OFF, PACKED_BUFFERS_OFF + 128).every((b) => b === 0xaa)).toBe(true);
    });

    it('host to guest: a chain too small for the packet is not used, and nothing past it is written', () => {
      ring = packedRing(8, 1 << 20, { mrgRxbuf: false });
      ring.u8.fill(0xaa, PACKED_BUFFERS_OFF, PACKED_BUFFERS_OFF + 256);
      ring.post([{ addr: GPA_BASE + PACKED_BUFFERS_OFF, len: 40, flags: DESC_F_WRITE }], 0);
      const h = mbufs.alloc(pool);
      mbufs.setDataLen(h, 60);
      mbufs.setPktLen(h, 60);
      out[0] = h;
      expect(ring.vq.enqueueBurst(arena, out, 1, 0)).toBe(0);
      mbufs.free(h);
      expect(ring.takeAllUsed()).toEqual([]);
      expect(ring.u8.subarray(PACKED_BUFFERS_OFF + 40, PACKED_BUFFERS_OFF + 256).every((b) => b === 0xaa)).toBe(true);
    });

    it('host to guest: a burst takes at most the ring\'s descriptors, though the guest makes more available as it runs', () => {
      // Mergeable buffers, 128 one-descriptor chains: packet A takes chains 0..8, a header
      // buffer, seven empty ones and one over descriptors 0..7 of the ring itself, so A's
      // bytes (written there as the burst runs: at once by the TypeScript walk, when the
      // kernel's copy list fills) make those eight available again for the next pass. Packet
      // B takes chain 9 (its header), the empty chains 10..127, then would go on into the
      // eight re-marked ones: 136 chains in one burst, past the used list's 128 entries.
      const NUM = 128;
      const K = 8;
      const REST = 64;
      ring = packedRing(NUM);
      const hdrA = GPA_BASE + PACKED_BUFFERS_OFF;
      const hdrB = hdrA + 0x40;
      const empty = hdrA + 0x100;
      const rest = hdrA + 0x400;
      ring.u8.fill(0xaa, PACKED_BUFFERS_OFF, PACKED_BUFFERS_OFF + 0x2000);
      const h = new Uint32Array(2);
      expect(mbufs.allocBulk(pool, h, 2, 0)).toBe(0);
      // With the kernel, this thread's record for the ring is taken by its first burst (none
      // available here); the next record taken lies right after it.
      expect(ring.vq.enqueueBurst(arena, h, 2, 0)).toBe(0);
      const recordBytes = P_USED_LIST + NUM * USED_ENTRY_BYTES;
      const next = windows ? takeRecord(arena.wasm.memory, 256) : 0;
      if (windows) {
        const rec = new Int32Array(arena.wasm.memory.buffer, next - recordBytes, 16);
        expect(rec[K_NUM >>> 2]).toBe(NUM);
        expect(rec[K_DESC >>> 2]).toBe(ring.mem.windowAddresses[0]);
        new Uint8Array(arena.wasm.memory.buffer, next, 256).fill(0x5a);
      }
      try {
        const chain = (addr: number, len: number): PackedDesc[] => [{ addr, len, flags: DESC_F_WRITE }];
        ring.post(chain(hdrA, 12), 0);
        for (let c = 1; c < K; c++) ring.post(chain(empty, 0), c);
        ring.post(chain(GPA_BASE, K * DESC_SIZE), K);
        ring.post(chain(hdrB, 12), K + 1);
        for (let c = K + 2; c < NUM; c++) ring.post(chain(empty, 0), c);
        // A: eight descriptors, available in the next pass (AVAIL 0, USED 1), empty but the last.
        const a = new DataView(arena.u8.buffer, arena.u8.byteOffset + mbufs.mtod(h[0]), K * DESC_SIZE);
        for (let j = 0; j < K; j++) {
          a.setBigUint64(j * DESC_SIZE, BigInt(j < K - 1 ? empty : rest), true);
          a.setUint32(j * DESC_SIZE + 8, j < K - 1 ? 0 : REST, true);
          a.setUint16(j * DESC_SIZE + 12, 200 + j, true);
          a.setUint16(j * DESC_SIZE + 14, DESC_F_WRITE | DESC_F_USED, true);
        }
        mbufs.setDataLen(h[0], K * DESC_SIZE);
        mbufs.setPktLen(h[0], K * DESC_SIZE);
        arena.u8.fill(7, mbufs.mtod(h[1]), mbufs.mtod(h[1]) + REST);
        mbufs.setDataLen(h[1], REST);
        mbufs.setPktLen(h[1], REST);
        const outside = [ring.u8.slice(ring.deviceOff + 4, PACKED_BUFFERS_OFF), ring.u8.slice(PACKED_BUFFERS_OFF + 0x80, ring.size)];

        // A goes; B is left (its chains too): the burst took A's nine descriptors, not 137.
        expect(ring.vq.enqueueBurst(arena, h, 2, 0)).toBe(1);
        expect(ring.vq.lastAvail).toBe(K + 1 + 0x8000);
        expect(ring.vq.lastUsed).toBe(K + 1 + 0x8000);
        // A went through the kernel (with windows), B's refusal too; B's next chain, left
        // available, is counted as a stalled ring is.
        expect(ring.vq.kernelPackets).toBe(windows ? 1 : 0);
        expect([ring.vq.errors, ring.vq.dropped]).toEqual([0, 1]);
        expect(ring.takeAllUsed()).toEqual([{ id: 0, len: 12 }, ...Array.from({ length: K - 1 }, (_, c) => ({ id: c + 1, len: 0 })), { id: K, len: K * DESC_SIZE }]);
        // Nothing written outside the ring and the buffers' headers, B's last buffer untouched.
        expect(Buffer.compare(ring.u8.subarray(ring.deviceOff + 4, PACKED_BUFFERS_OFF), outside[0])).toBe(0);
        expect(Buffer.compare(ring.u8.subarray(PACKED_BUFFERS_OFF + 0x80, ring.size), outside[1])).toBe(0);
        // The record after this ring's is as it was.
        if (windows) expect(new Uint8Array(arena.wasm.memory.buffer, next, 256).every((b) => b === 0x5a)).toBe(true);
      } finally {
        mbufs.freeBulk(h, 2, 0);
      }
    });

    it('positions past the ring (SET_VRING_BASE) run no burst and write nothing', () => {
      ring = packedRing(8);
      ring.post([{ addr: GPA_BASE + PACKED_BUFFERS_OFF, len: 100, flags: 0 }], 0);
      const before = ring.u8.slice(0, PACKED_BUFFERS_OFF);
      ring.vq.lastAvail = ring.vq.lastUsed = 200 | 0x8000;
      expect(take(ring)).toBe(0);
      expect(ring.u8.subarray(0, PACKED_BUFFERS_OFF)).toEqual(before);
    });
  });
}
