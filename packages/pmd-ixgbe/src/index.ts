/**
 * @nic/pmd-ixgbe — net_ixgbe, the poll-mode driver of Intel 82599 and X540 10 GbE
 * controllers (DPDK's `net_ixgbe`). Importing it registers the PCI driver with EAL and its
 * data path with ethdev in the importing thread, after the PCI bus and the interrupt
 * subsystem it needs.
 */
import '@nic/intr';
import '@nic/pci';
import { registerDriver } from '@nic/eal/driver';
import { registerEthdevDriver } from '@nic/ethdev/driver';
import { netIxgbeDriver, netIxgbeEthdev } from './driver.js';

export * from './driver.js';

registerDriver(netIxgbeDriver);
registerEthdevDriver(netIxgbeEthdev);
