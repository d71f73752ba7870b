/**
 * The control operations of a net_ring port (DPDK's `eth_dev_ops` of `rte_eth_ring.c`).
 * The link is up while the port is started (10 Gbps, full duplex, fixed), receive modes
 * and extra MAC addresses are accepted and change nothing, as in DPDK. Unlike DPDK, a stop
 * drains the port's rx rings and a close also drains and frees the rings the port created,
 * so every mbuf the port held goes back to its pool.
 */
import { MbufView, type Arena, type Ring } from '@nic/eal';
import {
  ethDevOf,
  LinkSpeed,
  linkStatusSet,
  ports,
  RxOffload,
  TxOffload,
  type EthDev,
  type EthdevOps,
  type Link,
  type PmdDevInfo,
} from '@nic/ethdev/driver';
import { queueRing, NET_RING } from './datapath.js';
import { RP_NB_RX, RP_NB_TX, RP_RX_RINGS, RP_TX_RINGS } from './layout.js';

/** Packets moved per dequeue while draining a ring. */
const DRAIN_BURST = 64;

/** The link of a started port. */
export const LINK_UP: Link = Object.freeze({ up: true, speed: LinkSpeed.G10, fullDuplex: true, autoneg: false });
/** The link of a port that is not started. */
export const LINK_DOWN: Link = Object.freeze({ ...LINK_UP, up: false });

/** Rx and tx ring counts of a port. */
export function ringCounts(dev: EthDev): { rx: number; tx: number } {
  const { u32 } = dev.eal.arena;
  const priv = dev.data.privOffset;
  return { rx: u32[(priv + RP_NB_RX) >>> 2], tx: u32[(priv + RP_NB_TX) >>> 2] };
}

/** Arena offsets of every ring a port uses, rx and tx. */
function ringOffsets(dev: EthDev): number[] {
  const { u32 } = dev.eal.arena;
  const priv = dev.data.privOffset;
  const { rx, tx } = ringCounts(dev);
  const offsets: number[] = [];
  for (let i = 0; i < rx; i++) offsets.push(u32[(priv + RP_RX_RINGS + i * 4) >>> 2]);
  for (let i = 0; i < tx; i++) offsets.push(u32[(priv + RP_TX_RINGS + i * 4) >>> 2]);
  return offsets;
}

/** The control side of one net_ring port. */
export class RingPortOps implements EthdevOps {
  /** Rings this port frees at close (or hands to another port still using them). */
  readonly owned: Ring[];
  readonly #mbufs: MbufView;
  readonly #scratch = new Uint32Array(DRAIN_BURST);

  constructor(arena: Arena, owned: Ring[]) {
    this.owned = owned;
    this.#mbufs = new MbufView(arena);
  }

  infoGet(dev: EthDev): PmdDevInfo {
    const { rx, tx } = ringCounts(dev);
    return {
      maxMacAddrs: 1,
      maxRxQueues: rx,
      maxTxQueues: tx,
      minRxBufSize: 0,
      rxOffloadCapa: RxOffload.SCATTER,
      txOffloadCapa: TxOffload.MULTI_SEGS,
    };
  }

  start(dev: EthDev): void {
    linkStatusSet(dev, LINK_UP);
  }

  stop(dev: EthDev): void {
    linkStatusSet(dev, LINK_DOWN);
    this.#drainRx(dev);
  }

  close(dev: EthDev): void {
    this.#drainRx(dev);
    for (const ring of this.owned) {
      const heir = ports(dev.eal)
        .map(ethDevOf)
        .find((other) => other !== dev && isRingPort(other) && ringOffsets(other).includes(ring.offset));
      if (heir) {
        (heir.ops as RingPortOps).owned.push(ring);
      } else {
        this.#drain(ring);
        ring.free();
      }
    }
    this.owned.length = 0;
  }

  reset(dev: EthDev): void {
    this.#drainRx(dev);
  }

  setLinkUp(dev: EthDev): void {
    linkStatusSet(dev, LINK_UP);
  }

  setLinkDown(dev: EthDev): void {
    linkStatusSet(dev, LINK_DOWN);
  }

  linkUpdate(): void {
    // The link is what start, stop and the link calls stored; there is nothing to poll.
  }

  promiscuousEnable(): void {
    // A ring delivers every packet: the modes are accepted and change nothing.
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

  rxQueueSetup(): void {
    // Rx queue i is rx ring i; it needs neither descriptors nor the mempool.
  }

  txQueueSetup(): void {
    // Tx queue i is tx ring i.
  }

  /** Returns the mbufs waiting in every rx ring of the port to their pools. */
  #drainRx(dev: EthDev): void {
    const { rx } = ringCounts(dev);
    for (let i = 0; i < rx; i++) this.#drain(queueRing(dev.data, RP_RX_RINGS, i));
  }

  #drain(ring: Ring): void {
    const scratch = this.#scratch;
    for (let n = ring.dequeueBurst(scratch, DRAIN_BURST); n > 0; n = ring.dequeueBurst(scratch, DRAIN_BURST)) {
      this.#mbufs.freeBulk(scratch, n);
    }
  }
}

/** Whether `dev` is a net_ring port. */
export function isRingPort(dev: EthDev): boolean {
  return dev.driverName === NET_RING && dev.ops instanceof RingPortOps;
}
