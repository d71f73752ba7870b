/**
 * A vring's kicks as a poller's interrupt (net_vhost's rx interrupts): the poller sleeps on
 * one epoll fd for the life of the device while frontends come and go with new kick
 * eventfds; arming clears USED_F_NO_NOTIFY so the frontend kicks, disarming sets it again
 * and clears what woke the poller. Kicks are counted by `@nic/vhost/testing`'s frontend,
 * which kicks only when the flag asks for it, as a virtio driver does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeFd, epollWait, eventfdWrite } from '@nic/native';
import { until } from '@nic/native/testing';
import { Arena, MbufView, pktmbufPoolCreate } from '@nic/eal';
import { KICK_INTERRUPT_SIZE, KickInterrupt, KickWaiter } from './kick-interrupt.js';
import { Request } from './protocol.js';
import { VhostSharedState, vhostStateSize } from './shared-state.js';
import { VhostUserSocket } from './socket.js';
import { RawFrontend, VhostTestFrontend, guestFile, openFds, u64 } from './testing/index.js';
import { Virtqueue } from './virtqueue.js';
import { USED_F_NO_NOTIFY } from './virtqueue.js';

/** The guest's transmit vring, which the backend receives from. */
const RX_VRING = 1;
const STATE_AT = 6 << 20;
const INTR_AT = STATE_AT - KICK_INTERRUPT_SIZE;

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0).reverse()) c();
});

function frames(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => new Uint8Array(60).fill(i + 1));
}

/** Whether the poller's fd would wake it now. */
function readable(fd: number): boolean {
  return epollWait([fd], 0).length === 1;
}

describe('kick interrupts', () => {
  it('wake a poller only while armed, follow a reconnecting frontend, and forget its old kick eventfd', async () => {
    const arena = Arena.anonymous(8 << 20);
    const pool = pktmbufPoolCreate(arena, 'vhost_kicks', 63);
    const mbufs = new MbufView(arena);
    const intr = new KickInterrupt({ buffer: arena.buffer, offset: INTR_AT });
    const path = `/tmp/nic-vhost-kicks-${process.pid}.sock`;
    const socket = new VhostUserSocket(path, { queuePairs: 1, state: { buffer: arena.buffer, offset: STATE_AT }, kickInterrupts: [undefined, intr] });
    cleanup.push(() => intr.close());
    cleanup.push(() => socket.close());
    expect(STATE_AT + vhostStateSize(2)).toBeLessThan(arena.size);
    // The poller's side, built over the same bytes as on a worker thread.
    const state = new VhostSharedState({ buffer: arena.buffer, offset: STATE_AT }, RX_VRING + 1);
    const vq = Virtqueue.attach(state, RX_VRING);
    const waiter = new KickWaiter({ buffer: arena.buffer, offset: INTR_AT }, state, RX_VRING);
    expect(waiter.fd).toBe(intr.fd);
    const out = new Uint32Array(32);
    const take = (): number => {
      const n = vq.dequeueBurst(arena, mbufs, pool, out, 32, 0);
      mbufs.freeBulk(out, n);
      return n;
    };

    let f = await VhostTestFrontend.connect(path, 1, false, true);
    cleanup.push(() => f.close());
    await until('the device to run', () => socket.device.running);
    // Setting the ring up woke the poller (it re-arms on the ring as it is); clearing ends that.
    expect(readable(waiter.fd)).toBe(true);
    waiter.clear();
    expect(readable(waiter.fd)).toBe(false);

    // Polling: the backend asks for no kicks, and the frontend sends none.
    expect(f.usedFlags(RX_VRING) & USED_F_NO_NOTIFY).toBe(USED_F_NO_NOTIFY);
    expect(f.send(0, frames(3))).toBe(3);
    expect(f.notify(0)).toBe(false);
    expect(readable(waiter.fd)).toBe(false);
    expect(take()).toBe(3);

    // Armed: the frontend kicks and the poller's fd fires.
    expect(vq.guestNotification(true)).toBe(true);
    expect(f.usedFlags(RX_VRING) & USED_F_NO_NOTIFY).toBe(0);
    expect(f.send(0, frames(2))).toBe(2);
    expect(f.notify(0)).toBe(true);
    expect(readable(waiter.fd)).toBe(true);
    // Disarmed after waking: no more kicks asked for, and nothing left to wake on.
    expect(vq.guestNotification(false)).toBe(true);
    waiter.clear();
    expect(readable(waiter.fd)).toBe(false);
    expect(take()).toBe(2);
    expect(f.send(0, frames(1))).toBe(1);
    expect(f.notify(0)).toBe(false);
    expect(readable(waiter.fd)).toBe(false);
    expect(take()).toBe(1);

    // The frontend leaves but keeps its copy of the kick eventfd open: a kick there must not
    // reach the poller (epoll would keep the registration of a file that is still open).
    const stale = f.kickfds.splice(RX_VRING, 1)[0];
    cleanup.push(() => closeFd(stale));
    f.close();
    await until('the device to reset', () => !socket.device.running);
    expect(readable(waiter.fd)).toBe(true); // the reset woke it
    waiter.clear();
    eventfdWrite(stale, 1);
    expect(readable(waiter.fd)).toBe(false);
    // Disarming a ring that is gone does nothing.
    expect(vq.guestNotification(true)).toBe(false);

    // A new frontend, a new kick eventfd, the same poller fd.
    f = await VhostTestFrontend.connect(path, 1, false, true);
    await until('the device to run again', () => socket.device.running);
    waiter.clear();
    expect(vq.guestNotification(true)).toBe(true);
    expect(f.send(0, frames(4))).toBe(4);
    expect(f.notify(0)).toBe(true);
    expect(readable(waiter.fd)).toBe(true);
    expect(vq.guestNotification(false)).toBe(true);
    waiter.clear();
    expect(take()).toBe(4);
    expect(pool.inUseCount()).toBe(0);
  });

  it('refuses a kick fd that epoll cannot watch, closing it, and keeps the previous one', async () => {
    const arena = Arena.anonymous(1 << 20);
    const intr = new KickInterrupt({ buffer: arena.buffer, offset: 0 });
    const path = `/tmp/nic-vhost-kicks-bad-${process.pid}.sock`;
    const socket = new VhostUserSocket(path, { queuePairs: 1, kickInterrupts: [undefined, intr] });
    cleanup.push(() => intr.close());
    cleanup.push(() => socket.close());
    const raw = new RawFrontend(path);
    cleanup.push(() => raw.close());
    const file = guestFile(4096, 1);
    raw.send(Request.SET_VRING_KICK, u64(RX_VRING), [file.fds[0]]);
    closeFd(file.fds[0]);
    expect(await raw.receive()).toBe('closed');
    expect(openFds(file.path)).toBe(0);
    expect(socket.device.vrings[RX_VRING].kickFd).toBe(-1);
  });
});
