/**
 * The control operations of a net_af_packet port (DPDK's `eth_dev_ops` of
 * `rte_eth_af_packet.c`), on the kernel interface behind it: the link is the interface's
 * (up while it is up and running), link up/down, MTU and MAC changes go to the interface,
 * promiscuous and all-multicast modes are socket memberships (so they end with the port),
 * and `imissed` counts what the kernel dropped for want of ring space. The port holds no
 * mbufs between bursts; a start drops what the rings gathered while it was stopped.
 */
import { NetifPortOps, TxOffload, type EthDev, type EthdevOps, type EthStats, type PmdDevInfo } from '@nic/ethdev/driver';
import {
  netifInfo,
  netifSetMac,
  netifSetMtu,
  packetMembership,
  packetStatistics,
  TPACKET3_TX_DATA_OFFSET,
  type PacketMembershipType,
  type PacketSocket,
} from '@nic/native';
import { AP_FRAME_SIZE, AP_TX_MAX_LEN } from './layout.js';
import { QpairRing } from './ring.js';
import { flushRx, VLAN_TAG_LEN } from './rx.js';
import { ETHER_HDR_LEN } from './tx.js';

/** The longest frame a tx frame of `frameSize` bytes holds. */
function frameDataSize(frameSize: number): number {
  return frameSize - TPACKET3_TX_DATA_OFFSET;
}

/** The control side of one net_af_packet port. */
export class AfPacketPortOps extends NetifPortOps implements EthdevOps {
  /** One socket per queue pair; empty once closed. */
  readonly sockets: PacketSocket[];
  readonly #modes = new Set<PacketMembershipType>();
  /** Kernel drops counted per socket since the last statistics reset. */
  readonly #drops: number[];

  constructor(iface: string, sockets: PacketSocket[]) {
    super(iface);
    this.sockets = sockets;
    this.#drops = sockets.map(() => 0);
  }

  infoGet(dev: EthDev): PmdDevInfo {
    const maxRxPktLen = frameDataSize(dev.eal.arena.u32[(dev.data.privOffset + AP_FRAME_SIZE) >>> 2]);
    return {
      maxRxQueues: this.sockets.length,
      maxTxQueues: this.sockets.length,
      maxMacAddrs: 1,
      maxRxPktLen,
      maxMtu: maxRxPktLen - ETHER_HDR_LEN - VLAN_TAG_LEN,
      // A received frame plus the VLAN tag put back into it.
      minRxBufSize: maxRxPktLen + VLAN_TAG_LEN,
      txOffloadCapa: TxOffload.MULTI_SEGS,
    };
  }

  start(dev: EthDev): void {
    this.#setTxMaxLen(dev, netifInfo(this.iface).mtu);
    const { arena } = dev.eal;
    this.sockets.forEach((_, q) => flushRx(new QpairRing(arena, dev.data.privOffset, q), arena.u32));
  }

  stop(): void {
    // Bursts copy packets in and out of the rings: no mbuf stays with the port.
  }

  close(): void {
    for (const socket of this.sockets) socket.close();
    this.sockets.length = 0;
    this.#modes.clear();
  }

  promiscuousEnable(): void {
    this.#membership('promisc', true);
  }

  promiscuousDisable(): void {
    this.#membership('promisc', false);
  }

  allmulticastEnable(): void {
    this.#membership('allmulti', true);
  }

  allmulticastDisable(): void {
    this.#membership('allmulti', false);
  }

  /** Gives the interface the address, unless it has it already (some refuse changes while up). */
  macAddrSet(_dev: EthDev, mac: Uint8Array): void {
    const current = netifInfo(this.iface).mac;
    if (current.every((b, i) => b === mac[i])) return;
    netifSetMac(this.iface, mac);
  }

  mtuSet(dev: EthDev, mtu: number): void {
    netifSetMtu(this.iface, mtu);
    this.#setTxMaxLen(dev, mtu);
  }

  statsGet(_dev: EthDev, stats: EthStats): void {
    this.#collectDrops();
    stats.imissed += this.#drops.reduce((a, b) => a + b, 0);
  }

  statsReset(): void {
    this.#collectDrops();
    this.#drops.fill(0);
  }

  rxQueueSetup(): void {
    // Rx queue i reads the rx ring of socket i; ethdev checked the pool's room (minRxBufSize).
  }

  txQueueSetup(): void {
    // Tx queue i writes the tx ring of socket i, sized by the device arguments.
  }

  /** The longest frame the kernel sends: what a tx frame holds, and the MTU with an Ethernet header and a VLAN tag. */
  #setTxMaxLen(dev: EthDev, mtu: number): void {
    const { u32 } = dev.eal.arena;
    const priv = dev.data.privOffset;
    u32[(priv + AP_TX_MAX_LEN) >>> 2] = Math.min(frameDataSize(u32[(priv + AP_FRAME_SIZE) >>> 2]), mtu + ETHER_HDR_LEN + VLAN_TAG_LEN);
  }

  #membership(type: PacketMembershipType, on: boolean): void {
    if (this.#modes.has(type) === on || this.sockets.length === 0) return;
    const socket = this.sockets[0];
    packetMembership(socket.fd, socket.ifindex, type, on);
    if (on) this.#modes.add(type);
    else this.#modes.delete(type);
  }

  /** Adds what the kernel dropped since the last read (reading resets its counters). */
  #collectDrops(): void {
    this.sockets.forEach((socket, q) => {
      this.#drops[q] += packetStatistics(socket.fd).drops;
    });
  }
}
