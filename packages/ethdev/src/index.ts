/**
 * @nic/ethdev — Ethernet ports for applications: configure, queues, start/stop, rx/tx
 * bursts callable from any lcore, device information, link, receive modes, MAC addresses,
 * MTU, VLAN filter, statistics and extended statistics, events, rx queue interrupts.
 * Mirrors DPDK's `rte_ethdev.h`; drivers use `@nic/ethdev/driver`. Loading it registers the
 * `/ethdev/*` telemetry commands, as DPDK does at start-up.
 */
export type {
  DescLimits,
  DevInfo,
  EthConf,
  EthStats,
  IntrConf,
  Link,
  PortConfDefaults,
  ResolvedEthConf,
  RssConf,
  RxConf,
  RxModeConf,
  RxMqMode,
  TxConf,
  TxModeConf,
} from './types.js';
export { LinkSpeed } from './types.js';
export { RxOffload, TxOffload, RssHf, RSS_PROTO_MASK, LinkSpeeds, maskNames } from './offloads.js';
export { ETH_MAX_PORTS, ETH_MAX_QUEUES_PER_PORT, ETH_NAME_MAX_LEN, type PortStateName } from './shared.js';
export { ports, isValidPort, portIdByName, portName, portState, portEal } from './port.js';
export { configure, confGet } from './configure.js';
export { rxQueueSetup, txQueueSetup } from './queue.js';
export { start, stop, close, reset } from './lifecycle.js';
export { rxQueueStart, rxQueueStop, txQueueStart, txQueueStop, rxQueueState, txQueueState } from './queue-state.js';
export { rxBurst, txBurst } from './burst.js';
export { infoGet, ETHER_MIN_MTU, ETHER_MTU } from './info.js';
export { linkGet, linkGetNowait, setLinkUp, setLinkDown } from './link.js';
export { promiscuousEnable, promiscuousDisable, promiscuousGet, allmulticastEnable, allmulticastDisable, allmulticastGet } from './rxmode.js';
export { macAddrGet, macAddrs, macAddrSet, macAddrAdd, macAddrRemove } from './macaddr.js';
export { setMcAddrList } from './mcaddr.js';
export { parseMac, formatMac } from './mac.js';
export { mtuGet, mtuSet } from './mtu.js';
export { vlanFilterSet, vlanFilterGet } from './vlan.js';
export { statsGet, statsReset } from './stats.js';
export { xstatsGetNames, xstatsGet, xstatsReset } from './xstats.js';
export { EthEvent, portCallbackRegister, portCallbackUnregister, type EthEventCallback } from './events.js';
export { rxQueueIntr, rxIntrEnable, rxIntrDisable, rxIntrFd } from './rxintr.js';
export { registerEthdevTelemetry } from './telemetry.js';
