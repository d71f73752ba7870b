/**
 * Kick suppression of a split ring with EVENT_IDX, as a Linux virtio driver reads it: the
 * driver kicks after making entries available only when the avail index passes the used
 * ring's avail_event (`vring_need_event`). A polling backend must leave avail_event alone, so
 * the driver stops kicking; arming (an rx interrupt about to sleep) sets it to the next entry;
 * and between arming and sleeping the backend looks at the avail index once more, so an entry
 * the driver made available while the event was still behind is found, not slept on.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Arena, MbufView, pktmbufPoolCreate, type Mempool } from '@nic/eal';
import { BUFFERS_OFF, GPA_BASE, GuestRing } from './testing/index.js';
import { USED_ELEM_SIZE, USED_F_NO_NOTIFY } from './virtqueue.js';

const NUM = 8;
const FRAME = 60;

let arena: Arena;
let mbufs: MbufView;
let pool: Mempool;
const out = new Uint32Array(32);
let ring: GuestRing | undefined;

beforeAll(() => {
  arena = Arena.anonymous(8 << 20);
  pool = pktmbufPoolCreate(arena, 'vhost_event_idx', 63);
  mbufs = new MbufView(arena);
});

afterEach(() => {
  ring?.close();
  ring = undefined;
});

/** A guest's split ring with EVENT_IDX negotiated; chain `i` is one readable buffer (header and frame). */
function eventIdxRing(): GuestRing {
  const r = new GuestRing(NUM);
  const error = r.vq.map(r.mem, { hdrSize: 12, mrgRxbuf: true, eventIdx: true, indirect: true });
  if (error) throw new Error(error);
  for (let i = 0; i < NUM; i++) r.desc(i, GPA_BASE + BUFFERS_OFF + i * 2048, 12 + FRAME, 0);
  return r;
}

/** The used ring's avail_event, as the driver reads it. */
function availEvent(r: GuestRing): number {
  return r.dv.getUint16(r.usedOff + 4 + USED_ELEM_SIZE * NUM, true);
}

function usedFlags(r: GuestRing): number {
  return r.dv.getUint16(r.usedOff, true);
}

/**
 * Makes the next chain available as the driver does and returns whether it kicks: it
 * publishes the avail index, then reads avail_event (Linux's `virtqueue_kick_prepare_split`).
 */
function post(r: GuestRing): boolean {
  const old = r.dv.getUint16(r.availOff + 2, true);
  r.push(old % NUM);
  const now = (old + 1) & 0xffff;
  return ((now - availEvent(r) - 1) & 0xffff) < ((now - old) & 0xffff);
}

/** One burst of the backend's poller; returns how many packets it took. */
function poll(r: GuestRing): number {
  const n = r.vq.dequeueBurst(arena, mbufs, pool, out, 32, 0);
  mbufs.freeBulk(out, n);
  return n;
}

describe('a split ring with EVENT_IDX', () => {
  it('is not asked to kick while the backend polls: bursts never write avail_event, and the flags stay 0', () => {
    const r = (ring = eventIdxRing());
    r.vq.setNotification(false); // what the device does when the ring starts
    expect([availEvent(r), usedFlags(r)]).toEqual([0, 0]);
    // avail_event 0 as the driver set the ring up: its first entry kicks, once.
    expect(post(r)).toBe(true);
    expect(poll(r)).toBe(1);
    const kicks: boolean[] = [];
    for (let i = 0; i < 3 * NUM; i++) {
      kicks.push(post(r));
      if (i % 3 === 2) expect(poll(r)).toBe(3);
    }
    expect(r.usedIdx()).toBe(1 + 3 * NUM);
    expect(kicks.filter(Boolean)).toEqual([]);
    expect([availEvent(r), usedFlags(r) & USED_F_NO_NOTIFY]).toEqual([0, 0]);
  });

  it('is asked to kick at the next entry when armed, and kicks no more after it once disarmed', () => {
    const r = (ring = eventIdxRing());
    for (let i = 0; i < 5; i++) post(r);
    expect(poll(r)).toBe(5);
    expect(r.vq.lastAvail).toBe(5);
    r.vq.setNotification(true);
    expect([availEvent(r), usedFlags(r)]).toEqual([5, 0]);
    // The sleeper's wake-up: the next entry kicks; the backend disarms and polls.
    expect(post(r)).toBe(true);
    r.vq.setNotification(false);
    expect(availEvent(r)).toBe(5);
    expect(poll(r)).toBe(1);
    expect([post(r), post(r)]).toEqual([false, false]);
    expect(poll(r)).toBe(2);
    expect(availEvent(r)).toBe(5);
  });

  it('loses no kick: an entry made available before arming is found by the re-check, one made after kicks', () => {
    const r = (ring = eventIdxRing());
    for (let i = 0; i < 3; i++) post(r);
    expect(poll(r)).toBe(3);
    expect(poll(r)).toBe(0); // idle: the backend is about to sleep
    // The driver makes an entry available while the backend is still polling: no kick.
    expect(post(r)).toBe(false);
    // The backend arms, then looks once more before sleeping (the NAPI loop's re-check).
    r.vq.setNotification(true);
    expect(r.vq.availCount()).toBe(1);
    expect(poll(r)).toBe(1);
    r.vq.setNotification(false);
    // Idle again; this time the backend arms first, finds nothing and sleeps: the driver's
    // next entry must kick.
    expect(poll(r)).toBe(0);
    r.vq.setNotification(true);
    expect(r.vq.availCount()).toBe(0);
    expect(post(r)).toBe(true);
    r.vq.setNotification(false);
    expect(poll(r)).toBe(1);
  });

  it('arms across the 16-bit wrap of the indices', () => {
    const r = (ring = eventIdxRing());
    const start = 0xfffe;
    // The indices get there as they do in a guest: entries made available and taken.
    while (r.vq.lastAvail !== start) {
      const n = Math.min(NUM, start - r.vq.lastAvail);
      for (let i = 0; i < n; i++) post(r);
      poll(r);
    }
    r.vq.setNotification(true);
    expect(availEvent(r)).toBe(start);
    expect(post(r)).toBe(true);
    r.vq.setNotification(false);
    expect([post(r), post(r)]).toEqual([false, false]);
    expect(poll(r)).toBe(3);
    expect(r.vq.lastAvail).toBe(1);
    r.vq.setNotification(true);
    expect(availEvent(r)).toBe(1);
    expect(post(r)).toBe(true);
  });
});
