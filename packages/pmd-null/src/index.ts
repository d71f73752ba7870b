/**
 * @nic/pmd-null — net_null, the null poll-mode driver (DPDK's `rte_eth_null`): a sink that
 * frees what it is sent and a source that returns freshly allocated packets, both at full
 * speed. Importing it registers the `net_null` vdev driver with EAL and its data path with
 * ethdev in the importing thread.
 */
import { registerDriver } from '@nic/eal/driver';
import { registerEthdevDriver } from '@nic/ethdev/driver';
import { netNullDriver, netNullEthdev } from './driver.js';

export * from './driver.js';

registerDriver(netNullDriver);
registerEthdevDriver(netNullEthdev);
