/**
 * The control operations of a net_ixgbe port (`eth_dev_ops`), in DPDK's `ixgbe_dev_start`
 * / `ixgbe_dev_stop` order: transmit set-up (HLREG0, ring registers, DMATXCTL.TE, each
 * queue enabled with TXDCTL.ENABLE polled), receive set-up (RXCTRL.RXEN off, FCTRL,
 * HLREG0/MAXFRS, RDRXCTL, ring registers, SRRCTL, RSS, VLAN, each queue enabled with
 * RXDCTL.ENABLE polled and RDT armed, then RXCTRL.RXEN), link set-up through AUTOC, and the
 * filters, MTU, statistics and interrupts. They run on the thread that probed the device.
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
  HwError,
  mtaUpdate,
  rarClear,
  rarSet,
  RETA_ENTRIES,
  retaRoundRobin,
  retaWrite,
  RSS_KEY_SIZE,
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
import { DESC_COUNT_MAX, DESC_COUNT_MIN, RXDADV_ERR_FRAME } from './base/desc.js';
import type { MediaType } from './base/ids.js';
import { readHwLink, setupLink } from './base/link.js';
import * as R from './base/regs.js';
import { mrqcWrite } from './base/rss.js';
import { is10G, type SfpModule } from './base/sfp.js';
import { COUNTERS, IERRORS, IMISSED } from './base/stats.js';
import type { IxgbeInterrupts } from './interrupts.js';
import { IXGBE_LAYOUT } from './layout.js';

/** The key RSS uses unless the application gives one (DPDK's default, Microsoft's example key). */
export const DEFAULT_RSS_KEY = Uint8Array.of(
  0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
  0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
  0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
);

/** The largest frame the MAC takes (MAXFRS, DPDK's `IXGBE_FRAME_SIZE_MAX`). */
export const MAX_RX_PKT_LEN = 15872;
/** Frames up to this length need no jumbo enable (1518 plus a VLAN tag). */
const MAX_NORMAL_FRAME = 1522;
const VLAN_TAG_LEN = 4;
/** Rx buffers are programmed in 1 KiB units. */
const RX_BUF_UNIT = 1 << R.SRRCTL_BSIZEPKT_SHIFT;
/** DPDK's default thresholds: rx prefetch 8, host 8, write-back 0; tx prefetch 32, host 0, write-back 0. */
const RX_PTHRESH = 8;
const RX_HTHRESH = 8;
const TX_PTHRESH = 32;
/** Polls of a queue's enable bit, 1 ms apart (DPDK waits up to 10 ms). */
const QUEUE_ENABLE_POLLS = 10;
const PREFERRED_RING_SIZE = 256;
const PREFERRED_BURST = 32;
const MIN_MTU = 68;
const TWO_32 = 2 ** 32;
/** How long `linkGet` waits for the link (DPDK polls 9 s on fiber). */
const LINK_WAIT_POLLS = 90;
const LINK_WAIT_MS = 100;
/** Queues RSS spreads over: a RETA entry has 4 bits on the 82599 and X540. */
const RSS_MAX_QUEUES = 16;
/** Memzone names of ixgbe queues start with this. */
const ZONE_PREFIX = 'ixgbe';
/** Receive address pool 0, where every address goes outside virtualization. */
const MPSAR_POOL0 = 1;

const C_IERRORS = IERRORS.map((name) => counterIndex(COUNTERS, name));
const C_IMISSED = IMISSED.map((name) => counterIndex(COUNTERS, name));

const RSS_OFFLOADS =
  RssHf.IPV4 | RssHf.NONFRAG_IPV4_TCP | RssHf.NONFRAG_IPV4_UDP | RssHf.IPV6 | RssHf.NONFRAG_IPV6_TCP | RssHf.NONFRAG_IPV6_UDP;

/** What the ops need about the device besides its registers. */
export interface IxgbeDeviceFacts {
  readonly media: MediaType;
  /** The SFP+ module found at probe (SFP ports only). */
  readonly sfp: SfpModule | undefined;
  readonly maxQueues: number;
}

function lo32(v: number): number {
  return v % TWO_32;
}

function hi32(v: number): number {
  return Math.floor(v / TWO_32);
}

function sum(t: Float64Array, indices: readonly number[]): number {
  let s = 0;
  for (const i of indices) s += t[i];
  return s;
}

/** The control operations of one port. */
export class IxgbeOps implements EthdevOps {
  readonly hw: IntelHw;
  readonly facts: IxgbeDeviceFacts;
  /** Set once the port is allocated: the device's interrupts. */
  interrupts: IxgbeInterrupts | undefined;
  readonly #totals = new Float64Array(COUNTERS.length);
  #started = false;

  constructor(hw: IntelHw, facts: IxgbeDeviceFacts) {
    this.hw = hw;
    this.facts = facts;
  }

  infoGet(): PmdDevInfo {
    const lim = { min: DESC_COUNT_MIN, max: DESC_COUNT_MAX, align: DESC_COUNT_ALIGN };
    return {
      minMtu: MIN_MTU,
      maxMtu: MAX_RX_PKT_LEN - ETHER_OVERHEAD,
      maxRxPktLen: MAX_RX_PKT_LEN,
      minRxBufSize: RX_BUF_UNIT,
      maxRxQueues: this.facts.maxQueues,
      maxTxQueues: this.facts.maxQueues,
      maxMacAddrs: R.RAR_ENTRIES,
      rxOffloadCapa: RxOffload.VLAN_STRIP | RxOffload.VLAN_FILTER | RxOffload.SCATTER | RxOffload.RSS_HASH,
      txOffloadCapa: TxOffload.MULTI_SEGS | TxOffload.MBUF_FAST_FREE,
      rxQueueOffloadCapa: RxOffload.VLAN_STRIP,
      txQueueOffloadCapa: 0,
      flowTypeRssOffloads: RSS_OFFLOADS,
      hashKeySize: RSS_KEY_SIZE,
      retaSize: RETA_ENTRIES,
      rxDescLim: lim,
      txDescLim: lim,
      defaultRxPortConf: { burstSize: PREFERRED_BURST, ringSize: PREFERRED_RING_SIZE, nbQueues: 1 },
      defaultTxPortConf: { burstSize: PREFERRED_BURST, ringSize: PREFERRED_RING_SIZE, nbQueues: 1 },
    };
  }

  rxQueueSetup(dev: EthDev, queue: number, nbDesc: number, conf: RxConf, mempool: Mempool): void {
    const room = pktmbufDataRoomSize(mempool) - MBUF_HEADROOM;
    if (room < RX_BUF_UNIT) {
      throw new NicError('NIC_EINVAL', `${dev.name}: rx queue ${queue}: mempool ${mempool.name} has ${room} bytes of data room past the headroom; ixgbe needs at least ${RX_BUF_UNIT}`);
    }
    rxQueueInit(dev.eal.arena, IXGBE_LAYOUT.rxRecord(dev.data.privOffset, queue), nbDesc, {
      zone: queueZoneName(ZONE_PREFIX, dev.port, 'rx', queue),
      tailReg: R.RDT(queue),
      maxDesc: DESC_COUNT_MAX,
      port: dev.port,
      errMask: RXDADV_ERR_FRAME,
      vlanStrip: ((dev.conf.rxMode.offloads | (conf.offloads ?? 0)) & RxOffload.VLAN_STRIP) !== 0,
    });
  }

  txQueueSetup(dev: EthDev, queue: number, nbDesc: number, conf: TxConf): void {
    const offloads = dev.conf.txMode.offloads | (conf.offloads ?? 0);
    txQueueInit(dev.eal.arena, IXGBE_LAYOUT.txRecord(dev.data.privOffset, queue), nbDesc, {
      zone: queueZoneName(ZONE_PREFIX, dev.port, 'tx', queue),
      tailReg: R.TDT(queue),
      maxDesc: DESC_COUNT_MAX,
      flags: (offloads & TxOffload.MBUF_FAST_FREE) !== 0 ? TQF_FAST_FREE : 0,
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
    this.#writeMacs(dev);
    hw.setBits(R.CTRL_EXT, R.CTRL_EXT_PFRSTD | R.CTRL_EXT_DRV_LOAD);
    try {
      this.#txInit(dev);
      this.#rxInit(dev);
    } catch (e) {
      this.#stopQueues(dev);
      throw this.#hwFailure(dev, e);
    }
    accumulateCounters(hw, COUNTERS, new Float64Array(COUNTERS.length));
    this.setLinkUp();
    this.#started = true;
    this.interrupts?.afterStart(dev);
    this.#updateLink(dev);
  }

  /** Stops the port; on a device that has left the bus, only gives the mbufs back. */
  stop(dev: EthDev): void {
    this.#started = false;
    this.interrupts?.beforeStop();
    this.#stopQueues(dev);
    if (!this.hw.removed()) this.setLinkDown();
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

  /** Turns an SFP+ port's laser on (TX_DISABLE low) and (re)starts link set-up. */
  setLinkUp(): void {
    const { media, sfp } = this.facts;
    if (media === 'sfp') {
      const esdp = (this.hw.read(R.ESDP) | R.ESDP_SDP3_DIR) & ~R.ESDP_SDP3;
      this.hw.write(R.ESDP, esdp >>> 0);
    }
    setupLink(this.hw, media, sfp === undefined || is10G(sfp));
  }

  /** Turns an SFP+ port's laser off, which takes the link down at both ends. */
  setLinkDown(): void {
    if (this.facts.media === 'sfp') this.hw.setBits(R.ESDP, R.ESDP_SDP3 | R.ESDP_SDP3_DIR);
  }

  promiscuousEnable(): void {
    this.hw.setBits(R.FCTRL, R.FCTRL_UPE | R.FCTRL_MPE);
  }

  promiscuousDisable(dev: EthDev): void {
    this.hw.clearBits(R.FCTRL, dev.data.flags & PF_ALLMULTI ? R.FCTRL_UPE : R.FCTRL_UPE | R.FCTRL_MPE);
  }

  allmulticastEnable(): void {
    this.hw.setBits(R.FCTRL, R.FCTRL_MPE);
  }

  allmulticastDisable(dev: EthDev): void {
    if ((dev.data.flags & PF_PROMISC) === 0) this.hw.clearBits(R.FCTRL, R.FCTRL_MPE);
  }

  macAddrSet(_dev: EthDev, mac: Uint8Array): void {
    this.#rarSet(0, mac);
  }

  macAddrAdd(_dev: EthDev, mac: Uint8Array, index: number): void {
    this.#rarSet(index, mac);
  }

  macAddrRemove(_dev: EthDev, index: number): void {
    rarClear(this.hw, R.RAL(index), R.RAH(index));
    this.hw.write(R.MPSAR_LO(index), 0);
  }

  mtuSet(_dev: EthDev, mtu: number): void {
    this.#writeFrameLimit(mtu);
  }

  vlanFilterSet(_dev: EthDev, vlanId: number, on: boolean): void {
    vftaSet(this.hw, R.VFTA, vlanId, on);
  }

  statsGet(_dev: EthDev, stats: EthStats): void {
    const t = this.#accumulate();
    stats.imissed += sum(t, C_IMISSED);
    stats.ierrors += sum(t, C_IERRORS);
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

  /** Refreshes the link after a link-change interrupt; returns whether it changed. */
  linkChanged(dev: EthDev): boolean {
    return this.#updateLink(dev);
  }

  #accumulate(): Float64Array {
    accumulateCounters(this.hw, COUNTERS, this.#totals);
    return this.#totals;
  }

  #rarSet(index: number, mac: Uint8Array): void {
    rarSet(this.hw, R.RAL(index), R.RAH(index), mac);
    this.hw.write(R.MPSAR_LO(index), MPSAR_POOL0);
  }

  #writeMacs(dev: EthDev): void {
    for (let i = 0; i < R.RAR_ENTRIES; i++) {
      const mac = i === 0 ? dev.data.mac : dev.macAddrs[i];
      if (mac) this.#rarSet(i, mac);
      else if (this.hw.read(R.RAH(i)) !== 0) this.macAddrRemove(dev, i);
    }
  }

  /** Jumbo frames on above the standard MTU, MAXFRS at the MTU's frame with a VLAN tag. */
  #writeFrameLimit(mtu: number): void {
    const frame = mtu + ETHER_OVERHEAD + VLAN_TAG_LEN;
    if (frame > MAX_NORMAL_FRAME) {
      this.hw.write(R.MAXFRS, (frame << R.MAXFRS_MFS_SHIFT) >>> 0);
      this.hw.setBits(R.HLREG0, R.HLREG0_JUMBOEN);
    } else {
      this.hw.clearBits(R.HLREG0, R.HLREG0_JUMBOEN);
    }
  }

  #txInit(dev: EthDev): void {
    const hw = this.hw;
    const arena = dev.eal.arena;
    hw.setBits(R.HLREG0, R.HLREG0_TXCRCEN | R.HLREG0_TXPADEN);
    const nbTx = dev.data.nbTxQueues;
    for (let q = 0; q < nbTx; q++) {
      const rec = IXGBE_LAYOUT.txRecord(dev.data.privOffset, q);
      txQueueReset(arena, rec);
      const iova = arena.iova(arena.u32[(rec + Q_RING) >>> 2]);
      hw.write(R.TDBAL(q), lo32(iova));
      hw.write(R.TDBAH(q), hi32(iova));
      hw.write(R.TDLEN(q), arena.u32[(rec + Q_NB_DESC) >>> 2] * DESC_SIZE);
      hw.write(R.TDH(q), 0);
      hw.write(R.TDT(q), 0);
      hw.write(R.TXDCTL(q), TX_PTHRESH);
    }
    hw.setBits(R.DMATXCTL, R.DMATXCTL_TE);
    for (let q = 0; q < nbTx; q++) this.txQueueStart(q);
  }

  /** Enables tx queue `queue` (DPDK's `ixgbe_dev_tx_queue_start`): ENABLE, polled until the device takes it. */
  txQueueStart(queue: number): void {
    const hw = this.hw;
    hw.write(R.TDH(queue), 0);
    hw.setBits(R.TXDCTL(queue), R.TXDCTL_ENABLE);
    hw.poll(R.TXDCTL(queue), (v) => (v & R.TXDCTL_ENABLE) !== 0, QUEUE_ENABLE_POLLS, 1, `tx queue ${queue} enable (TXDCTL.ENABLE)`);
    hw.write(R.TDT(queue), 0);
  }

  /** Disables tx queue `queue` and waits for the device to let it go. */
  txQueueStop(queue: number): void {
    const hw = this.hw;
    hw.clearBits(R.TXDCTL(queue), R.TXDCTL_ENABLE);
    hw.poll(R.TXDCTL(queue), (v) => (v & R.TXDCTL_ENABLE) === 0, QUEUE_ENABLE_POLLS, 1, `tx queue ${queue} disable (TXDCTL.ENABLE)`);
  }

  /** Enables rx queue `queue` (DPDK's `ixgbe_dev_rx_queue_start`): ENABLE polled, then RDT hands the ring over. */
  rxQueueStart(queue: number, nbDesc: number): void {
    const hw = this.hw;
    hw.setBits(R.RXDCTL(queue), R.RXDCTL_ENABLE);
    hw.poll(R.RXDCTL(queue), (v) => (v & R.RXDCTL_ENABLE) !== 0, QUEUE_ENABLE_POLLS, 1, `rx queue ${queue} enable (RXDCTL.ENABLE)`);
    hw.write(R.RDH(queue), 0);
    hw.write(R.RDT(queue), nbDesc - 1);
  }

  /** Disables rx queue `queue` and waits for the device to let it go. */
  rxQueueStop(queue: number): void {
    const hw = this.hw;
    hw.clearBits(R.RXDCTL(queue), R.RXDCTL_ENABLE);
    hw.poll(R.RXDCTL(queue), (v) => (v & R.RXDCTL_ENABLE) === 0, QUEUE_ENABLE_POLLS, 1, `rx queue ${queue} disable (RXDCTL.ENABLE)`);
  }

  #rxInit(dev: EthDev): void {
    const hw = this.hw;
    const arena = dev.eal.arena;
    const nbRx = dev.data.nbRxQueues;
    const offloads = dev.conf.rxMode.offloads;
    hw.clearBits(R.RXCTRL, R.RXCTRL_RXEN);
    const flags = dev.data.flags;
    let fctrl = (hw.read(R.FCTRL) & ~(R.FCTRL_UPE | R.FCTRL_MPE | R.FCTRL_SBP)) | R.FCTRL_BAM | R.FCTRL_DPF | R.FCTRL_PMCF;
    if ((flags & PF_PROMISC) !== 0) fctrl |= R.FCTRL_UPE | R.FCTRL_MPE;
    if ((flags & PF_ALLMULTI) !== 0) fctrl |= R.FCTRL_MPE;
    hw.write(R.FCTRL, fctrl >>> 0);
    hw.setBits(R.HLREG0, R.HLREG0_RXCRCSTRP);
    hw.clearBits(R.HLREG0, R.HLREG0_LPBK);
    this.#writeFrameLimit(dev.data.mtu);
    hw.setBits(R.RDRXCTL, R.RDRXCTL_CRCSTRIP);
    const ringSizes: number[] = [];
    for (let q = 0; q < nbRx; q++) {
      const setup = dev.rxQueues[q];
      if (!setup) throw new NicError('NIC_EINVAL', `${dev.name}: rx queue ${q} is not set up`);
      const rec = IXGBE_LAYOUT.rxRecord(dev.data.privOffset, q);
      rxQueueFill(arena, rec, setup.mempool, `${dev.name} rx queue ${q}`);
      const iova = arena.iova(arena.u32[(rec + Q_RING) >>> 2]);
      const nbDesc = arena.u32[(rec + Q_NB_DESC) >>> 2];
      ringSizes.push(nbDesc);
      const room = pktmbufDataRoomSize(setup.mempool) - MBUF_HEADROOM;
      hw.write(R.RDBAL(q), lo32(iova));
      hw.write(R.RDBAH(q), hi32(iova));
      hw.write(R.RDLEN(q), nbDesc * DESC_SIZE);
      hw.write(R.RDH(q), 0);
      hw.write(R.RDT(q), 0);
      const bsize = Math.min(room >>> R.SRRCTL_BSIZEPKT_SHIFT, R.SRRCTL_BSIZEPKT_MASK);
      hw.write(R.SRRCTL(q), R.SRRCTL_DESCTYPE_ADV_ONEBUF | bsize | (nbRx > 1 ? R.SRRCTL_DROP_EN : 0));
      const strip = ((offloads | (setup.conf.offloads ?? 0)) & RxOffload.VLAN_STRIP) !== 0;
      hw.write(R.RXDCTL(q), (RX_PTHRESH | (RX_HTHRESH << R.XDCTL_HTHRESH_SHIFT) | (strip ? R.RXDCTL_VME : 0)) >>> 0);
    }
    hw.setBits(R.RXCSUM, R.RXCSUM_PCSD);
    this.#rssInit(dev);
    let vlnctrl = hw.read(R.VLNCTRL) & ~R.VLNCTRL_VFE;
    if ((offloads & RxOffload.VLAN_FILTER) !== 0) {
      vftaWriteAll(hw, R.VFTA, dev.vlanFilter);
      vlnctrl |= R.VLNCTRL_VFE;
    }
    hw.write(R.VLNCTRL, vlnctrl >>> 0);
    hw.write(R.MCSTCTRL, R.MCSTCTRL_MFE);
    for (let q = 0; q < nbRx; q++) this.rxQueueStart(q, ringSizes[q]);
    hw.setBits(R.RXCTRL, R.RXCTRL_RXEN);
  }

  #rssInit(dev: EthDev): void {
    const hw = this.hw;
    const { rss, rxMode } = dev.conf;
    if (rxMode.mqMode !== 'rss' || rss.hf === 0) {
      mrqcWrite(hw, undefined);
      return;
    }
    rssKeyWrite(hw, R.RSSRK, rss.key ?? DEFAULT_RSS_KEY);
    retaWrite(hw, R.RETA, retaRoundRobin(Math.min(dev.data.nbRxQueues, RSS_MAX_QUEUES)));
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

  /** Receive off, then every queue off and its mbufs back; a queue that does not let go is left (the reset at close takes it). */
  #stopQueues(dev: EthDev): void {
    const hw = this.hw;
    const arena = dev.eal.arena;
    const gone = hw.removed();
    if (!gone) hw.clearBits(R.RXCTRL, R.RXCTRL_RXEN);
    for (let q = 0; q < dev.data.nbRxQueues; q++) {
      if (!gone) this.#quietly(() => this.rxQueueStop(q));
      if (dev.rxQueues[q]) rxQueueDrain(arena, IXGBE_LAYOUT.rxRecord(dev.data.privOffset, q));
    }
    for (let q = 0; q < dev.data.nbTxQueues; q++) {
      if (!gone) this.#quietly(() => this.txQueueStop(q));
      if (dev.txQueues[q]) txQueueDrain(arena, IXGBE_LAYOUT.txRecord(dev.data.privOffset, q));
    }
    if (!gone) hw.clearBits(R.DMATXCTL, R.DMATXCTL_TE);
  }

  #quietly(step: () => void): void {
    try {
      step();
    } catch (e) {
      if (!(e instanceof HwError)) throw e;
    }
  }

  #hwFailure(dev: EthDev, e: unknown): unknown {
    if (!(e instanceof HwError)) return e;
    return new NicError(e.kind === 'removed' ? 'NIC_ENODEV' : 'NIC_EIO', `${dev.name}: ${e.message}`, { cause: e });
  }

  /** Reads the link into the port's shared data; returns whether it changed. */
  #updateLink(dev: EthDev): boolean {
    const link = this.#started ? readHwLink(this.hw) : { up: false, speed: 0 };
    return linkStatusSet(dev, { up: link.up, speed: link.up ? link.speed : LinkSpeed.NONE, fullDuplex: link.up, autoneg: true });
  }

  async #waitLink(dev: EthDev): Promise<void> {
    for (let i = 0; i < LINK_WAIT_POLLS && this.#started && !readHwLink(this.hw).up; i++) {
      await new Promise((resolve) => setTimeout(resolve, LINK_WAIT_MS));
    }
    this.#updateLink(dev);
  }
}
