/**
 * @nic/vhost: the vhost-user backend library (DPDK's rte_vhost). A {@link VhostUserSocket}
 * serves (or connects to) a frontend such as QEMU or DPDK's net_virtio_user; its
 * {@link VhostDevice} negotiates features and the memory table, and each vring
 * (`device.vrings[i]`, a `Virtqueue`) moves packets between guest buffers and arena mbufs.
 * Layers built on it (net_vhost, vDPA) also use `@nic/vhost/driver`.
 */
export * from './protocol.js';
export { VhostDevice, STATUS_DRIVER_OK, type Reply, type VhostDeviceConfig, type VhostDeviceOps } from './device.js';
export { VhostUserSocket, type VhostUserSocketOptions } from './socket.js';
export { BackendChannel, BackendRequest, VRING_AREA_SIZE, type HostNotifierArea } from './backend-channel.js';
export { KICK_INTERRUPT_SIZE, KickInterrupt, KickWaiter, type KickInterruptLocation } from './kick-interrupt.js';
export { Virtqueue, type VringAddresses, type VringFeatures } from './virtqueue.js';
export { S_RARP, S_RUNNING, VhostSharedState, vhostStateSize, type VhostStateLocation } from './shared-state.js';
export { ETHERTYPE_RARP, RARP_FRAME_LEN, writeRarpFrame, writeRarpMbuf } from './rarp.js';
