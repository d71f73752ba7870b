/**
 * The devices nic-vdpa serves (DPDK's `vports` of the dpdk-vdpa example): each a vDPA
 * device attached to a vhost-user socket, at most one socket per device and one device per
 * socket, with what the frontend did logged as it happens.
 */
import { NicError } from '@nic/native';
import {
  attachVdpaDevice,
  findVdpaDevice,
  vdpaDevices,
  vdpaDeviceType,
  vdpaFeatures,
  vdpaProtocolFeatures,
  vdpaQueueNum,
  vdpaStats,
  vdpaStatsNames,
  type VdpaSocket,
} from '@nic/vdpa';

/** `stats <bdf> 0xffff`: every vring of the device. */
export const ALL_VRINGS = 0xffff;

/** One row of `list`. */
export interface VdpaListRow {
  readonly name: string;
  readonly type: string;
  readonly queues: number;
  readonly features: bigint;
  readonly protocolFeatures: bigint;
  /** The socket serving it, if any. */
  readonly socket: string | undefined;
}

/** The counters of one vring. */
export interface VringStats {
  readonly vring: number;
  readonly counters: readonly { readonly name: string; readonly value: bigint }[];
}

export class VdpaPorts {
  readonly #client: boolean;
  readonly #log: (line: string) => void;
  readonly #byDevice = new Map<string, VdpaSocket>();

  constructor(options: { client: boolean; log: (line: string) => void }) {
    this.#client = options.client;
    this.#log = options.log;
  }

  /** How many devices are being served. */
  get size(): number {
    return this.#byDevice.size;
  }

  /**
   * Serves device `name` on a vhost-user socket at `path`. An unknown device is
   * `NIC_ENODEV`; a device already served, or a path already in use, `NIC_EBUSY`.
   */
  create(path: string, name: string): VdpaSocket {
    const dev = findVdpaDevice(name);
    if (!dev) throw new NicError('NIC_ENODEV', `no vDPA device ${name} (probe it with the EAL option -a ${name},vdpa=1)`);
    const served = this.#byDevice.get(name);
    if (served) throw new NicError('NIC_EBUSY', `vDPA device ${name} is already served on ${served.path}`);
    for (const s of this.#byDevice.values()) if (s.path === path) throw new NicError('NIC_EBUSY', `socket ${path} already serves vDPA device ${s.device.name}`);
    const socket = attachVdpaDevice(path, dev, {
      client: this.#client,
      onConfigured: (vid) => this.#log(`vDPA ${name}: vhost device ${vid} on ${path} configured; the device runs its rings`),
      onClosed: (vid) => this.#log(`vDPA ${name}: vhost device ${vid} on ${path} closed`),
      onError: (e) => this.#log(`vDPA ${name}: ${e instanceof Error ? e.message : String(e)}`),
    });
    this.#byDevice.set(name, socket);
    return socket;
  }

  /** Every registered device (`list`). */
  list(): VdpaListRow[] {
    return vdpaDevices().map((dev) => ({
      name: dev.name,
      type: vdpaDeviceType(dev),
      queues: vdpaQueueNum(dev),
      features: vdpaFeatures(dev),
      protocolFeatures: vdpaProtocolFeatures(dev),
      socket: this.#byDevice.get(dev.name)?.path,
    }));
  }

  /**
   * Counters of vring `vring` of device `name`, or of every vring with {@link ALL_VRINGS}.
   * An unknown device is `NIC_ENODEV`; a driver without counters `NIC_ENOTSUP`; a vring the
   * device does not have `NIC_EINVAL`.
   */
  stats(name: string, vring: number): VringStats[] {
    const dev = findVdpaDevice(name);
    if (!dev) throw new NicError('NIC_ENODEV', `no vDPA device ${name}`);
    const names = vdpaStatsNames(dev);
    const count = vdpaQueueNum(dev) * (vdpaDeviceType(dev) === 'net' ? 2 : 1);
    const vrings = vring === ALL_VRINGS ? Array.from({ length: count }, (_, i) => i) : [vring];
    return vrings.map((v) => ({ vring: v, counters: vdpaStats(dev, v).map((s) => ({ name: names[s.id] ?? `#${s.id}`, value: s.value })) }));
  }

  /** Stops serving every device: each frontend's device is closed, each socket removed. */
  closeAll(): void {
    const errors: unknown[] = [];
    for (const [name, socket] of this.#byDevice) {
      try {
        socket.close();
      } catch (e) {
        errors.push(new NicError('NIC_EIO', `vDPA ${name}: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
      }
    }
    this.#byDevice.clear();
    if (errors.length > 0) throw errors[0];
  }
}
