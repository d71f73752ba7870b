/**
 * @nic/pmd-ring — net_ring, ports backed by rings (DPDK's `rte_eth_ring`), for tests and
 * in-process pipelines. Importing it registers the `net_ring` vdev driver with EAL and its
 * data path with ethdev in the importing thread.
 */
import { registerDriver } from '@nic/eal/driver';
import { registerEthdevDriver } from '@nic/ethdev/driver';
import { netRingDriver, netRingEthdev } from './driver.js';

export * from './driver.js';
export { ringPort, ringPortFromRing } from './ports.js';

registerDriver(netRingDriver);
registerEthdevDriver(netRingEthdev);
