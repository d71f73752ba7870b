/**
 * The backend-to-frontend channel (SET_BACKEND_REQ_FD) with `@nic/vhost/testing`'s frontend:
 * host notifiers carry the doorbell page's fd and area and are acknowledged with REPLY_ACK,
 * a config change is sent, and a frontend that did not negotiate the features gets clean
 * errors; the channel's fd is closed when the frontend refuses, closes or leaves.
 */
import { readlinkSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { closeFd, mapFd } from '@nic/native';
import { until } from '@nic/native/testing';
import { BackendRequest, VRING_AREA_SIZE } from './backend-channel.js';
import { FLAG_NEED_REPLY, FLAG_VERSION, ProtocolFeature, Request, VRING_NOFD_MASK, bit } from './protocol.js';
import { VhostUserSocket } from './socket.js';
import { BackendPeer, RawFrontend, Testpmd, TESTPMD_MISSING, TESTPMD_TEST_MS, VhostTestFrontend, guestFile, openFds, u64 } from './testing/index.js';

const PAGE = 4096;
const CHANNEL = bit(ProtocolFeature.BACKEND_REQ);
const NOTIFIERS = CHANNEL | bit(ProtocolFeature.BACKEND_SEND_FD) | bit(ProtocolFeature.HOST_NOTIFIER);
const ACKED = NOTIFIERS | bit(ProtocolFeature.REPLY_ACK);

let socket: VhostUserSocket | undefined;
let frontend: VhostTestFrontend | undefined;
const cleanup: (() => void)[] = [];
let serial = 0;

afterEach(() => {
  frontend?.close();
  socket?.close();
  frontend = socket = undefined;
  for (const c of cleanup.splice(0)) c();
});

async function connected(protocolFeatures: bigint): Promise<{ s: VhostUserSocket; f: VhostTestFrontend }> {
  const path = `/tmp/nic-vhost-chan-${process.pid}-${serial++}.sock`;
  const s = (socket = new VhostUserSocket(path, { queuePairs: 1 }));
  const f = (frontend = await VhostTestFrontend.connect(path, 1, false, true, protocolFeatures));
  await until('the device to run', () => s.device.running);
  return { s, f };
}

/** A two-page file standing in for a device's doorbells, and the backend's mapping of it. */
function doorbells(): { fd: number; view: DataView } {
  const { fds } = guestFile(2 * PAGE, 2);
  const mapping = mapFd(fds[1], { length: 2 * PAGE, writable: true });
  closeFd(fds[1]);
  cleanup.push(() => {
    mapping.unmap();
    closeFd(fds[0]);
  });
  return { fd: fds[0], view: new DataView(mapping.buffer) };
}

/** The inode link of socket `fd`, to count later who still holds it. */
function socketLink(fd: number): string {
  return readlinkSync(`/proc/self/fd/${fd}`);
}

describe('the backend channel', () => {
  it('asks for a host notifier with the doorbell page and its fd, and settles on the acknowledgement', async () => {
    const { s, f } = await connected(ACKED);
    const peer = f.backend!;
    const bells = doorbells();
    const channel = s.device.backendChannel();

    const on = channel.hostNotifier(1, { fd: bells.fd, offset: PAGE, size: PAGE });
    const m = await peer.receive();
    if (m === 'closed') throw new Error('the channel closed');
    expect([m.request, m.flags, m.payload.byteLength, m.fds.length]).toEqual([BackendRequest.VRING_HOST_NOTIFIER_MSG, FLAG_VERSION | FLAG_NEED_REPLY, VRING_AREA_SIZE, 1]);
    expect([m.payload.getBigUint64(0, true), m.payload.getBigUint64(8, true), m.payload.getBigUint64(16, true)]).toEqual([1n, BigInt(PAGE), BigInt(PAGE)]);
    // The frontend maps the page it was given and kicks vring 1 there: the write lands in the
    // backend's (the device's) file at that page.
    const page = mapFd(m.fds[0], { offset: PAGE, length: PAGE, writable: true });
    closeFd(m.fds[0]);
    new DataView(page.buffer).setUint16(0, 1, true);
    page.unmap();
    expect(bells.view.getUint16(PAGE, true)).toBe(1);
    expect(channel.pending).toBe(1);
    peer.reply(BackendRequest.VRING_HOST_NOTIFIER_MSG, 0n);
    await on;
    expect(channel.pending).toBe(0);

    // Unmapping: the no-fd bit and no descriptor; a refusal rejects.
    const off = channel.hostNotifier(1);
    const m2 = await peer.receive();
    if (m2 === 'closed') throw new Error('the channel closed');
    expect([m2.payload.getBigUint64(0, true), m2.fds.length]).toEqual([BigInt(1 | VRING_NOFD_MASK), 0]);
    peer.reply(BackendRequest.VRING_HOST_NOTIFIER_MSG, 1n);
    await expect(off).rejects.toMatchObject({ code: 'NIC_EIO', message: expect.stringContaining('refused') });

    // A config change has no payload.
    const change = channel.configChange();
    const m3 = await peer.receive();
    if (m3 === 'closed') throw new Error('the channel closed');
    expect([m3.request, m3.flags, m3.payload.byteLength, m3.fds.length]).toEqual([BackendRequest.CONFIG_CHANGE_MSG, FLAG_VERSION | FLAG_NEED_REPLY, 0, 0]);
    peer.reply(BackendRequest.CONFIG_CHANGE_MSG, 0n);
    await change;
  });

  it('refuses what the frontend cannot map or does not have, naming it', async () => {
    const { s } = await connected(ACKED);
    const channel = s.device.backendChannel();
    const { fd } = doorbells();
    expect(() => channel.hostNotifier(2, { fd, offset: 0, size: PAGE })).toThrow(expect.objectContaining({ code: 'NIC_EINVAL', message: expect.stringContaining('the device has 2 vrings') }));
    expect(() => channel.hostNotifier(0, { fd, offset: 100, size: PAGE })).toThrow(expect.objectContaining({ code: 'NIC_EINVAL', message: expect.stringContaining('offset 100 is not a multiple of the page size') }));
    expect(() => channel.hostNotifier(0, { fd, offset: 0, size: 0 })).toThrow(expect.objectContaining({ code: 'NIC_EINVAL', message: expect.stringContaining('an empty area') }));
    expect(() => channel.hostNotifier(0, { fd: -1, offset: 0, size: PAGE })).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(channel.pending).toBe(0);
  });

  it('without REPLY_ACK sends no NEED_REPLY and settles at once; without HOST_NOTIFIER refuses host notifiers', async () => {
    const { s, f } = await connected(CHANNEL);
    const channel = s.device.backendChannel();
    await channel.configChange();
    const m = await f.backend!.receive();
    if (m === 'closed') throw new Error('the channel closed');
    expect([m.request, m.flags]).toEqual([BackendRequest.CONFIG_CHANGE_MSG, FLAG_VERSION]);
    const { fd } = doorbells();
    expect(() => channel.hostNotifier(0, { fd, offset: 0, size: PAGE })).toThrow(expect.objectContaining({ code: 'NIC_ENOTSUP', message: expect.stringContaining('did not negotiate HOST_NOTIFIER and BACKEND_SEND_FD') }));
  });

  it('has no channel for a frontend that did not negotiate one', async () => {
    const { s, f } = await connected(0n);
    expect(f.backend).toBeUndefined();
    expect(() => s.device.backendChannel()).toThrow(expect.objectContaining({ code: 'NIC_ENOTSUP', message: expect.stringContaining('BACKEND_REQ') }));
  });

  it('refuses SET_BACKEND_REQ_FD without BACKEND_REQ and closes the fd it came with', async () => {
    const path = `/tmp/nic-vhost-chan-${process.pid}-${serial++}.sock`;
    socket = new VhostUserSocket(path, { queuePairs: 1 });
    const raw = new RawFrontend(path);
    cleanup.push(() => raw.close());
    const { peer, backendEnd } = BackendPeer.pair();
    cleanup.push(() => peer.close());
    const link = socketLink(backendEnd);
    raw.send(Request.SET_PROTOCOL_FEATURES, u64(bit(ProtocolFeature.REPLY_ACK)));
    raw.send(Request.SET_BACKEND_REQ_FD, new Uint8Array(0), [backendEnd], FLAG_VERSION | FLAG_NEED_REPLY);
    closeFd(backendEnd);
    const reply = await raw.receive();
    if (reply === 'closed') throw new Error('the backend closed the connection');
    expect([reply.request, reply.payload.getBigUint64(0, true)]).toEqual([Request.SET_BACKEND_REQ_FD, 1n]);
    expect(openFds(link)).toBe(0);
    expect(() => socket!.device.backendChannel()).toThrow(expect.objectContaining({ code: 'NIC_ENOTSUP' }));
  });

  it('fails what waits when the frontend closes the channel, and closes the channel when the frontend leaves', async () => {
    const { s, f } = await connected(ACKED);
    const channel = s.device.backendChannel();
    const link = socketLink(channel.fd);
    const waiting = channel.configChange();
    expect((await f.backend!.receive()) !== 'closed').toBe(true);
    f.backend!.close();
    await expect(waiting).rejects.toMatchObject({ code: 'NIC_EIO' });
    expect(channel.closed).toBe(true);
    expect(openFds(link)).toBe(0);
    expect(() => s.device.backendChannel()).toThrow(expect.objectContaining({ code: 'NIC_EIO' }));
    expect(() => channel.configChange()).toThrow(expect.objectContaining({ code: 'NIC_EIO' }));

    // A new connection gives a new channel; leaving closes it.
    f.close();
    frontend = undefined;
    await until('the device to reset', () => !s.device.running);
    const again = (frontend = await VhostTestFrontend.connect(s.path, 1, false, true, ACKED));
    await until('the device to run', () => s.device.running);
    const second = s.device.backendChannel();
    const link2 = socketLink(second.fd);
    again.close();
    frontend = undefined;
    await until('the channel to close', () => second.closed);
    expect(openFds(link2)).toBe(0);
    expect(() => s.device.backendChannel()).toThrow(expect.objectContaining({ code: 'NIC_ENOTSUP' }));
  });
});

describe.skipIf(TESTPMD_MISSING)('the backend channel with DPDK testpmd net_virtio_user as the frontend', { timeout: TESTPMD_TEST_MS }, () => {
  it('is never given: virtio_user negotiates none of BACKEND_REQ, BACKEND_SEND_FD, HOST_NOTIFIER', async () => {
    const path = `/tmp/nic-vhost-chan-${process.pid}-${serial++}.sock`;
    const s = (socket = new VhostUserSocket(path, { queuePairs: 1 }));
    const testpmd = new Testpmd(path, `nic-vhost-chan-${process.pid}`);
    cleanup.push(() => void testpmd.quit());
    await testpmd.ready();
    await until('the device to run', () => s.device.running, TESTPMD_TEST_MS / 2);
    // It negotiated protocol features (REPLY_ACK, STATUS among what it knows) but no channel.
    expect(s.device.protocolFeatures & bit(ProtocolFeature.STATUS)).not.toBe(0n);
    expect(s.device.protocolFeatures & NOTIFIERS).toBe(0n);
    expect(() => s.device.backendChannel()).toThrow(expect.objectContaining({ code: 'NIC_ENOTSUP', message: expect.stringContaining('did not negotiate BACKEND_REQ') }));
    await testpmd.quit();
  });
});
