/**
 * The unit-level dirty-log oracle: a frontend written here snapshots guest memory, turns
 * logging on as QEMU does at migration start, the backend moves traffic both ways, and every
 * guest page that changed must be marked in the log. The negative control (logging never
 * turned on) shows changed pages and an empty log, so the oracle can fail.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Arena, MbufView, pktmbufPoolCreate, type Mempool } from '@nic/eal';
import { until } from '@nic/native/testing';
import { VhostUserSocket } from './socket.js';
import { Feature } from './protocol.js';
import { VhostTestFrontend } from './testing/index.js';

let arena: Arena;
let pool: Mempool;
let mbufs: MbufView;
let socket: VhostUserSocket | undefined;
let frontend: VhostTestFrontend | undefined;
let serial = 0;

beforeAll(() => {
  arena = Arena.anonymous(8 << 20);
  pool = pktmbufPoolCreate(arena, 'vhost_log', 511);
  mbufs = new MbufView(arena);
});
afterAll(() => expect(pool.inUseCount()).toBe(0));
afterEach(() => {
  frontend?.close();
  socket?.close();
  frontend = socket = undefined;
});

/**
 * A device with the test frontend running it; with `windows`, the guest's memory and the log
 * lie in the arena's memory, so bursts run the kernel, which logs.
 */
async function running(packed: boolean, windows: boolean): Promise<{ socket: VhostUserSocket; frontend: VhostTestFrontend }> {
  const path = `/tmp/nic-vhost-log-${process.pid}-${serial++}.sock`;
  socket = new VhostUserSocket(path, { queuePairs: 1, arena: windows ? arena : undefined });
  frontend = await VhostTestFrontend.connect(path, { logShmfd: true, packed });
  const s = socket;
  await until('the device to run', () => s.device.running);
  return { socket: s, frontend };
}

/** Guest-to-host frames for the frontend to post (its own writes, before the snapshot). */
function frames(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => new Uint8Array(60 + (i % 7) * 200).fill(i & 0xff));
}

/** The backend's share of the traffic: `n` packets to the guest of varied sizes, and everything the guest posted. */
function traffic(s: VhostUserSocket, n: number): { placed: number; taken: number } {
  const [rx, tx] = s.device.vrings;
  const burst = new Uint32Array(32);
  let placed = 0;
  while (placed < n) {
    const k = Math.min(32, n - placed);
    expect(mbufs.allocBulk(pool, burst, k, 0)).toBe(0);
    for (let i = 0; i < k; i++) {
      const len = 64 + ((placed + i) * 97) % 1400;
      arena.u8.fill((placed + i) & 0xff, mbufs.mtod(burst[i]), mbufs.mtod(burst[i]) + len);
      mbufs.setDataLen(burst[i], len);
      mbufs.setPktLen(burst[i], len);
    }
    const sent = rx.enqueueBurst(arena, burst, k, 0);
    mbufs.freeBulk(burst, k, 0);
    placed += sent;
    if (sent < k) break;
  }
  let taken = 0;
  for (let n2 = -1; n2 !== 0; ) {
    n2 = tx.dequeueBurst(arena, mbufs, pool, burst, 32, 0);
    mbufs.freeBulk(burst, n2, 0);
    taken += n2;
  }
  return { placed, taken };
}

describe('dirty logging (LOG_ALL, SET_LOG_BASE)', () => {
  it.each([
    ['split rings, kernel', false, true],
    ['split rings, TypeScript', false, false],
    ['packed rings, kernel', true, true],
    ['packed rings, TypeScript', true, false],
  ])('marks every guest page the backend changed while logging (%s)', async (_name, packed, windows) => {
    const { socket: s, frontend: f } = await running(packed, windows);
    expect(s.device.has(Feature.F_RING_PACKED)).toBe(packed);
    await f.startLogging();
    expect(s.device.has(Feature.F_LOG_ALL)).toBe(true);
    expect(f.send(0, frames(100))).toBe(100);
    const before = f.snapshot();
    const { placed, taken } = traffic(s, 200);
    expect(placed).toBe(200);
    expect(taken).toBe(100);
    // The path the name says moved the packets.
    expect(s.device.vrings[0].kernelPackets > 0).toBe(windows);
    expect(s.device.vrings[1].kernelPackets > 0).toBe(windows);
    const changed = f.changedPages(before);
    expect(changed.length).toBeGreaterThan(50);
    const missed = changed.filter((p) => !f.logged(p));
    expect(missed).toEqual([]);
  });

  it.each([
    ['split rings, kernel', false, true],
    ['split rings, TypeScript', false, false],
    ['packed rings, kernel', true, true],
    ['packed rings, TypeScript', true, false],
  ])('negative control: without LOG_ALL the same traffic changes pages and logs none (%s)', async (_name, packed, windows) => {
    const { socket: s, frontend: f } = await running(packed, windows);
    expect(f.send(0, frames(100))).toBe(100);
    const before = f.snapshot();
    traffic(s, 200);
    expect(f.changedPages(before).length).toBeGreaterThan(50);
    expect(f.loggedPages()).toEqual([]);
  });
});
