/**
 * The control operations of a net_e1000_igb port (`eth_dev_ops`): device information,
 * queue set-up, start and stop (DPDK's `eth_igb_start`/`eth_igb_stop` order), link, rx
 * modes and filters, MTU, RSS, statistics. They run on the thread that probed the device.
 */
import { NicError, pktmbufDataRoomSize, type Mempool } from '@nic/eal';
import { MBUF_HEADROOM } from '@nic/eal/layout';
import {
  ETHER_OVERHEAD,
  linkStatusSet,
  LinkSpeed,
  PF_ALLMULTI,
  PF_PROMISC,
  RssHf,
  RxOffload,
  TxOffload,
  type EthDev,
  type EthdevOps,
  type EthStats,
  type PmdDevInfo,
  type RxConf,
  type TxConf,
} from '@nic/ethdev/driver';
import {
  accumulateCounters,
  counterIndex,
  DESC_COUNT_ALIGN,
  DESC_SIZE,
  mtaUpdate,
  rarClear,
  rarSet,
  retaRoundRobin,
  retaWrite,
  rssKeyWrite,
  vftaSet,
  vftaWriteAll,
  type IntelHw,
} from '@nic/intel-common';
import {
  freeQueueZone,
  Q_NB_DESC,
  Q_RING,
  queueZoneName,
  rxQueueDrain,
  rxQueueFill,
  rxQueueInit,
  txQueueDrain,
  txQueueInit,
  txQueueReset,
  TQF_FAST_FREE,
} from '@nic/intel-common/driver';
import { DESC_COUNT_MAX, DESC_COUNT_MIN, RXDEXT_ERR_FRAME } from './base/desc.js';
import { readHwLink } from './base/link.js';
import { phyAutoneg, phyPower } from './base/phy.js';
import * as R from './base/regs.js';
import { mrqcWrite } from './base/rss.js';
import { COUNTERS } from './base/stats.js';
import type { IgbInterrupts } from './interrupts.js';
import { rxRecord, txRecord } from './layout.js';

/** Memzone names of igb queues start with this. */
const ZONE_PREFIX = 'igb';

/** The key RSS uses unless the application gives one (DPDK's igb default, also Microsoft's example key). */
export const DEFAULT_RSS_KEY = Uint8Array.of(
  0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
  0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
  0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
);

/** The largest frame the MAC takes (RLPML is 14 bits). */
export const MAX_RX_PKT_LEN = 0x3fff;
/** Frames up to this length need no long-packet enable (1518 plus a VLAN tag). */
const MAX_NORMAL_FRAME = 1522;
/** Bytes of a VLAN tag. */
const VLAN_TAG_LEN = 4;
/** Rx buffers are programmed in 1 KiB units. */
const RX_BUF_UNIT = 1 << R.SRRCTL_BSIZEPKT_SHIFT;
/** Queue thresholds DPDK uses by default (82576 write-back threshold clamped to 1). */
const RX_PTHRESH = 8;
const RX_HTHRESH = 8;
const TX_PTHRESH = 8;
const TX_HTHRESH = 1;
const WTHRESH_82576 = 1;
/** Ring size and burst the driver prefers. */
const PREFERRED_RING_SIZE = 256;
const PREFERRED_BURST = 32;
const MAX_MAC_ADDRS = R.RAR_ENTRIES;
const TWO_32 = 2 ** 32;
/** How long `linkGet` waits for autonegotiation (DPDK polls 90 x 100 ms). */
const LINK_WAIT_POLLS = 90;
const LINK_WAIT_MS = 100;

const C_MISSED = counterIndex(COUNTERS, 'rx_missed_packets');
const C_CRC = counterIndex(COUNTERS, 'rx_crc_errors');
const C_LENGTH = counterIndex(COUNTERS, 'rx_length_errors');
const C_DATA = counterIndex(COUNTERS, 'rx_data_errors');
const C_ALIGN = counterIndex(COUNTERS, 'rx_align_errors');
const C_EXCESSIVE_COLLISIONS = counterIndex(COUNTERS, 'tx_excessive_collision_packets');
const C_LATE_COLLISIONS = counterIndex(COUNTERS, 'tx_late_collisions');

const RSS_OFFLOADS =
  RssHf.IPV4 | RssHf.NONFRAG_IPV4_TCP | RssHf.NONFRAG_IPV4_UDP | RssHf.IPV6 | RssHf.NONFRAG_IPV6_TCP | RssHf.NONFRAG_IPV6_UDP;

/** What the ops need about the device besides its registers. */
export interface IgbDeviceFacts {
  /** Queues each way (16 on the 82576, 8 on the I350). */
  readonly maxQueues: number;
}

function lo32(v: number): number {
  return v % TWO_32;
}

function hi32(v: number): number {
  return Math.floor(v / TWO_32);
}

/** The control operations of one port. */
export class IgbOps implements EthdevOps {
  readonly hw: IntelHw;
  readonly facts: IgbDeviceFacts;
  /** Set once the port is allocated: the device's interrupts. */
  interrupts: IgbInterrupts | undefined;
  /** Counter totals since the last reset, one per {@link COUNTERS} entry. */
  readonly #totals = new Float64Array(COUNTERS.length);
  #started = false;

  constructor(hw: IntelHw, facts: IgbDeviceFacts) {
    this.hw = hw;
    this.facts = facts;
  }

  infoGet(): PmdDevInfo {
    const lim = { min: DESC_COUNT_MIN, max: DESC_COUNT_MAX, align: DESC_COUNT_ALIGN };
    return {
      minMtu: 68,
      maxMtu: MAX_RX_PKT_LEN - ETHER_OVERHEAD,
      maxRxPktLen: MAX_RX_PKT_LEN,
      minRxBufSize: RX_BUF_UNIT,
      maxRxQueues: this.facts.maxQueues,
      maxTxQueues: this.facts.maxQueues,
      maxMacAddrs: MAX_MAC_ADDRS,
      rxOffloadCapa: RxOffload.VLAN_STRIP | RxOffload.VLAN_FILTER | RxOffload.SCATTER | RxOffload.RSS_HASH,
      txOffloadCapa: TxOffload.MULTI_SEGS | TxOffload.MBUF_FAST_FREE,
      rxQueueOffloadCapa: 0,
      txQueueOffloadCapa: 0,
      flowTypeRssOffloads: RSS_OFFLOADS,
      hashKeySize: R.RSS_KEY_SIZE,
      retaSize: R.RETA_ENTRIES,
      rxDescLim: lim,
      txDescLim: lim,
      defaultRxPortConf: { burstSize: PREFERRED_BURST, ringSize: PREFERRED_RING_SIZE, nbQueues: 1 },
      defaultTxPortConf: { burstSize: PREFERRED_BURST, ringSize: PREFERRED_RING_SIZE, nbQueues: 1 },
    };
  }

  rxQueueSetup(dev: EthDev, queue: number, nbDesc: number, conf: RxConf, mempool: Mempool): void {
    const room = pktmbufDataRoomSize(mempool) - MBUF_HEADROOM;
    if (room < RX_BUF_UNIT) {
      throw new NicError('NIC_EINVAL', `${dev.name}: rx queue ${queue}: mempool ${mempool.name} has ${room} bytes of data room past the headroom; igb needs at least ${RX_BUF_UNIT}`);
    }
    rxQueueInit(dev.eal.arena, rxRecord(dev.data.privOffset, queue), nbDesc, {
      zone: queueZoneName(ZONE_PREFIX, dev.port, 'rx', queue),
      tailReg: R.RDT(queue),
      maxDesc: DESC_COUNT_MAX,
      port: dev.port,
      errMask: RXDEXT_ERR_FRAME,
      vlanStrip: ((dev.conf.rxMode.offloads | (conf.offloads ?? 0)) & RxOffload.VLAN_STRIP) !== 0,
    });
  }

  txQueueSetup(dev: EthDev, queue: number, nbDesc: number, conf: TxConf): void {
    const offloads = dev.conf.txMode.offloads | (conf.offloads ?? 0);
    const flags = (offloads & TxOffload.MBUF_FAST_FREE) !== 0 ? TQF_FAST_FREE : 0;
    txQueueInit(dev.eal.arena, txRecord(dev.data.privOffset, queue), nbDesc, {
      zone: queueZoneName(ZONE_PREFIX, dev.port, 'tx', queue),
      tailReg: R.TDT(queue),
      maxDesc: DESC_COUNT_MAX,
      flags,
    });
  }

  rxQueueRelease(dev: EthDev, queue: number): void {
    freeQueueZone(dev.eal.arena, queueZoneName(ZONE_PREFIX, dev.port, 'rx', queue));
  }

  txQueueRelease(dev: EthDev, queue: number): void {
    freeQueueZone(dev.eal.arena, queueZoneName(ZONE_PREFIX, dev.port, 'tx', queue));
  }

  start(dev: EthDev): void {
    const hw = this.hw;
    this.interrupts?.beforeStart();
    phyPower(hw, true);
    this.#writeMacs(dev);
    hw.write(R.VET, R.ETHERTYPE_VLAN);
    hw.setBits(R.CTRL_EXT, R.CTRL_EXT_PFRSTD | R.CTRL_EXT_DRV_LOAD);
    this.#txInit(dev);
    try {
      this.#rxInit(dev);
    } catch (e) {
      this.#stopQueues(dev);
      throw e;
    }
    accumulateCounters(hw, COUNTERS, new Float64Array(COUNTERS.length));
    hw.setBits(R.CTRL, R.CTRL_SLU);
    phyAutoneg(hw);
    this.#started = true;
    this.interrupts?.afterStart(dev);
    this.#updateLink(dev);
  }

  /** Stops the port; on a device that has left the bus, only gives the mbufs back. */
  stop(dev: EthDev): void {
    this.#started = false;
    this.interrupts?.beforeStop();
    this.#stopQueues(dev);
    if (!this.hw.removed()) {
      phyPower(this.hw, false);
      this.hw.clearBits(R.CTRL, R.CTRL_SLU);
    }
    this.interrupts?.afterStop();
    linkStatusSet(dev, { up: false, speed: 0, fullDuplex: false, autoneg: true });
  }

  close(dev: EthDev): void {
    for (let q = 0; q < dev.rxQueues.length; q++) this.rxQueueRelease(dev, q);
    for (let q = 0; q < dev.txQueues.length; q++) this.txQueueRelease(dev, q);
  }

  linkUpdate(dev: EthDev, waitToComplete: boolean): void | Promise<void> {
    if (!waitToComplete || !this.#started || readHwLink(this.hw).up) {
      this.#updateLink(dev);
      return;
    }
    return this.#waitLink(dev);
  }

  setLinkUp(): void {
    phyPower(this.hw, true);
    phyAutoneg(this.hw);
  }

  setLinkDown(): void {
    phyPower(this.hw, false);
  }

  promiscuousEnable(): void {
    this.hw.setBits(R.RCTL, R.RCTL_UPE | R.RCTL_MPE);
  }

  promiscuousDisable(dev: EthDev): void {
    this.hw.clearBits(R.RCTL, dev.data.flags & PF_ALLMULTI ? R.RCTL_UPE : R.RCTL_UPE | R.RCTL_MPE);
  }

  allmulticastEnable(): void {
    this.hw.setBits(R.RCTL, R.RCTL_MPE);
  }

  allmulticastDisable(dev: EthDev): void {
    if ((dev.data.flags & PF_PROMISC) === 0) this.hw.clearBits(R.RCTL, R.RCTL_MPE);
  }

  macAddrSet(_dev: EthDev, mac: Uint8Array): void {
    rarSet(this.hw, R.RAL(0), R.RAH(0), mac);
  }

  macAddrAdd(_dev: EthDev, mac: Uint8Array, index: number): void {
    rarSet(this.hw, R.RAL(index), R.RAH(index), mac);
  }

  macAddrRemove(_dev: EthDev, index: number): void {
    rarClear(this.hw, R.RAL(index), R.RAH(index));
  }

  mtuSet(_dev: EthDev, mtu: number): void {
    this.#writeFrameLimit(mtu);
  }

  vlanFilterSet(_dev: EthDev, vlanId: number, on: boolean): void {
    vftaSet(this.hw, R.VFTA, vlanId, on);
  }

  statsGet(_dev: EthDev, stats: EthStats): void {
    const t = this.#accumulate();
    stats.imissed += t[C_MISSED];
    stats.ierrors += t[C_CRC] + t[C_LENGTH] + t[C_DATA] + t[C_ALIGN];
    stats.oerrors += t[C_EXCESSIVE_COLLISIONS] + t[C_LATE_COLLISIONS];
  }

  statsReset(): void {
    this.#accumulate().fill(0);
  }

  xstatsGetNames(): string[] {
    return COUNTERS.map((c) => c.name);
  }

  xstatsGet(): number[] {
    return Array.from(this.#accumulate());
  }

  xstatsReset(): void {
    this.statsReset();
  }

  setMcAddrList(_dev: EthDev, macs: readonly Uint8Array[]): void {
    mtaUpdate(this.hw, R.MTA, macs);
  }

  #accumulate(): Float64Array {
    accumulateCounters(this.hw, COUNTERS, this.#totals);
    return this.#totals;
  }

  #writeMacs(dev: EthDev): void {
    for (let i = 0; i < MAX_MAC_ADDRS; i++) {
      const mac = i === 0 ? dev.data.mac : dev.macAddrs[i];
      if (mac) rarSet(this.hw, R.RAL(i), R.RAH(i), mac);
      else rarClear(this.hw, R.RAL(i), R.RAH(i));
    }
  }

  /** Long packets on above the standard MTU, limited to the MTU's frame with a VLAN tag. */
  #writeFrameLimit(mtu: number): void {
    const frame = mtu + ETHER_OVERHEAD + VLAN_TAG_LEN;
    if (frame > MAX_NORMAL_FRAME) {
      this.hw.write(R.RLPML, frame);
      this.hw.setBits(R.RCTL, R.RCTL_LPE);
    } else {
      this.hw.clearBits(R.RCTL, R.RCTL_LPE);
    }
  }

  #txInit(dev: EthDev): void {
    const hw = this.hw;
    const arena = dev.eal.arena;
    for (let q = 0; q < dev.data.nbTxQueues; q++) {
      const rec = txRecord(dev.data.privOffset, q);
      txQueueReset(arena, rec);
      const iova = arena.iova(arena.u32[(rec + Q_RING) >>> 2]);
      hw.write(R.TDBAL(q), lo32(iova));
      hw.write(R.TDBAH(q), hi32(iova));
      hw.write(R.TDLEN(q), arena.u32[(rec + Q_NB_DESC) >>> 2] * DESC_SIZE);
      hw.write(R.TDH(q), 0);
      hw.write(R.TDT(q), 0);
      hw.write(R.TXDCTL(q), TX_PTHRESH | (TX_HTHRESH << R.XDCTL_HTHRESH_SHIFT) | (WTHRESH_82576 << R.XDCTL_WTHRESH_SHIFT) | R.XDCTL_QUEUE_ENABLE);
    }
    hw.write(R.TCTL, R.TCTL_PSP | R.TCTL_RTLC | R.TCTL_EN | (R.TCTL_CT_DEFAULT << R.TCTL_CT_SHIFT) | (R.TCTL_COLD_FD << R.TCTL_COLD_SHIFT));
  }

  #rxInit(dev: EthDev): void {
    const hw = this.hw;
    const arena = dev.eal.arena;
    const nbRx = dev.data.nbRxQueues;
    hw.clearBits(R.RCTL, R.RCTL_EN);
    this.#writeFrameLimit(dev.data.mtu);
    for (let q = 0; q < nbRx; q++) {
      const setup = dev.rxQueues[q];
      if (!setup) throw new NicError('NIC_EINVAL', `${dev.name}: rx queue ${q} is not set up`);
      const rec = rxRecord(dev.data.privOffset, q);
      rxQueueFill(arena, rec, setup.mempool, `${dev.name} rx queue ${q}`);
      const iova = arena.iova(arena.u32[(rec + Q_RING) >>> 2]);
      const nbDesc = arena.u32[(rec + Q_NB_DESC) >>> 2];
      const room = pktmbufDataRoomSize(setup.mempool) - MBUF_HEADROOM;
      hw.write(R.RDBAL(q), lo32(iova));
      hw.write(R.RDBAH(q), hi32(iova));
      hw.write(R.RDLEN(q), nbDesc * DESC_SIZE);
      const bsize = Math.min(room >>> R.SRRCTL_BSIZEPKT_SHIFT, R.SRRCTL_BSIZEPKT_MASK);
      hw.write(R.SRRCTL(q), R.SRRCTL_DESCTYPE_ADV_ONEBUF | bsize | (nbRx > 1 ? R.SRRCTL_DROP_EN : 0));
      hw.write(R.RXDCTL(q), RX_PTHRESH | (RX_HTHRESH << R.XDCTL_HTHRESH_SHIFT) | (WTHRESH_82576 << R.XDCTL_WTHRESH_SHIFT) | R.XDCTL_QUEUE_ENABLE);
    }
    hw.setBits(R.RXCSUM, R.RXCSUM_PCSD);
    this.#rssInit(dev);
    const offloads = dev.conf.rxMode.offloads;
    if ((offloads & RxOffload.VLAN_STRIP) !== 0) hw.setBits(R.CTRL, R.CTRL_VME);
    else hw.clearBits(R.CTRL, R.CTRL_VME);
    if ((offloads & RxOffload.VLAN_FILTER) !== 0) vftaWriteAll(hw, R.VFTA, dev.vlanFilter);
    const flags = dev.data.flags;
    let rctl = (hw.read(R.RCTL) & R.RCTL_LPE) | R.RCTL_EN | R.RCTL_BAM | R.RCTL_SECRC | R.RCTL_RDMTS_HALF;
    if ((offloads & RxOffload.VLAN_FILTER) !== 0) rctl |= R.RCTL_VFE;
    if ((flags & PF_PROMISC) !== 0) rctl |= R.RCTL_UPE | R.RCTL_MPE;
    if ((flags & PF_ALLMULTI) !== 0) rctl |= R.RCTL_MPE;
    hw.write(R.RCTL, rctl);
    for (let q = 0; q < nbRx; q++) {
      hw.write(R.RDH(q), 0);
      hw.write(R.RDT(q), arena.u32[(rxRecord(dev.data.privOffset, q) + Q_NB_DESC) >>> 2] - 1);
    }
  }

  #rssInit(dev: EthDev): void {
    const hw = this.hw;
    const nbRx = dev.data.nbRxQueues;
    const { rss, rxMode } = dev.conf;
    if (rxMode.mqMode !== 'rss' || rss.hf === 0) {
      mrqcWrite(hw, undefined);
      return;
    }
    rssKeyWrite(hw, R.RSSRK, rss.key ?? DEFAULT_RSS_KEY);
    retaWrite(hw, R.RETA, retaRoundRobin(nbRx));
    const hf = rss.hf;
    mrqcWrite(hw, {
      ipv4: (hf & RssHf.IPV4) !== 0,
      ipv4Tcp: (hf & RssHf.NONFRAG_IPV4_TCP) !== 0,
      ipv4Udp: (hf & RssHf.NONFRAG_IPV4_UDP) !== 0,
      ipv6: (hf & RssHf.IPV6) !== 0,
      ipv6Tcp: (hf & RssHf.NONFRAG_IPV6_TCP) !== 0,
      ipv6Udp: (hf & RssHf.NONFRAG_IPV6_UDP) !== 0,
    });
  }

  #stopQueues(dev: EthDev): void {
    const hw = this.hw;
    const arena = dev.eal.arena;
    hw.clearBits(R.RCTL, R.RCTL_EN);
    hw.clearBits(R.TCTL, R.TCTL_EN);
    for (let q = 0; q < dev.data.nbRxQueues; q++) {
      hw.write(R.RXDCTL(q), 0);
      if (dev.rxQueues[q]) rxQueueDrain(arena, rxRecord(dev.data.privOffset, q));
    }
    for (let q = 0; q < dev.data.nbTxQueues; q++) {
      hw.write(R.TXDCTL(q), 0);
      if (dev.txQueues[q]) txQueueDrain(arena, txRecord(dev.data.privOffset, q));
    }
    hw.flush();
  }

  /** Reads the link into the port's shared data; returns whether it changed. */
  #updateLink(dev: EthDev): boolean {
    const link = readHwLink(this.hw);
    return linkStatusSet(dev, { up: link.up, speed: link.up ? link.speed : LinkSpeed.NONE, fullDuplex: link.fullDuplex, autoneg: true });
  }

  async #waitLink(dev: EthDev): Promise<void> {
    for (let i = 0; i < LINK_WAIT_POLLS && this.#started && !readHwLink(this.hw).up; i++) {
      await new Promise((resolve) => setTimeout(resolve, LINK_WAIT_MS));
    }
    this.#updateLink(dev);
  }

  /** Refreshes the link after a link-change interrupt; returns whether it changed. */
  linkChanged(dev: EthDev): boolean {
    return this.#updateLink(dev);
  }
}
