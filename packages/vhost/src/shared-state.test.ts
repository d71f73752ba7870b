/**
 * Pollers on the shared device state (what a worker lcore runs): a vring attached through
 * {@link Virtqueue.attach} takes the frontend's packets with the connection's thread keeping
 * the ring indices, runs no burst while the control side holds the access lock, and stops
 * touching guest memory once the frontend is gone.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Arena, MbufView, pktmbufPoolCreate, type Mempool } from '@nic/eal';
import { until } from '@nic/native/testing';
import { VhostSharedState, vhostStateSize } from './shared-state.js';
import { VhostUserSocket } from './socket.js';
import { VhostTestFrontend } from './testing/index.js';
import { Virtqueue } from './virtqueue.js';

/** Where the state lies in the arena (past the pool), as net_vhost keeps it in port data. */
const STATE_AT = 6 << 20;
const TX_VRING = 1;

let arena: Arena;
let pool: Mempool;
let mbufs: MbufView;
let socket: VhostUserSocket | undefined;
let frontend: VhostTestFrontend | undefined;

beforeAll(() => {
  arena = Arena.anonymous(8 << 20);
  pool = pktmbufPoolCreate(arena, 'vhost_shared', 255);
  mbufs = new MbufView(arena);
});
afterAll(() => expect(pool.inUseCount()).toBe(0));
afterEach(() => {
  frontend?.close();
  socket?.close();
  frontend = socket = undefined;
});

function frames(n: number, fill: number): Uint8Array[] {
  return Array.from({ length: n }, () => new Uint8Array(60).fill(fill));
}

describe('a poller on the shared device state', () => {
  it('takes packets, waits while the control side holds the lock, and leaves memory alone once the frontend goes', async () => {
    const path = `/tmp/nic-vhost-shared-${process.pid}.sock`;
    expect(STATE_AT + vhostStateSize(2)).toBeLessThan(arena.size);
    socket = new VhostUserSocket(path, { queuePairs: 1, state: { buffer: arena.buffer, offset: STATE_AT }, arena });
    frontend = await VhostTestFrontend.connect(path);
    const s = socket;
    await until('the device to run', () => s.device.running);
    // The guest's memory lies in the arena's memory: the poller's bursts run the kernel.
    expect(s.device.memory!.windowAddresses).toHaveLength(s.device.memory!.regions.length);
    // Built over the same bytes, as a worker does from the port's private data.
    const poller = Virtqueue.attach(new VhostSharedState({ buffer: arena.buffer, offset: STATE_AT }, TX_VRING + 1), TX_VRING);
    const out = new Uint32Array(32);

    expect(frontend.send(0, frames(10, 0xab))).toBe(10);
    expect(poller.dequeueBurst(arena, mbufs, pool, out, 32, 0)).toBe(10);
    expect(arena.u8[mbufs.mtod(out[9]) + 59]).toBe(0xab);
    mbufs.freeBulk(out, 10);
    // The connection's thread sees the index the poller moved.
    expect(s.device.vrings[TX_VRING].lastAvail).toBe(10);

    expect(frontend.send(0, frames(5, 0xcd))).toBe(5);
    s.device.shared.lockAll();
    expect(poller.dequeueBurst(arena, mbufs, pool, out, 32, 0)).toBe(0);
    s.device.shared.unlockAll();
    expect(poller.dequeueBurst(arena, mbufs, pool, out, 32, 0)).toBe(5);
    expect(arena.u8[mbufs.mtod(out[0])]).toBe(0xcd);
    mbufs.freeBulk(out, 5);

    // The frontend goes: the device resets and unmaps; the poller follows and does nothing.
    expect(frontend.send(0, frames(3, 0xef))).toBe(3);
    frontend.close();
    frontend = undefined;
    await until('the device to stop', () => !s.device.running);
    await until('the memory to be released', () => s.device.memory === undefined);
    expect(poller.dequeueBurst(arena, mbufs, pool, out, 32, 0)).toBe(0);
    expect(pool.inUseCount()).toBe(0);
  });
});
