/**
 * @nic/pmd-tap — net_tap, ports whose other end is the kernel's network stack, through a
 * TAP interface the port creates (DPDK's `rte_eth_tap`). Importing it registers the
 * `net_tap` vdev driver with EAL and its data path with ethdev in the importing thread.
 */
import { registerDriver } from '@nic/eal/driver';
import { registerEthdevDriver } from '@nic/ethdev/driver';
import { netTapDriver, netTapEthdev } from './driver.js';

export * from './driver.js';

registerDriver(netTapDriver);
registerEthdevDriver(netTapEthdev);
