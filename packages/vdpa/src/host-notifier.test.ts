/**
 * Host-notifier control (DPDK's `rte_vhost_host_notifier_ctrl`) on a socket `attachVdpaDevice`
 * serves, with `@nic/vhost/testing`'s frontend holding the backend channel. The device's
 * doorbells are pages of a file it maps, standing in for the VFIO device fd and its notify
 * BAR: the frontend maps each vring's page as it is told, and its doorbell writes there reach
 * the device's mapping, not a kick eventfd this process would relay.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeFd, mapFd, NicError, type MemoryMapping } from '@nic/native';
import { until } from '@nic/native/testing';
import { BackendRequest, ProtocolFeature, VRING_NOFD_MASK, bit } from '@nic/vhost';
import { VhostTestFrontend, guestFile, type BackendMessage } from '@nic/vhost/testing';
import { attachVdpaDevice, registerVdpaDevice, unregisterVdpaDevice, type VdpaDeviceOps, type VdpaSocket } from './index.js';

const PAGE = 4096;
/** Where the doorbell pages start in the device's file (a BAR region's offset in a VFIO device fd). */
const BAR_OFFSET = 4 * PAGE;
const VRINGS = 2;
const NOTIFIERS = bit(ProtocolFeature.BACKEND_REQ) | bit(ProtocolFeature.BACKEND_SEND_FD) | bit(ProtocolFeature.HOST_NOTIFIER) | bit(ProtocolFeature.REPLY_ACK);
/** VERSION_1 and PROTOCOL_FEATURES. */
const FEATURES = (1n << 32n) | (1n << 30n);

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0).reverse()) c();
});

interface DoorbellDevice {
  /** The device's own mapping of its doorbell file. */
  readonly bells: MemoryMapping;
  /** What each `devConf`'s host-notifier request answered. */
  readonly asked: boolean[];
  /** What the socket reported through `onError`. */
  readonly errors: unknown[];
  socket?: VdpaSocket;
}

/**
 * Registers a device with one doorbell page per vring in a file of its own, served on a new
 * socket; `vfio` false makes it a modelled device without a VFIO device fd.
 */
let serial = 0;
function serveDevice(vfio = true): { device: DoorbellDevice; path: string } {
  const name = `notifier-${process.pid}-${serial}`;
  const path = `/tmp/nic-vdpa-notifier-${process.pid}-${serial++}.sock`;
  const { fds } = guestFile(BAR_OFFSET + VRINGS * PAGE, 2);
  const bells = mapFd(fds[1], { length: BAR_OFFSET + VRINGS * PAGE, writable: true });
  closeFd(fds[1]);
  const device: DoorbellDevice = { bells, asked: [], errors: [] };
  const ops: VdpaDeviceOps = {
    getQueueNum: () => 1,
    getFeatures: () => FEATURES,
    getProtocolFeatures: () => NOTIFIERS,
    devConf: (vhost) => void device.asked.push(vhost.hostNotifierCtrl('all', true)),
    devClose: (vhost) => void vhost.hostNotifierCtrl('all', false),
    setVringState: () => undefined,
    setFeatures: () => undefined,
    getVfioDeviceFd: () => {
      if (!vfio) throw new NicError('NIC_ENOTSUP', `${name}: no VFIO device fd (a modelled device)`);
      return fds[0];
    },
    getNotifyArea: (_vhost, qid) => ({ offset: BAR_OFFSET + qid * PAGE, size: PAGE }),
  };
  const dev = registerVdpaDevice(name, ops);
  cleanup.push(() => {
    bells.unmap();
    closeFd(fds[0]);
    unregisterVdpaDevice(dev);
  });
  const socket = attachVdpaDevice(path, dev, { onError: (e) => device.errors.push(e) });
  device.socket = socket;
  cleanup.push(() => socket.close());
  return { device, path };
}

async function connect(path: string, protocolFeatures = NOTIFIERS): Promise<VhostTestFrontend> {
  const frontend = await VhostTestFrontend.connect(path, 1, false, true, protocolFeatures);
  cleanup.push(() => frontend.close());
  return frontend;
}

async function request(f: VhostTestFrontend): Promise<BackendMessage> {
  const m = await f.backend!.receive();
  if (m === 'closed') throw new Error('the backend closed its channel');
  return m;
}

/** The request's vring area: index word, size, offset. */
function area(m: BackendMessage): bigint[] {
  return [m.payload.getBigUint64(0, true), m.payload.getBigUint64(8, true), m.payload.getBigUint64(16, true)];
}

describe('host-notifier control', () => {
  it("has the frontend map each vring's doorbell page, so its doorbell writes reach the device", async () => {
    const { device, path } = serveDevice();
    const f = await connect(path);
    await until('the device to be configured', () => device.socket!.configured);
    expect(device.asked).toEqual([true]);
    for (let q = 0; q < VRINGS; q++) {
      const m = await request(f);
      expect([m.request, m.fds.length]).toEqual([BackendRequest.VRING_HOST_NOTIFIER_MSG, 1]);
      expect(area(m)).toEqual([BigInt(q), BigInt(PAGE), BigInt(BAR_OFFSET + q * PAGE)]);
      // The frontend maps the page over the vring's notify area; a driver's kick writes the
      // vring index there.
      const page = mapFd(m.fds[0], { offset: BAR_OFFSET + q * PAGE, length: PAGE, writable: true });
      closeFd(m.fds[0]);
      new DataView(page.buffer).setUint16(0, 0x100 + q, true);
      page.unmap();
      f.backend!.reply(m.request, 0n);
    }
    const bells = new DataView(device.bells.buffer);
    expect([bells.getUint16(BAR_OFFSET, true), bells.getUint16(BAR_OFFSET + PAGE, true)]).toEqual([0x100, 0x101]);
    // The frontend's kick eventfds saw nothing: the doorbells went to the device.
    expect(device.errors).toEqual([]);
  });

  it('has them unmapped when the device stops, and reports a frontend that refuses one', async () => {
    const { device, path } = serveDevice();
    const f = await connect(path);
    await until('the device to be configured', () => device.socket!.configured);
    for (let q = 0; q < VRINGS; q++) {
      const m = await request(f);
      for (const fd of m.fds) closeFd(fd);
      f.backend!.reply(m.request, q === 1 ? 1n : 0n);
    }
    await until('the refusal to be reported', () => device.errors.length === 1);
    expect(device.errors[0]).toMatchObject({ code: 'NIC_EIO', message: expect.stringContaining('vring 1: the frontend refused it') });
    device.socket!.close();
    for (let q = 0; q < VRINGS; q++) {
      const m = await request(f);
      expect([m.request, m.fds.length]).toEqual([BackendRequest.VRING_HOST_NOTIFIER_MSG, 0]);
      expect(area(m)[0]).toBe(BigInt(q | VRING_NOFD_MASK));
    }
  });

  it('asks nothing of the frontend for a device without a VFIO device fd (a model): kicks stay relayed', async () => {
    const { device, path } = serveDevice(false);
    const f = await connect(path);
    await until('the device to be configured', () => device.socket!.configured);
    expect(device.asked).toEqual([false]);
    // The first request on the channel is the stop's unmapping: nothing was mapped before it.
    device.socket!.close();
    const m = await request(f);
    expect(area(m)[0]).toBe(BigInt(0 | VRING_NOFD_MASK));
    expect(device.errors.filter((e) => !(e instanceof NicError && e.message.includes('closed')))).toEqual([]);
  });

  it('asks nothing of a frontend that negotiated no host notifiers', async () => {
    const { device, path } = serveDevice();
    const f = await connect(path, bit(ProtocolFeature.BACKEND_REQ) | bit(ProtocolFeature.REPLY_ACK));
    await until('the device to be configured', () => device.socket!.configured);
    expect(device.asked).toEqual([false]);
    expect(f.backend).toBeDefined();
    expect(device.errors).toEqual([]);
  });
});
