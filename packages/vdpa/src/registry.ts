/**
 * The vDPA device registry (DPDK's `rte_vdpa_register_device` / `vdpa_device_list`): one list
 * per process, under a `Symbol.for` key so that two copies of this package share it. A
 * device is found by name (the PCI address of its function) and carries its driver's ops.
 */
import { NicError } from '@nic/native';
import { MANDATORY_VDPA_OPS, type VdpaDeviceOps, type VdpaDeviceType, type VdpaStat } from './ops.js';

const KEY = Symbol.for('nic.vdpa.devices');
/** A net queue pair is an rx and a tx vring; a blk queue is one vring. */
const VRINGS_PER_NET_QUEUE = 2;

/** A registered vDPA device. */
export interface VdpaDevice {
  /** Unique name: the function's PCI address for hardware devices. */
  readonly name: string;
  /** The driver's operations. */
  readonly ops: VdpaDeviceOps;
  /** Whether it is still registered. */
  readonly registered: boolean;
}

class Registered implements VdpaDevice {
  readonly name: string;
  readonly ops: VdpaDeviceOps;
  registered = true;

  constructor(name: string, ops: VdpaDeviceOps) {
    this.name = name;
    this.ops = ops;
  }
}

function devices(): Map<string, Registered> {
  const g = globalThis as { [KEY]?: Map<string, Registered> };
  g[KEY] ??= new Map();
  return g[KEY];
}

/**
 * Registers a device named `name` with `ops`. A name already registered is `NIC_EEXIST`;
 * ops without one of {@link MANDATORY_VDPA_OPS} (or with a non-function there) `NIC_EINVAL`.
 */
export function registerVdpaDevice(name: string, ops: VdpaDeviceOps): VdpaDevice {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('registerVdpaDevice: name must be a non-empty string');
  if (typeof ops !== 'object' || ops === null) throw new TypeError('registerVdpaDevice: ops must be an object');
  const missing = MANDATORY_VDPA_OPS.filter((op) => typeof (ops as unknown as Record<string, unknown>)[op] !== 'function');
  if (missing.length > 0) throw new NicError('NIC_EINVAL', `vDPA device ${name}: its ops lack the mandatory ${missing.join(', ')}`);
  const list = devices();
  if (list.has(name)) throw new NicError('NIC_EEXIST', `vDPA device ${name} is already registered`);
  const dev = new Registered(name, ops);
  list.set(name, dev);
  return dev;
}

/** Removes `dev` from the registry; a device not registered (any more) is `NIC_ENODEV`. */
export function unregisterVdpaDevice(dev: VdpaDevice): void {
  const list = devices();
  if (list.get(dev.name) !== dev) throw new NicError('NIC_ENODEV', `vDPA device ${dev.name} is not registered`);
  list.delete(dev.name);
  (dev as Registered).registered = false;
}

/** The device named `name`, or undefined. */
export function findVdpaDevice(name: string): VdpaDevice | undefined {
  return devices().get(name);
}

/** Every registered device, in registration order. */
export function vdpaDevices(): VdpaDevice[] {
  return [...devices().values()];
}

/** Queues of `dev` (`rte_vdpa_get_queue_num`); an answer that is not a positive integer is `NIC_EIO`. */
export function vdpaQueueNum(dev: VdpaDevice): number {
  const n = dev.ops.getQueueNum(dev);
  if (!Number.isInteger(n) || n <= 0) throw new NicError('NIC_EIO', `vDPA device ${dev.name}: its driver reports ${n} queues`);
  return n;
}

/** Virtio features of `dev` (`rte_vdpa_get_features`). */
export function vdpaFeatures(dev: VdpaDevice): bigint {
  return dev.ops.getFeatures(dev);
}

/** Protocol features of `dev` (`rte_vdpa_get_protocol_features`). */
export function vdpaProtocolFeatures(dev: VdpaDevice): bigint {
  return dev.ops.getProtocolFeatures(dev);
}

/** What `dev` serves (`rte_vhost_driver_get_vdpa_dev_type`): net unless its driver says blk. */
export function vdpaDeviceType(dev: VdpaDevice): VdpaDeviceType {
  return dev.ops.getDevType?.(dev) ?? 'net';
}

function optional<K extends keyof VdpaDeviceOps>(dev: VdpaDevice, op: K, what: string): NonNullable<VdpaDeviceOps[K]> {
  const fn = dev.ops[op];
  if (typeof fn !== 'function') throw new NicError('NIC_ENOTSUP', `vDPA device ${dev.name}: its driver has no ${what}`);
  return fn.bind(dev.ops) as NonNullable<VdpaDeviceOps[K]>;
}

/** Counter names of `dev` (`rte_vdpa_get_stats_names`); `NIC_ENOTSUP` when its driver has none. */
export function vdpaStatsNames(dev: VdpaDevice): readonly string[] {
  return optional(dev, 'getStatsNames', 'statistics')(dev);
}

/**
 * Counters of queue `qid` of `dev` (`rte_vdpa_get_stats`); `NIC_ENOTSUP` when its driver
 * has none, `NIC_EINVAL` for a queue it does not have.
 */
export function vdpaStats(dev: VdpaDevice, qid: number): readonly VdpaStat[] {
  const get = optional(dev, 'getStats', 'statistics');
  checkQueue(dev, qid);
  return get(dev, qid);
}

/** Zeroes the counters of queue `qid` (`rte_vdpa_reset_stats`). */
export function vdpaResetStats(dev: VdpaDevice, qid: number): void {
  const reset = optional(dev, 'resetStats', 'statistics');
  checkQueue(dev, qid);
  reset(dev, qid);
}

function checkQueue(dev: VdpaDevice, qid: number): void {
  const vrings = vdpaQueueNum(dev) * (vdpaDeviceType(dev) === 'net' ? VRINGS_PER_NET_QUEUE : 1);
  if (!Number.isInteger(qid) || qid < 0 || qid >= vrings) throw new NicError('NIC_EINVAL', `vDPA device ${dev.name}: queue ${qid} is not 0 to ${vrings - 1}`);
}
