/**
 * The control operations of a net_null port (DPDK's `eth_dev_ops` of `rte_eth_null.c`):
 * the link is up while started (10 Gbps, full duplex, fixed); MTU and MAC changes are
 * accepted; RSS is advertised (the protocol hash types, a 40-byte key, 128 RETA entries)
 * though nothing is hashed. As in DPDK, there are no receive-mode operations: the port is
 * promiscuous and all-multicast for good. The port holds no mbufs between bursts.
 */
import { NicError, pktmbufDataRoomSize, type Mempool } from '@nic/eal';
import { MBUF_HEADROOM } from '@nic/eal/layout';
import {
  ETH_MAX_QUEUES_PER_PORT,
  LinkSpeed,
  linkStatusSet,
  RSS_PROTO_MASK,
  TxOffload,
  type EthDev,
  type EthdevOps,
  type Link,
  type PmdDevInfo,
} from '@nic/ethdev/driver';
import { NP_SIZE } from './layout.js';

/** The link of a started port. */
export const LINK_UP: Link = Object.freeze({ up: true, speed: LinkSpeed.G10, fullDuplex: true, autoneg: false });
/** The link of a port that is not started. */
export const LINK_DOWN: Link = Object.freeze({ ...LINK_UP, up: false });
/** RSS key length (DPDK's `rss_key[40]`). */
export const NULL_HASH_KEY_SIZE = 40;
/** RSS redirection table entries (`RTE_ETH_RSS_RETA_SIZE_128`). */
export const NULL_RETA_SIZE = 128;

/** The control side of a net_null port. */
export class NullPortOps implements EthdevOps {
  infoGet(): PmdDevInfo {
    return {
      maxMacAddrs: 1,
      maxRxQueues: ETH_MAX_QUEUES_PER_PORT,
      maxTxQueues: ETH_MAX_QUEUES_PER_PORT,
      minRxBufSize: 0,
      txOffloadCapa: TxOffload.MULTI_SEGS,
      retaSize: NULL_RETA_SIZE,
      flowTypeRssOffloads: RSS_PROTO_MASK,
      hashKeySize: NULL_HASH_KEY_SIZE,
    };
  }

  start(dev: EthDev): void {
    linkStatusSet(dev, LINK_UP);
  }

  stop(dev: EthDev): void {
    linkStatusSet(dev, LINK_DOWN);
  }

  linkUpdate(): void {
    // The link is what start and stop stored; there is nothing to poll.
  }

  mtuSet(): void {
    // Any MTU within the limits is fine: nothing is received from a wire.
  }

  macAddrSet(): void {
    // Nothing filters on the address.
  }

  /**
   * Checks that the pool's mbufs hold a packet of the configured size past the headroom.
   * @throws NicError `NIC_EINVAL` when they do not.
   */
  rxQueueSetup(dev: EthDev, queue: number, _nbDesc: number, _conf: unknown, mempool: Mempool): void {
    const size = dev.eal.arena.u32[(dev.data.privOffset + NP_SIZE) >>> 2];
    const room = pktmbufDataRoomSize(mempool) - MBUF_HEADROOM;
    if (room < size) {
      throw new NicError('NIC_EINVAL', `${dev.name}: rx queue ${queue}: mempool '${mempool.name}' buffers hold ${room} bytes past the headroom, packets are ${size}`);
    }
  }

  txQueueSetup(): void {
    // A tx queue is only counters.
  }
}
