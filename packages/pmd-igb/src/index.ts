/**
 * @nic/pmd-igb — net_e1000_igb, the poll-mode driver of Intel 82576 and I350 Ethernet
 * controllers (DPDK's `net_e1000_igb`). Importing it registers the PCI driver with EAL and
 * its data path with ethdev in the importing thread, after the PCI bus and the interrupt
 * subsystem it needs.
 */
import '@nic/intr';
import '@nic/pci';
import { registerDriver } from '@nic/eal/driver';
import { registerEthdevDriver } from '@nic/ethdev/driver';
import { netE1000IgbDriver, netE1000IgbEthdev } from './driver.js';

export * from './driver.js';

registerDriver(netE1000IgbDriver);
registerEthdevDriver(netE1000IgbEthdev);
