/**
 * @nic/pmd-af-packet — net_af_packet, ports on Linux network interfaces through AF_PACKET
 * sockets with PACKET_MMAP rings (DPDK's `rte_eth_af_packet`). Importing it registers the
 * `net_af_packet` vdev driver with EAL and its data path with ethdev in the importing thread.
 */
import { registerDriver } from '@nic/eal/driver';
import { registerEthdevDriver } from '@nic/ethdev/driver';
import { netAfPacketDriver, netAfPacketEthdev } from './driver.js';

export * from './driver.js';

registerDriver(netAfPacketDriver);
registerEthdevDriver(netAfPacketEthdev);
