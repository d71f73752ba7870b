/**
 * The contract between ethdev and a poll-mode driver, in two halves as in DPDK:
 *
 * - {@link EthdevOps}, the control operations (`struct eth_dev_ops`), given to
 *   `allocatePort` on the thread that controls the port and called only there;
 * - {@link EthdevDriver}, the data-path factory each thread registers (by importing the
 *   driver package), which builds that thread's queue views from the shared port data.
 */
import type { Mempool } from '@nic/eal';
import type { RxQueueIntr } from '@nic/intr';
import type { EthDev } from './port.js';
import type { PortData } from './shared.js';
import type { DevInfo, EthStats, RxConf, TxConf } from './types.js';

/**
 * What a driver reports about a port. Fields left out take ethdev's defaults (as
 * `rte_eth_dev_info_get` presets them): MTU 68..65535, no frame length limit, no queues, no
 * offloads, no RSS, descriptor limits 0..65535 aligned to 1, one MAC address.
 */
export type PmdDevInfo = Partial<Omit<DevInfo, 'driverName' | 'deviceName' | 'intrLsc' | 'intrRmv' | 'nbRxQueues' | 'nbTxQueues'>>;

/**
 * The control operations of a port (`struct eth_dev_ops`). ethdev has checked the port's
 * state and the arguments before calling one; an operation that fails throws a `NicError`
 * and ethdev leaves the port as it was. Optional operations that are missing make the
 * matching API call fail with `NIC_ENOTSUP` (or, where DPDK does so, do nothing).
 */
export interface EthdevOps {
  /** Capabilities and limits (`dev_infos_get`). */
  infoGet(dev: EthDev): PmdDevInfo;
  /** Applies `dev.conf` and the new queue counts (`dev_configure`). */
  configure?(dev: EthDev): void;
  /** Starts the port: from now on its queues move packets (`dev_start`). */
  start(dev: EthDev): void;
  /**
   * Stops the port (`dev_stop`). Queue views already see the port stopped. Mbufs the driver
   * holds for in-flight packets go back to their pools.
   */
  stop(dev: EthDev): void;
  /** Frees everything the port holds, mbufs included (`dev_close`); ethdev releases the port after. */
  close?(dev: EthDev): void;
  /** Resets the device (`dev_reset`); ethdev returns the port to the unconfigured state after. */
  reset?(dev: EthDev): void;
  /** Brings the link up administratively (`dev_set_link_up`). */
  setLinkUp?(dev: EthDev): void;
  /** Takes the link down administratively (`dev_set_link_down`). */
  setLinkDown?(dev: EthDev): void;
  /**
   * Refreshes the link stored in the shared port data (`link_update`), with `linkStatusSet`.
   * With `waitToComplete` it may take time and return a promise; without, it must not.
   */
  linkUpdate?(dev: EthDev, waitToComplete: boolean): void | Promise<void>;
  promiscuousEnable?(dev: EthDev): void;
  promiscuousDisable?(dev: EthDev): void;
  allmulticastEnable?(dev: EthDev): void;
  allmulticastDisable?(dev: EthDev): void;
  /** Replaces the primary address (`mac_addr_set`). */
  macAddrSet?(dev: EthDev, mac: Uint8Array): void;
  /** Adds an address at slot `index` (1 to `maxMacAddrs - 1`) for pool `pool` (`mac_addr_add`). */
  macAddrAdd?(dev: EthDev, mac: Uint8Array, index: number, pool: number): void;
  /** Removes the address at slot `index` (`mac_addr_remove`). */
  macAddrRemove?(dev: EthDev, index: number): void;
  /** Replaces the multicast addresses the port accepts; an empty list removes them all (`set_mc_addr_list`). */
  setMcAddrList?(dev: EthDev, macs: readonly Uint8Array[]): void;
  /** Sets the MTU, already checked against the limits (`mtu_set`). */
  mtuSet?(dev: EthDev, mtu: number): void;
  /** Accepts (`on`) or drops VLAN `vlanId` (`vlan_filter_set`). */
  vlanFilterSet?(dev: EthDev, vlanId: number, on: boolean): void;
  /**
   * Adds what the driver counts outside the shared queue counters (hardware registers) to
   * `stats`, which holds the shared counters' sums already (`stats_get`).
   */
  statsGet?(dev: EthDev, stats: EthStats): void;
  /** Zeroes what {@link statsGet} adds; ethdev zeroes the shared counters itself. */
  statsReset?(dev: EthDev): void;
  /** Names of the driver's own extended statistics, after ethdev's generic ones. */
  xstatsGetNames?(dev: EthDev): string[];
  /** Values of the driver's own extended statistics, in {@link xstatsGetNames} order. */
  xstatsGet?(dev: EthDev): number[];
  /** Zeroes the driver's own extended statistics. */
  xstatsReset?(dev: EthDev): void;
  /** Prepares rx queue `queue` (`rx_queue_setup`); ethdev records it in the shared data after. */
  rxQueueSetup(dev: EthDev, queue: number, nbDesc: number, conf: RxConf, mempool: Mempool): void;
  /** Prepares tx queue `queue` (`tx_queue_setup`). */
  txQueueSetup(dev: EthDev, queue: number, nbDesc: number, conf: TxConf): void;
  /** Frees rx queue `queue` and returns the mbufs it holds (`rx_queue_release`). */
  rxQueueRelease?(dev: EthDev, queue: number): void;
  /** Frees tx queue `queue` and returns the mbufs it holds (`tx_queue_release`). */
  txQueueRelease?(dev: EthDev, queue: number): void;
  /**
   * Starts rx queue `queue` of the started port (`rx_queue_start`): gives its ring fresh
   * mbufs and lets the device fill it. A driver that has it must also leave the queues set up
   * with `deferredStart` stopped in {@link start}; ethdev records the queue states.
   */
  rxQueueStart?(dev: EthDev, queue: number): void;
  /**
   * Stops rx queue `queue` (`rx_queue_stop`): the device no longer fills it, its mbufs go
   * back to their pool and the queue is as just set up. Queue views already see it stopped.
   */
  rxQueueStop?(dev: EthDev, queue: number): void;
  /** Starts tx queue `queue` of the started port (`tx_queue_start`), empty. */
  txQueueStart?(dev: EthDev, queue: number): void;
  /** Stops tx queue `queue` (`tx_queue_stop`) after what it holds went out; its mbufs go back to their pools. */
  txQueueStop?(dev: EthDev, queue: number): void;
}

/** One thread's receive side of one queue. */
export interface RxQueue {
  /**
   * Receives up to `n` packets into `handles[offset ..]` and returns how many. Called on
   * the per-packet path: it must allocate nothing and call no addon.
   */
  rxBurst(handles: Uint32Array, n: number, offset: number): number;
}

/** One thread's transmit side of one queue. */
export interface TxQueue {
  /**
   * Takes up to `n` packets from `handles[offset ..]` and returns how many it took; the
   * caller still owns the rest. Same rules as {@link RxQueue.rxBurst}.
   */
  txBurst(handles: Uint32Array, n: number, offset: number): number;
}

/**
 * The data-path half of a driver, registered in every thread that polls its ports
 * (`registerEthdevDriver`, done when the driver package is imported). ethdev calls these
 * lazily, on a thread's first burst after the port started or changed, with a view of the
 * port's shared data; everything a queue needs must be found there (the driver's private
 * zone at `data.privOffset`, the queue blocks).
 */
export interface EthdevDriver {
  /** The driver name ports record (`net_ring`). */
  readonly name: string;
  /** This thread's view of rx queue `queue` of a started port. */
  rxQueue(data: PortData, queue: number): RxQueue;
  /** This thread's view of tx queue `queue` of a started port. */
  txQueue(data: PortData, queue: number): TxQueue;
  /**
   * The interrupt of rx queue `queue` for a port configured with `intrConf.rxq`, as the
   * polling thread sees it; absent when the driver has no rx interrupts.
   */
  rxQueueIntr?(data: PortData, queue: number): RxQueueIntr;
}
