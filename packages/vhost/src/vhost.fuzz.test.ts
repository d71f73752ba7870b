/**
 * Fuzzers over what a frontend controls: the message parser (with the device's handlers
 * behind it) and the descriptor-chain walker in both directions. `npm test` runs a short
 * seeded pass (500 inputs per target); `npm run fuzz -w @nic/vhost` runs NIC_FUZZ_RUNS
 * (100 000) inputs per target through test-kit's `fuzz`, which prints each target's count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Arena, MbufView, NicError, pktmbufPoolCreate, type Mempool } from '@nic/eal';
import { fuzz } from '@nic/test-kit';
import { checkMessage } from './message.js';
import { VhostDevice } from './device.js';
import { SUPPORTED_FEATURES, SUPPORTED_PROTOCOL_FEATURES } from './protocol.js';
import { DESC_F_WRITE, MAX_PACKET } from './virtqueue.js';
import { GPA_BASE, GuestPackedRing, GuestRing } from './testing/index.js';

/** Inputs per target in `npm test`: each is cheap. */
const TEST_RUNS = 500;

/** Runs `property` as fuzz target `name` ({@link TEST_RUNS} inputs in `npm test`). */
async function check<T>(name: string, property: fc.IProperty<T>): Promise<void> {
  await fuzz(name, (s) => fc.assert(property, s), TEST_RUNS);
}

/** The guest region of the walker fuzz: rings at the start, an indirect table, buffers above. */
const REGION = 0x4000;
const INDIRECT_OFF = 0x1200;
const BUFFERS = 0x2000;
const NUM = 8;

let arena: Arena;
let pool: Mempool;
let mbufs: MbufView;

beforeAll(() => {
  arena = Arena.anonymous(8 << 20);
  pool = pktmbufPoolCreate(arena, 'vhost_fuzz', 255);
  mbufs = new MbufView(arena);
});
afterAll(() => expect(pool.inUseCount()).toBe(0));

const header = fc.record({
  request: fc.oneof(fc.integer({ min: 0, max: 45 }), fc.nat()),
  flags: fc.oneof(fc.constantFrom(1, 9), fc.nat()),
});

describe('fuzz: vhost-user messages', () => {
  it("checkMessage and the device's handlers refuse or accept every message cleanly", async () => {
    await check(
      'vhost-user messages',
      fc.property(header, fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 10 }), fc.boolean(), (h, bytes, fds, honestSize) => {
        const payload = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const size = honestSize ? bytes.length : (bytes.length * 7) % 301;
        const device = new VhostDevice({ features: SUPPORTED_FEATURES, protocolFeatures: SUPPORTED_PROTOCOL_FEATURES, queuePairs: 2 });
        try {
          checkMessage({ ...h, size }, payload, fds);
        } catch (e) {
          if (!(e instanceof NicError)) throw e;
          return;
        }
        expect(size).toBe(bytes.length);
        // Accepted with fds: only KICK/CALL/ERR (one fd) or a memory table; hand the device no real fds.
        if (fds > 0) return;
        try {
          device.handle(h.request, payload, []);
        } catch (e) {
          if (!(e instanceof NicError)) throw e;
        } finally {
          device.reset();
        }
      }),
    );
  });
});

const desc = fc.record({
  kind: fc.integer({ min: 0, max: 4 }),
  off: fc.integer({ min: 0, max: REGION }),
  len: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: REGION }), fc.nat()),
  flags: fc.integer({ min: 0, max: 7 }),
  next: fc.integer({ min: 0, max: NUM + 2 }),
});
const chains = fc.record({
  table: fc.array(desc, { minLength: NUM, maxLength: NUM }),
  indirect: fc.array(desc, { minLength: NUM, maxLength: NUM }),
  heads: fc.array(fc.integer({ min: 0, max: NUM + 2 }), { maxLength: NUM }),
});

/** The guest address a fuzzed descriptor points at. */
function address(d: { kind: number; off: number }): number {
  switch (d.kind) {
    case 0:
      return GPA_BASE + BUFFERS + (d.off % (REGION - BUFFERS));
    case 1:
      return GPA_BASE + INDIRECT_OFF;
    case 2:
      return GPA_BASE + REGION - (d.off % 64);
    case 3:
      return d.off; // below the region
    default:
      return GPA_BASE + d.off;
  }
}

function layOut(ring: GuestRing, c: { table: (typeof desc extends fc.Arbitrary<infer T> ? T : never)[]; indirect: typeof c.table; heads: number[] }): void {
  ring.reset();
  c.table.forEach((d, i) => ring.desc(i, address(d), d.len >>> 0, d.flags, d.next));
  c.indirect.forEach((d, i) => ring.desc(i, address(d), d.len >>> 0, d.flags, d.next, INDIRECT_OFF));
  for (const h of c.heads) ring.push(h);
}

/** Guest bytes a chain walk may write: the buffers of writable descriptors, direct or in the indirect table. */
function writable(ring: GuestRing, c: { table: { kind: number; off: number; len: number; flags: number }[]; indirect: typeof c.table }, withUsed = false): Uint8Array {
  const ok = new Uint8Array(REGION);
  for (const d of [...c.table, ...c.indirect]) {
    if (!(d.flags & DESC_F_WRITE)) continue;
    const start = address(d) - GPA_BASE;
    for (let i = Math.max(0, start); i < Math.min(REGION, start + (d.len >>> 0)); i++) ok[i] = 1;
  }
  // The used ring (flags, idx, entries, avail_event).
  if (withUsed) for (let i = ring.usedOff; i < ring.usedOff + 4 + 8 * NUM + 2; i++) ok[i] = 1;
  return ok;
}

/** Guest memory as windows of the arena's memory (bursts run the WebAssembly kernels) or mapped apart (TypeScript). */
const MAPPINGS = [
  ['in arena windows', true],
  ['mapped apart', false],
] as const;

for (const [mapping, windows] of MAPPINGS) {
  describe(`fuzz: descriptor chains, guest memory ${mapping}`, () => {
    it('dequeue walks hostile rings without throwing, hanging or overrunning', async () => {
      const ring = new GuestRing(NUM, REGION, 12, true, windows ? arena.wasm.memory : undefined);
      const out = new Uint32Array(NUM);
      try {
        await check(
          `vhost dequeue chains (${mapping})`,
          fc.property(chains, (c) => {
            layOut(ring, c);
            const vq = ring.vq;
            const n = vq.dequeueBurst(arena, mbufs, pool, out, NUM, 0);
            for (let i = 0; i < n; i++) expect(mbufs.dataLen(out[i])).toBeLessThanOrEqual(mbufs.bufLen(out[i]) - 128);
            mbufs.freeBulk(out, n, 0);
            expect(n + vq.errors + vq.dropped).toBe(c.heads.length);
            expect(ring.usedIdx()).toBe(c.heads.length);
            for (let i = 0; i < c.heads.length; i++) expect(ring.used(i)).toEqual({ id: c.heads[i], len: 0 });
          }),
        );
      } finally {
        ring.close();
      }
    });

    it('enqueue writes only into writable guest buffers over hostile rings', async () => {
      const ring = new GuestRing(NUM, REGION, 12, true, windows ? arena.wasm.memory : undefined);
      const handles = new Uint32Array(NUM);
      const before = new Uint8Array(REGION);
      try {
        await check(
          `vhost enqueue chains (${mapping})`,
          fc.property(chains, fc.integer({ min: 1, max: 1500 }), (c, len) => {
            layOut(ring, c);
            ring.u8.fill(0xaa, BUFFERS, REGION);
            before.set(ring.u8.subarray(0, REGION));
            const vq = ring.vq;
            expect(mbufs.allocBulk(pool, handles, NUM, 0)).toBe(0);
            for (let i = 0; i < NUM; i++) {
              mbufs.setDataLen(handles[i], len);
              mbufs.setPktLen(handles[i], len);
            }
            const placed = vq.enqueueBurst(arena, handles, NUM, 0);
            mbufs.freeBulk(handles, NUM, 0);
            // With MRG_RXBUF (this ring's 12-byte header) a packet may take several chains, each
            // with its own used entry; a packet never takes more than the chains posted.
            const usedIdx = ring.usedIdx();
            expect(placed).toBeLessThanOrEqual(usedIdx);
            expect(usedIdx).toBeLessThanOrEqual(c.heads.length);
            const writableRings = writable(ring, c).subarray(0, BUFFERS).some((b) => b === 1);
            const ok = writable(ring, c, true);
            // With its rings writable, the guest rewrites descriptors under the walk (as a racing
            // guest would): then the walk must only stay clean, the buffers are no longer known.
            if (!writableRings) for (let i = 0; i < REGION; i++) if (ring.u8[i] !== before[i] && !ok[i]) throw new Error(`guest byte 0x${i.toString(16)} written outside any writable buffer`);
            // A guest may hand its own rings out as rx buffers; then only its own ring entries are garbled.
            if (writableRings) return;
            let bytes = 0;
            for (let i = 0; i < usedIdx; i++) {
              const u = ring.used(i);
              expect(u.id).toBe(c.heads[i]);
              bytes += u.len;
            }
            // Every byte reported is a header or packet byte of a placed packet, no more.
            expect(bytes).toBeLessThanOrEqual(placed * (12 + len));
          }),
        );
      } finally {
        ring.close();
      }
    });
  });
}

const packedDesc = fc.record({
  kind: fc.integer({ min: 0, max: 4 }),
  off: fc.integer({ min: 0, max: REGION }),
  len: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: REGION }), fc.nat()),
  flags: fc.integer({ min: 0, max: 7 }),
  /** The avail and used bits: 0 to 3. */
  bits: fc.integer({ min: 0, max: 3 }),
  id: fc.integer({ min: 0, max: 0xffff }),
});
const packedRings = fc.record({
  ring: fc.array(packedDesc, { minLength: NUM, maxLength: NUM }),
  indirect: fc.array(packedDesc, { minLength: NUM, maxLength: NUM }),
  /** Where the device starts: index and wrap counter. */
  start: fc.integer({ min: 0, max: NUM - 1 }),
  wrap: fc.integer({ min: 0, max: 1 }),
});
type PackedLayout = typeof packedRings extends fc.Arbitrary<infer T> ? T : never;

/** Lays out a fuzzed packed ring: every descriptor's flags carry its fuzzed avail/used bits. */
function layOutPacked(ring: GuestPackedRing, c: PackedLayout): void {
  ring.reset();
  const flags = (d: { flags: number; bits: number }): number => d.flags | ((d.bits & 1) << 7) | ((d.bits >> 1) << 15);
  c.ring.forEach((d, i) => ring.desc(i, address(d), d.len >>> 0, d.id, flags(d)));
  c.indirect.forEach((d, i) => ring.desc(i, address(d), d.len >>> 0, d.id, flags(d), INDIRECT_OFF));
  ring.vq.lastAvail = ring.vq.lastUsed = c.start | (c.wrap << 15);
}

for (const [mapping, windows] of MAPPINGS) {
  describe(`fuzz: packed descriptor chains, guest memory ${mapping}`, () => {
    it('dequeue walks hostile packed rings without throwing, hanging or overrunning', async () => {
      const ring = new GuestPackedRing(NUM, REGION, {}, windows ? arena.wasm.memory : undefined);
      const out = new Uint32Array(NUM);
      const before = new Uint8Array(REGION);
      try {
        await check(
          `vhost packed dequeue chains (${mapping})`,
          fc.property(packedRings, (c) => {
            layOutPacked(ring, c);
            before.set(ring.u8.subarray(0, REGION));
            const vq = ring.vq;
            const n = vq.dequeueBurst(arena, mbufs, pool, out, NUM, 0);
            for (let i = 0; i < n; i++) expect(mbufs.pktLen(out[i])).toBeLessThanOrEqual(MAX_PACKET);
            mbufs.freeBulk(out, n, 0);
            // Only the descriptor ring may change (used descriptors); the buffers are read only.
            for (let i = NUM * 16; i < REGION; i++) if (ring.u8[i] !== before[i]) throw new Error(`guest byte 0x${i.toString(16)} written by a dequeue`);
            expect(n).toBeLessThanOrEqual(NUM);
          }),
        );
      } finally {
        ring.close();
      }
    });

    it('enqueue writes only into writable guest buffers and the descriptor ring of hostile packed rings', async () => {
      const ring = new GuestPackedRing(NUM, REGION, {}, windows ? arena.wasm.memory : undefined);
      const handles = new Uint32Array(NUM);
      const before = new Uint8Array(REGION);
      try {
        await check(
          `vhost packed enqueue chains (${mapping})`,
          fc.property(packedRings, fc.integer({ min: 1, max: 1500 }), (c, len) => {
            layOutPacked(ring, c);
            ring.u8.fill(0xaa, BUFFERS, REGION);
            before.set(ring.u8.subarray(0, REGION));
            expect(mbufs.allocBulk(pool, handles, NUM, 0)).toBe(0);
            for (let i = 0; i < NUM; i++) {
              mbufs.setDataLen(handles[i], len);
              mbufs.setPktLen(handles[i], len);
            }
            const placed = ring.vq.enqueueBurst(arena, handles, NUM, 0);
            mbufs.freeBulk(handles, NUM, 0);
            expect(placed).toBeLessThanOrEqual(NUM);
            const ok = new Uint8Array(REGION);
            ok.fill(1, 0, NUM * 16); // used descriptors
            for (const d of [...c.ring, ...c.indirect]) {
              if (!(d.flags & DESC_F_WRITE)) continue;
              const start = address(d) - GPA_BASE;
              for (let i = Math.max(0, start); i < Math.min(REGION, start + (d.len >>> 0)); i++) ok[i] = 1;
            }
            // A guest that hands its own rings out as buffers garbles only its own rings.
            if (ok.subarray(NUM * 16, BUFFERS).some((b) => b === 1)) return;
            for (let i = 0; i < REGION; i++) if (ring.u8[i] !== before[i] && !ok[i]) throw new Error(`guest byte 0x${i.toString(16)} written outside any writable buffer`);
          }),
        );
      } finally {
        ring.close();
      }
    });
  });
}


/** The bytes of packet `h`, all its segments. */
function bytesOf(h: number): number[] {
  const got: number[] = [];
  for (let seg = h; seg !== 0; seg = mbufs.next(seg)) got.push(...arena.u8.subarray(mbufs.mtod(seg), mbufs.mtod(seg) + mbufs.dataLen(seg)));
  return got;
}

/**
 * Packed rings most of whose descriptors the driver made available in the device's pass,
 * pointing at buffers of ordinary sizes (direct or NEXT, readable or writable), so that the
 * kernel takes chains and leaves others in the same burst.
 */
const usualPackedRings = fc
  .record({
    ring: fc.array(
      fc.record({
        kind: fc.constantFrom(0, 0, 0, 0, 1, 2),
        off: fc.integer({ min: 0, max: REGION }),
        len: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 12, max: 1600 })),
        flags: fc.constantFrom(0, 0, 1, 2, 2, 3, 4, 6),
        bits: fc.integer({ min: 0, max: 3 }),
        id: fc.integer({ min: 0, max: 0xffff }),
        available: fc.boolean(),
      }),
      { minLength: NUM, maxLength: NUM },
    ),
    indirect: fc.array(packedDesc, { minLength: NUM, maxLength: NUM }),
    start: fc.integer({ min: 0, max: NUM - 1 }),
    wrap: fc.integer({ min: 0, max: 1 }),
  })
  .map((c) => ({
    ...c,
    // AVAIL = the pass's wrap counter, USED = its inverse; before `start` the next pass's.
    ring: c.ring.map((d, i) => ({ ...d, bits: !d.available ? d.bits : (i >= c.start ? c.wrap : c.wrap ^ 1) === 1 ? 1 : 2 })),
  }));

describe('fuzz: the packed kernel against the TypeScript walk', () => {
  it('both leave the same guest memory, used descriptors, positions, counters and packets over hostile packed rings, in order or not', async () => {
    // The same ring twice: in arena windows (the kernel) and mapped apart (TypeScript); without
    // and with IN_ORDER.
    const pairs = [false, true].map((inOrder) => [new GuestPackedRing(NUM, REGION, { inOrder }, arena.wasm.memory), new GuestPackedRing(NUM, REGION, { inOrder })]);
    const handles = new Uint32Array(NUM);
    let kernelRan = 0;
    try {
      await check(
        'vhost packed kernel against TypeScript',
        fc.property(fc.oneof(packedRings, usualPackedRings), fc.boolean(), fc.integer({ min: 1, max: 1500 }), fc.boolean(), (c, enqueue, len, inOrder) => {
          const seen = pairs[inOrder ? 1 : 0].map((ring) => {
            layOutPacked(ring, c);
            ring.u8.fill(0xaa, BUFFERS, REGION);
            const before = ring.vq.kernelPackets;
            let moved: number;
            let packets: number[][] = [];
            if (enqueue) {
              expect(mbufs.allocBulk(pool, handles, NUM, 0)).toBe(0);
              for (let i = 0; i < NUM; i++) {
                arena.u8.fill(i + 1, mbufs.mtod(handles[i]), mbufs.mtod(handles[i]) + len);
                mbufs.setDataLen(handles[i], len);
                mbufs.setPktLen(handles[i], len);
              }
              moved = ring.vq.enqueueBurst(arena, handles, NUM, 0);
              mbufs.freeBulk(handles, NUM, 0);
            } else {
              moved = ring.vq.dequeueBurst(arena, mbufs, pool, handles, NUM, 0);
              packets = Array.from({ length: moved }, (_, i) => bytesOf(handles[i]));
              mbufs.freeBulk(handles, moved, 0);
            }
            const vq = ring.vq;
            return { moved, packets, counters: [vq.errors, vq.dropped, vq.lastAvail, vq.lastUsed], guest: ring.u8.slice(0, REGION), kernel: vq.kernelPackets - before };
          });
          kernelRan += seen[0].kernel;
          // A guest that hands its own descriptor ring out as rx buffers rewrites it under the
          // walk: a packet the kernel leaves is walked again over what it wrote, so only the
          // checks above hold then.
          if (enqueue && [...c.ring, ...c.indirect].some((d) => d.flags & DESC_F_WRITE && address(d) - GPA_BASE < BUFFERS && address(d) + (d.len >>> 0) > GPA_BASE)) return;
          const [k, t] = seen;
          expect([k.moved, k.counters, k.packets]).toEqual([t.moved, t.counters, t.packets]);
          expect(Buffer.compare(k.guest, t.guest)).toBe(0);
        }),
      );
      // Some inputs had chains the kernel took.
      expect(kernelRan).toBeGreaterThan(0);
    } finally {
      for (const r of pairs.flat()) r.close();
    }
  });
});
