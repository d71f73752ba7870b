/**
 * Device information (`rte_eth_dev_info_get`): ethdev's defaults, overridden by what the
 * driver reports, completed with what ethdev knows (names, flags, queue counts).
 */
import { ETH_MAX_QUEUES_PER_PORT, PF_INTR_LSC, PF_INTR_RMV } from './shared.js';
import { dev, type EthDev } from './port.js';
import type { DevInfo, DescLimits, PortConfDefaults } from './types.js';

/** Smallest MTU (`RTE_ETHER_MIN_MTU`). */
export const ETHER_MIN_MTU = 68;
/** Default MTU (`RTE_ETHER_MTU`). */
export const ETHER_MTU = 1500;
/** Largest MTU a u16 holds. */
export const ETHER_MAX_MTU = 0xffff;
/** Ethernet header and CRC: what a frame adds to its MTU (`RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN`). */
export const ETHER_OVERHEAD = 18;
/** Descriptor limits of a driver that states none. */
export const DEFAULT_DESC_LIM: DescLimits = Object.freeze({ max: 0xffff, min: 0, align: 1 });
/** Port defaults of a driver that states none. */
export const NO_PORT_DEFAULTS: PortConfDefaults = Object.freeze({ burstSize: 0, ringSize: 0, nbQueues: 0 });
/** Frame length limit of a driver that states none. */
export const NO_FRAME_LIMIT = 0xffffffff;

/** The information of an allocated port, for ethdev's own checks. */
export function devInfo(d: EthDev): DevInfo {
  const pmd = d.ops.infoGet(d);
  const flags = d.data.flags;
  return {
    minMtu: ETHER_MIN_MTU,
    maxMtu: ETHER_MAX_MTU,
    maxRxPktLen: NO_FRAME_LIMIT,
    minRxBufSize: 0,
    maxMacAddrs: 1,
    rxOffloadCapa: 0,
    txOffloadCapa: 0,
    rxQueueOffloadCapa: 0,
    txQueueOffloadCapa: 0,
    speedCapa: 0,
    flowTypeRssOffloads: 0,
    hashKeySize: 0,
    retaSize: 0,
    rxDescLim: DEFAULT_DESC_LIM,
    txDescLim: DEFAULT_DESC_LIM,
    defaultRxPortConf: NO_PORT_DEFAULTS,
    defaultTxPortConf: NO_PORT_DEFAULTS,
    ...pmd,
    maxRxQueues: Math.min(pmd.maxRxQueues ?? 0, ETH_MAX_QUEUES_PER_PORT),
    maxTxQueues: Math.min(pmd.maxTxQueues ?? 0, ETH_MAX_QUEUES_PER_PORT),
    driverName: d.driverName,
    deviceName: d.device,
    intrLsc: (flags & PF_INTR_LSC) !== 0,
    intrRmv: (flags & PF_INTR_RMV) !== 0,
    nbRxQueues: d.data.nbRxQueues,
    nbTxQueues: d.data.nbTxQueues,
  };
}

/**
 * What port `port` can do and how it is configured: driver name, MTU and frame limits,
 * queue and descriptor limits, offload and RSS capabilities, interrupt support.
 * @throws NicError `NIC_ENODEV` for a port this thread does not control.
 */
export function infoGet(port: number): DevInfo {
  return devInfo(dev(port));
}
