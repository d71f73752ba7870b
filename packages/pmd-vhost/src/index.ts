/**
 * @nic/pmd-vhost — net_vhost, ports that vhost-user frontends (QEMU guests, DPDK's
 * net_virtio_user) connect to, on @nic/vhost (DPDK's `rte_eth_vhost`). Importing it
 * registers the `net_vhost` vdev driver with EAL and its data path with ethdev.
 */
import { registerDriver } from '@nic/eal/driver';
import { registerEthdevDriver } from '@nic/ethdev/driver';
import { netVhostDriver, netVhostEthdev } from './driver.js';

export * from './driver.js';

registerDriver(netVhostDriver);
registerEthdevDriver(netVhostEthdev);
