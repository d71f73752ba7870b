/**
 * @nic/ethdev/driver — what poll-mode driver authors need (DPDK's `ethdev_driver.h`): the
 * ops interface and the data-path driver contract, port allocation and release, the shared
 * port data and its layout, queue counters, events and link updates (also from a kernel
 * interface), and the vdev glue.
 * Also everything of the main entry, whose one side effect is registering the telemetry commands.
 */
export * from './index.js';
export type { EthdevOps, EthdevDriver, PmdDevInfo, RxQueue, TxQueue } from './ops.js';
export { EthDev, DEFAULT_CONF, findDev, findDevByName, dev as ethDevOf, type RxQueueSetup, type TxQueueSetup } from './port.js';
export { allocatePort, probingFinish, releasePort, PRIV_MZ_PREFIX, type AllocatePortOptions } from './allocate.js';
export { registerEthdevDriver, ethdevDriver } from './registry.js';
export * from './shared.js';
export { RxQueueCounters, TxQueueCounters, burstBytes } from './counters.js';
export { processEvent } from './events.js';
export { linkStatusSet, readLink } from './link.js';
export { NetifPortOps, NETIF_LINK_WAIT_MS } from './netif.js';
export { randomMac, isAssignableMac, isZeroMac } from './mac.js';
export { ringAt, mempoolAt, rxQueueMempool } from './lookup.js';
export { ethVdevDriver, removeDevicePorts, type EthVdevDriverOptions } from './vdev.js';
export { devInfo, ETHER_MAX_MTU, ETHER_OVERHEAD } from './info.js';
export { FALLBACK_RING_SIZE, QUEUE_MZ_PREFIX } from './queue.js';
export { FALLBACK_NB_QUEUES, frameOverhead } from './configure.js';
export { MAC_POOLS } from './macaddr.js';
export { VLAN_ID_COUNT } from './port.js';
