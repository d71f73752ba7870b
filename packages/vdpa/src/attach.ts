/**
 * Attaching a vDPA device to a vhost-user socket of @nic/vhost (DPDK's
 * `rte_vhost_driver_attach_vdpa_device` and the vdpa calls in `vhost_user.c`): the socket
 * offers the device's features, protocol features and queue count, and the frontend's
 * requests become the device's ops: `devConf` once the device is ready, `devClose` when it
 * stops, `setVringState` on SET_VRING_ENABLE, `setFeatures` on SET_FEATURES.
 */
import { eventfdWrite, NicError } from '@nic/native';
import { ProtocolFeature, VhostUserSocket, bit, type VhostDevice } from '@nic/vhost';
import type { VdpaVhostDevice, VhostLogArea, VhostMemoryRegion, VhostVringInfo, VringBase } from './vhost-device.js';
import { vdpaFeatures, vdpaProtocolFeatures, vdpaQueueNum, type VdpaDevice } from './registry.js';

/** Options of {@link attachVdpaDevice}. */
export interface VdpaSocketOptions {
  /** Connect to a frontend that listens, instead of listening (`--client`). */
  readonly client?: boolean;
  /** Called with the error when an op fails (the frontend is then disconnected by the socket's rules). */
  readonly onError?: (error: unknown) => void;
  /** Called once the device runs the frontend's rings (`devConf` done), with the vhost device id. */
  readonly onConfigured?: (vid: number) => void;
  /** Called once the device stopped serving the frontend (`devClose` done), with the vhost device id. */
  readonly onClosed?: (vid: number) => void;
}

/** A vDPA device served on a vhost-user socket. */
export interface VdpaSocket {
  readonly path: string;
  readonly device: VdpaDevice;
  /** The vhost-user socket. */
  readonly socket: VhostUserSocket;
  /** Whether the device runs the frontend's rings (devConf done, devClose not yet). */
  readonly configured: boolean;
  /** Stops the device if it runs and closes the socket. */
  close(): void;
}

let nextVid = 0;

/** What the frontend must have negotiated for host notifiers (DPDK's `rte_vhost_host_notifier_ctrl` check). */
const HOST_NOTIFIER_FEATURES = bit(ProtocolFeature.BACKEND_REQ) | bit(ProtocolFeature.BACKEND_SEND_FD) | bit(ProtocolFeature.HOST_NOTIFIER);

/** The vhost device of one socket as the vDPA driver sees it. */
class VhostView implements VdpaVhostDevice {
  readonly vid = nextVid++;
  readonly #device: VhostDevice;
  readonly #vdpa: VdpaDevice;
  readonly #fail: (error: unknown) => void;

  constructor(device: VhostDevice, vdpa: VdpaDevice, fail: (error: unknown) => void) {
    this.#device = device;
    this.#vdpa = vdpa;
    this.#fail = fail;
  }

  memTable(): readonly VhostMemoryRegion[] {
    const memory = this.#device.memory;
    if (!memory) return [];
    return memory.regions.map((r, i) => ({ guestPhysAddr: r.guestPhysAddr, hostUserAddr: memory.hostAddress(i), size: r.size }));
  }

  negotiatedFeatures(): bigint {
    return this.#device.features;
  }

  vringCount(): number {
    return this.#device.vrings.length;
  }

  vring(qid: number): VhostVringInfo {
    const vq = this.#vq(qid);
    const a = vq.addresses;
    return { desc: this.#hva(a?.desc ?? 0), avail: this.#hva(a?.avail ?? 0), used: this.#hva(a?.used ?? 0), size: vq.num, kickfd: vq.kickFd, callfd: vq.callFd, enabled: vq.enabled };
  }

  vringBase(qid: number): VringBase {
    const vq = this.#vq(qid);
    return { lastAvail: vq.lastAvail, lastUsed: vq.lastUsed };
  }

  setVringBase(qid: number, base: VringBase): void {
    const vq = this.#vq(qid);
    vq.lastAvail = base.lastAvail;
    vq.lastUsed = base.lastUsed;
  }

  /**
   * DPDK's `rte_vhost_host_notifier_ctrl`: over the backend channel, asks the frontend to map
   * each vring's doorbell page (the device's VFIO device fd at `getNotifyArea`'s offset) over
   * the vring's notify area, or to unmap it. False, with nothing sent, when the frontend did
   * not negotiate BACKEND_REQ, BACKEND_SEND_FD and HOST_NOTIFIER or gave no channel, or the
   * device has no VFIO device fd or notify areas (a modelled device); the kicks then stay
   * relayed. A notify area that fails unmaps the ones just asked for. The frontend's
   * acknowledgements arrive later: a refusal goes to `onError`.
   */
  hostNotifierCtrl(qid: number | 'all', enable: boolean): boolean {
    const channel = this.#device.backend;
    if (!channel || (this.#device.protocolFeatures & HOST_NOTIFIER_FEATURES) !== HOST_NOTIFIER_FEATURES) return false;
    const qids = qid === 'all' ? Array.from({ length: this.vringCount() }, (_, i) => i) : [this.#vq(qid).index];
    if (!enable) {
      for (const q of qids) this.#settle(() => channel.hostNotifier(q));
      return true;
    }
    const ops = this.#vdpa.ops;
    if (!ops.getVfioDeviceFd || !ops.getNotifyArea) return false;
    let fd: number;
    try {
      fd = ops.getVfioDeviceFd(this);
    } catch (e) {
      if (e instanceof NicError && e.code === 'NIC_ENOTSUP') return false;
      throw e;
    }
    try {
      for (const q of qids) {
        const area = ops.getNotifyArea(this, q);
        this.#settle(() => channel.hostNotifier(q, { fd, offset: area.offset, size: area.size }), true);
      }
    } catch (e) {
      this.#fail(e);
      for (const q of qids) this.#settle(() => channel.hostNotifier(q));
      return false;
    }
    return true;
  }

  /** DPDK's `rte_vhost_backend_config_change`: tells the frontend, when it gave a channel. */
  configChange(): void {
    const channel = this.#device.backend;
    if (channel) this.#settle(() => channel.configChange());
  }

  /** Sends one request; its failure, now or when acknowledged, goes to `onError` (or is thrown with `rethrow`). */
  #settle(send: () => Promise<void>, rethrow = false): void {
    let acked: Promise<void>;
    try {
      acked = send();
    } catch (e) {
      if (rethrow) throw e;
      this.#fail(e);
      return;
    }
    acked.catch((e: unknown) => this.#fail(e));
  }

  vringCall(qid: number): void {
    const fd = this.#vq(qid).callFd;
    if (fd >= 0) eventfdWrite(fd, 1);
  }

  logArea(): VhostLogArea | undefined {
    const address = this.#device.logAddress;
    const log = this.#device.log;
    return address === undefined || !log ? undefined : { address, size: log.length };
  }

  logUsedVring(qid: number, offset: number, length: number): void {
    this.#vq(qid).logUsed(offset, length);
  }

  #vq(qid: number): VhostDevice['vrings'][number] {
    const vq = this.#device.vrings[qid];
    if (!vq) throw new NicError('NIC_EINVAL', `vhost device ${this.vid}: no vring ${qid}`);
    return vq;
  }

  /** This process's address of frontend address `uva` (ring addresses are in the frontend's space). */
  #hva(uva: number): number {
    const memory = this.#device.memory;
    if (!memory) return 0;
    const off = memory.uva(uva, 1);
    return off < 0 ? 0 : memory.hostAddress(memory.region) + off;
  }
}

/**
 * Serves `dev` on a vhost-user socket at `path`. The frontend negotiates with the device's
 * own features, protocol features (those @nic/vhost implements) and queue pairs.
 */
export function attachVdpaDevice(path: string, dev: VdpaDevice, options: VdpaSocketOptions = {}): VdpaSocket {
  if (!dev.registered) throw new NicError('NIC_ENODEV', `vDPA device ${dev.name} is not registered`);
  let view: VhostView | undefined;
  let configured = false;
  const fail = (e: unknown): void => options.onError?.(e);
  const socket = new VhostUserSocket(path, {
    client: options.client === true,
    queuePairs: vdpaQueueNum(dev),
    features: vdpaFeatures(dev),
    protocolFeatures: vdpaProtocolFeatures(dev),
    // The device serves the rings: the library must not set USED_F_NO_NOTIFY on them.
    deviceRings: true,
    ops: {
      newDevice: (device) => {
        view = new VhostView(device, dev, fail);
        try {
          dev.ops.devConf(view);
          configured = true;
        } catch (e) {
          fail(e);
          return;
        }
        options.onConfigured?.(view.vid);
      },
      destroyDevice: () => {
        if (!view || !configured) return;
        configured = false;
        try {
          dev.ops.devClose(view);
        } catch (e) {
          fail(e);
        }
        options.onClosed?.(view.vid);
      },
      vringStateChanged: (_device, vring, enabled) => {
        if (view && configured) dev.ops.setVringState(view, vring, enabled);
      },
      featuresChanged: () => {
        if (view && configured) dev.ops.setFeatures(view);
      },
    },
  });
  return {
    path,
    device: dev,
    socket,
    get configured() {
      return configured;
    },
    close(): void {
      if (view && configured) {
        configured = false;
        try {
          dev.ops.devClose(view);
        } finally {
          socket.close();
        }
        options.onClosed?.(view.vid);
        return;
      }
      socket.close();
    },
  };
}
