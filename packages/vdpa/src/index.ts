/**
 * @nic/vdpa — the vDPA device registry and the driver contract (DPDK's `rte_vdpa`): a
 * device whose data path is virtio in hardware registers here with its ops; the vhost
 * library attaches it to a vhost-user socket and calls the ops as the frontend drives it.
 */
export {
  registerVdpaDevice,
  unregisterVdpaDevice,
  findVdpaDevice,
  vdpaDevices,
  vdpaQueueNum,
  vdpaFeatures,
  vdpaProtocolFeatures,
  vdpaDeviceType,
  vdpaStatsNames,
  vdpaStats,
  vdpaResetStats,
  type VdpaDevice,
} from './registry.js';
export { MANDATORY_VDPA_OPS, type VdpaDeviceOps, type VdpaDeviceType, type VdpaNotifyArea, type VdpaStat } from './ops.js';
export type { VdpaVhostDevice, VhostMemoryRegion, VhostVringInfo, VringBase, VhostLogArea } from './vhost-device.js';
export * from './features.js';
export { attachVdpaDevice, type VdpaSocket, type VdpaSocketOptions } from './attach.js';
export { UsedRingRelay, usedRingBytes } from './relay.js';
