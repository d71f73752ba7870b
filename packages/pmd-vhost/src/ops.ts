/**
 * The control operations of a net_vhost port (DPDK's `eth_dev_ops` of `rte_eth_vhost.c`):
 * the link is up while a frontend runs the device (10 Gbps, full duplex, as DPDK reports),
 * whatever the port's own state; start and stop only open and close the data path. Every
 * frame the frontend sends reaches the port, so the receive modes change nothing. The port
 * holds no mbufs between bursts. Close closes the socket.
 */
import { EthEvent, LinkSpeed, linkStatusSet, processEvent, type EthDev, type EthdevOps, type Link, type PmdDevInfo } from '@nic/ethdev/driver';
import { INTR_SERVICE } from '@nic/intr';
import type { VhostPort } from './port.js';

/** The link while a frontend runs the device. */
export const LINK_UP: Link = Object.freeze({ up: true, speed: LinkSpeed.G10, fullDuplex: true, autoneg: false });
/** The link without one. */
export const LINK_DOWN: Link = Object.freeze({ ...LINK_UP, up: false });

export class VhostPortOps implements EthdevOps {
  /** The port, once its socket exists (set by the probe right after allocating the port). */
  port: VhostPort | undefined;
  readonly #queues: number;

  constructor(queues: number) {
    this.#queues = queues;
  }

  infoGet(): PmdDevInfo {
    return { maxRxQueues: this.#queues, maxTxQueues: this.#queues, maxMacAddrs: 1, minRxBufSize: 0 };
  }

  start(): void {
    this.port!.started = true;
  }

  stop(): void {
    this.port!.started = false;
  }

  close(): void {
    this.port!.close();
  }

  linkUpdate(): void {
    // The link is what the device callbacks stored; there is nothing to poll.
  }

  promiscuousEnable(): void {
    // Every frame the frontend sends reaches the port: nothing to filter.
  }

  promiscuousDisable(): void {
    // As promiscuousEnable.
  }

  allmulticastEnable(): void {
    // As promiscuousEnable.
  }

  allmulticastDisable(): void {
    // As promiscuousEnable.
  }

  mtuSet(): void {
    // The frontend's buffers bound the frame size; nothing to program.
  }

  macAddrSet(): void {
    // Nothing filters on the address.
  }

  rxQueueSetup(): void {
    // The vring is the frontend's; the data path finds the mempool in the queue block.
  }

  txQueueSetup(): void {
    // As rxQueueSetup.
  }
}

/**
 * Calls the port's callbacks of `event`. A frontend may connect while EAL is still probing,
 * before the interrupt subsystem (which holds the callbacks) runs: nobody can have
 * registered a callback then, so there is nobody to tell.
 */
export function notify(dev: EthDev, event: EthEvent, param?: unknown): void {
  if (dev.eal.hasService(INTR_SERVICE)) processEvent(dev.port, event, param);
}

/** Stores the link and tells the LSC callbacks (the device started or stopped running). */
export function linkChanged(dev: EthDev, up: boolean): void {
  if (linkStatusSet(dev, up ? LINK_UP : LINK_DOWN)) notify(dev, EthEvent.INTR_LSC);
}

/** What a QUEUE_STATE event carries (DPDK's `rte_eth_vhost_get_queue_event`). */
export interface VhostQueueEvent {
  readonly queue: number;
  readonly rx: boolean;
  readonly enabled: boolean;
}
