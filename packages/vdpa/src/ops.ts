/**
 * The vDPA driver contract (DPDK's `rte_vdpa_dev_ops`, `lib/vhost/vdpa_driver.h`). The
 * vhost library calls these as the frontend drives the socket a device is attached to;
 * applications reach the device-level ones through the registry's accessors.
 */
import type { VdpaVhostDevice } from './vhost-device.js';
import type { VdpaDevice } from './registry.js';

/** What a vDPA device serves. */
export type VdpaDeviceType = 'net' | 'blk';

/** Where a vring's doorbell lies in the VFIO device fd, for the frontend to map it. */
export interface VdpaNotifyArea {
  /** Offset into the VFIO device fd (region offset + doorbell offset in the BAR). */
  readonly offset: number;
  /** Bytes (one host page). */
  readonly size: number;
}

/** One counter of {@link VdpaDeviceOps.getStats}. */
export interface VdpaStat {
  /** Index into {@link VdpaDeviceOps.getStatsNames}. */
  readonly id: number;
  readonly value: bigint;
}

/** A vDPA driver's operations; `?` marks the optional ones. */
export interface VdpaDeviceOps {
  /** Queues the device has (queue pairs for net: each is an rx and a tx vring). */
  getQueueNum(dev: VdpaDevice): number;
  /** Virtio features the device offers the frontend (with vhost-user's own bits). */
  getFeatures(dev: VdpaDevice): bigint;
  /** vhost-user protocol features the device needs or supports. */
  getProtocolFeatures(dev: VdpaDevice): bigint;
  /**
   * The frontend's device is ready (every vring set up, DRIVER_OK): map its memory for the
   * device, bind interrupts, start the hardware, ask for host notifiers.
   */
  devConf(vhost: VdpaVhostDevice): void;
  /** The frontend went away or stopped: undo exactly what {@link devConf} did. */
  devClose(vhost: VdpaVhostDevice): void;
  /** `SET_VRING_ENABLE` for vring `vring`, after or before {@link devConf}. */
  setVringState(vhost: VdpaVhostDevice, vring: number, enable: boolean): void;
  /** `SET_FEATURES` (logging starts with `VHOST_F_LOG_ALL`: live migration). */
  setFeatures(vhost: VdpaVhostDevice): void;
  /** `SEND_RARP` after a migration. */
  migrationDone?(vhost: VdpaVhostDevice): void;
  /** The VFIO group fd of the device's private container. */
  getVfioGroupFd?(vhost: VdpaVhostDevice): number;
  /** The VFIO device fd. */
  getVfioDeviceFd?(vhost: VdpaVhostDevice): number;
  /** Where vring `qid`'s doorbell lies in the VFIO device fd. */
  getNotifyArea?(vhost: VdpaVhostDevice, qid: number): VdpaNotifyArea;
  /** Names of the counters {@link getStats} returns. */
  getStatsNames?(dev: VdpaDevice): readonly string[];
  /** Counters of queue `qid`. */
  getStats?(dev: VdpaDevice, qid: number): readonly VdpaStat[];
  /** Zeroes the counters of queue `qid`. */
  resetStats?(dev: VdpaDevice, qid: number): void;
  /** What the device serves (net when absent). */
  getDevType?(dev: VdpaDevice): VdpaDeviceType;
  /** The device configuration space (virtio-blk's capacity, geometry, queues), `size` bytes. */
  getConfig?(vhost: VdpaVhostDevice, size: number): Uint8Array;
  /** Writes `data` at `offset` of the device configuration space. */
  setConfig?(vhost: VdpaVhostDevice, data: Uint8Array, offset: number): void;
  /** The vhost device is being destroyed: last clean-up. */
  devCleanup?(vhost: VdpaVhostDevice): void;
}

/** The ops a device cannot be registered without (DPDK's `rte_vdpa_register_device` check). */
export const MANDATORY_VDPA_OPS = ['getQueueNum', 'getFeatures', 'getProtocolFeatures', 'devConf', 'devClose', 'setVringState', 'setFeatures'] as const;
