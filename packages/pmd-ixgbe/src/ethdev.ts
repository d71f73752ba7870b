/**
 * The control operations of a net_ixgbe port (`eth_dev_ops`), in DPDK's `ixgbe_dev_start`
 * / `ixgbe_dev_stop` order: transmit set-up (HLREG0, ring registers, DMATXCTL.TE, each
 * queue enabled with TXDCTL.ENABLE polled), receive set-up (RXCTRL.RXEN off, FCTRL,
 * HLREG0/MAXFRS, RDRXCTL, ring registers, SRRCTL, RSS, VLAN, each queue enabled with
 * RXDCTL.ENABLE polled and RDT armed, then RXCTRL.RXEN), link set-up through AUTOC, and the
 * filters, MTU, statistics and interrupts. They run on the thread that probed the device.
 */
import { NicError, pktmbufDataRoomSize } from '@nic/eal';
import { MBUF_HEADROOM } from '@nic/eal/layout';
import { ETHER_OVERHEAD, LinkSpeeds, PF_ALLMULTI, PF_PROMISC, RxOffload, type EthDev, type EthStats, type PmdDevInfo } from '@nic/ethdev/driver';
import { accumulateCounters, counterIndex, vftaWriteAll, type IntelHw } from '@nic/intel-common';
import { IntelPortOps, rxQueueDrain, rxQueueFill, txQueueDrain, txQueueReset, type IntelFamily, type IntelInterrupts, type IntelLink } from '@nic/intel-common/driver';
import { DESC_COUNT_MAX, DESC_COUNT_MIN, RXDADV_ERR_FRAME } from './base/desc.js';
import type { MediaType } from './base/ids.js';
import { readHwLink, setupLink } from './base/link.js';
import { phyPower, setupCopperLink, type CopperSpeeds, type Phy } from './base/phy.js';
import * as R from './base/regs.js';
import { MRQC_BITS } from './base/rss.js';
import { is10G, type SfpModule } from './base/sfp.js';
import {
  COUNTERS,
  IERRORS,
  IMISSED,
  Q_BYTES_RX,
  Q_BYTES_TX,
  Q_DROPPED_RX,
  Q_PACKETS_RX,
  Q_PACKETS_TX,
  QUEUE_COUNTERS,
  QUEUE_COUNTERS_PER_INDEX,
  queueStatsMap,
} from './base/stats.js';
import { IXGBE_LAYOUT } from './layout.js';

export { DEFAULT_RSS_KEY } from '@nic/intel-common/driver';

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
/** Queues RSS spreads over: a RETA entry has 4 bits on the 82599 and X540. */
const RSS_MAX_QUEUES = 16;
/** Receive address pool 0, where every address goes outside virtualization. */
const MPSAR_POOL0 = 1;

const C_IERRORS = IERRORS.map((name) => counterIndex(COUNTERS, name));
const C_IMISSED = IMISSED.map((name) => counterIndex(COUNTERS, name));

/** The 82599 and X540 to the operations igb and ixgbe share. */
const IXGBE_FAMILY: IntelFamily = {
  name: 'ixgbe',
  layout: IXGBE_LAYOUT,
  descMin: DESC_COUNT_MIN,
  descMax: DESC_COUNT_MAX,
  maxRxPktLen: MAX_RX_PKT_LEN,
  minRxBufSize: RX_BUF_UNIT,
  macAddrs: R.RAR_ENTRIES,
  rxQueueOffloadCapa: RxOffload.VLAN_STRIP,
  rxErrMask: RXDADV_ERR_FRAME,
  counters: COUNTERS,
  regs: R,
  filterCtl: R.FCTRL,
  upe: R.FCTRL_UPE,
  mpe: R.FCTRL_MPE,
  rssMaxQueues: RSS_MAX_QUEUES,
  mrqcBits: MRQC_BITS,
};

/** What the ops need about the device besides its registers. */
export interface IxgbeDeviceFacts {
  readonly media: MediaType;
  /** The SFP+ module found at probe (SFP ports only). */
  readonly sfp: SfpModule | undefined;
  /** The PHY found on MDIO (copper ports only). */
  readonly phy?: Phy;
  readonly maxQueues: number;
}

/** Speeds every port of the family runs at (DPDK's `speed_capa`), and what copper adds. */
const SPEED_CAPA = LinkSpeeds.G1 | LinkSpeeds.G10;
const COPPER_SPEED_CAPA = SPEED_CAPA | LinkSpeeds.M100;
const ALL_COPPER_SPEEDS: CopperSpeeds = { m100: true, g1: true, g10: true };

/** The speeds `linkSpeeds` asks a copper PHY to advertise (0: all). */
function copperSpeeds(linkSpeeds: number): CopperSpeeds {
  if (linkSpeeds === LinkSpeeds.AUTONEG) return ALL_COPPER_SPEEDS;
  return { m100: (linkSpeeds & LinkSpeeds.M100) !== 0, g1: (linkSpeeds & LinkSpeeds.G1) !== 0, g10: (linkSpeeds & LinkSpeeds.G10) !== 0 };
}

function sum(t: Float64Array, indices: readonly number[]): number {
  let s = 0;
  for (const i of indices) s += t[i];
  return s;
}

/** The control operations of one port. */
export class IxgbeOps extends IntelPortOps {
  readonly facts: IxgbeDeviceFacts;
  /** Set once the port is allocated: the device's interrupts. */
  interrupts: IntelInterrupts | undefined;

  /** Totals of the per-queue counters since the last reset ({@link QUEUE_COUNTERS} order). */
  readonly #queueTotals = new Float64Array(QUEUE_COUNTERS.length);
  /** What a copper PHY advertises, from the configuration at start. */
  #advertise = ALL_COPPER_SPEEDS;

  constructor(hw: IntelHw, facts: IxgbeDeviceFacts) {
    super(hw, IXGBE_FAMILY, facts.maxQueues);
    this.facts = facts;
  }

  override infoGet(): PmdDevInfo {
    return { ...super.infoGet(), speedCapa: this.facts.media === 'copper' ? COPPER_SPEED_CAPA : SPEED_CAPA };
  }

  /** Refuses a fixed link speed, which the family does not force (as DPDK's `ixgbe_dev_start`). */
  configure(dev: EthDev): void {
    if ((dev.conf.linkSpeeds & LinkSpeeds.FIXED) !== 0) throw new NicError('NIC_EINVAL', `${dev.name}: ixgbe ports autonegotiate; a FIXED link speed is not supported`);
  }

  start(dev: EthDev): void {
    const hw = this.hw;
    this.interrupts?.beforeStart(dev);
    this.writeMacs(dev);
    hw.setBits(R.CTRL_EXT, R.CTRL_EXT_PFRSTD | R.CTRL_EXT_DRV_LOAD);
    this.#advertise = copperSpeeds(dev.conf.linkSpeeds);
    try {
      queueStatsMap(hw, this.maxQueues);
      this.#txInit(dev);
      this.#rxInit(dev);
      this.discardCounters();
      accumulateCounters(hw, QUEUE_COUNTERS, new Float64Array(QUEUE_COUNTERS.length));
      this.setLinkUp();
    } catch (e) {
      this.#stopQueues(dev);
      throw this.hwFailure(dev, e);
    }
    this.started = true;
    this.interrupts?.afterStart(dev);
    this.updateLink(dev);
  }

  /** Stops the port; on a device that has left the bus, only gives the mbufs back. */
  stop(dev: EthDev): void {
    this.started = false;
    this.interrupts?.beforeStop();
    this.#stopQueues(dev);
    if (!this.hw.removed()) this.setLinkDown();
    this.interrupts?.afterStop();
    this.updateLink(dev);
  }

  /**
   * (Re)starts link set-up: a copper port's PHY out of low power, advertising the configured
   * speeds, autonegotiation restarted; an SFP+ port's laser on (TX_DISABLE low), then AUTOC.
   */
  setLinkUp(): void {
    const { media, sfp, phy } = this.facts;
    if (phy) {
      phyPower(this.hw, phy.address, true);
      setupCopperLink(this.hw, phy.address, this.#advertise);
      return;
    }
    if (media === 'sfp') {
      const esdp = (this.hw.read(R.ESDP) | R.ESDP_SDP3_DIR) & ~R.ESDP_SDP3;
      this.hw.write(R.ESDP, esdp >>> 0);
    }
    setupLink(this.hw, media, sfp === undefined || is10G(sfp));
  }

  /** Puts a copper port's PHY in low power, or turns an SFP+ port's laser off: the link goes down at both ends. */
  setLinkDown(): void {
    const phy = this.facts.phy;
    if (phy) phyPower(this.hw, phy.address, false);
    else if (this.facts.media === 'sfp') this.hw.setBits(R.ESDP, R.ESDP_SDP3 | R.ESDP_SDP3_DIR);
  }

  mtuSet(_dev: EthDev, mtu: number): void {
    this.#writeFrameLimit(mtu);
  }

  /**
   * Adds the missed and errored frames the MAC counted, and (as DPDK's `ixgbe_dev_stats_get`)
   * gives each queue that has a statistics index to itself (all of them up to 16 queues) the
   * device's per-queue counts: packets and bytes from QPRC/QBRC and QPTC/QBTC, and the frames
   * QPRDC counted dropped for want of a descriptor added to its errors.
   */
  statsGet(dev: EthDev, stats: EthStats): void {
    const t = this.totals();
    stats.imissed += sum(t, C_IMISSED);
    stats.ierrors += sum(t, C_IERRORS);
    const q = this.#queueCounters();
    const { nbRxQueues, nbTxQueues } = dev.data;
    for (let i = 0; i < Math.min(nbRxQueues, R.QUEUE_STAT_COUNTERS); i++) {
      if (i + R.QUEUE_STAT_COUNTERS < nbRxQueues) continue;
      const at = i * QUEUE_COUNTERS_PER_INDEX;
      stats.qIpackets[i] = q[at + Q_PACKETS_RX];
      stats.qIbytes[i] = q[at + Q_BYTES_RX];
      stats.qErrors[i] += q[at + Q_DROPPED_RX];
    }
    for (let i = 0; i < Math.min(nbTxQueues, R.QUEUE_STAT_COUNTERS); i++) {
      if (i + R.QUEUE_STAT_COUNTERS < nbTxQueues) continue;
      const at = i * QUEUE_COUNTERS_PER_INDEX;
      stats.qOpackets[i] = q[at + Q_PACKETS_TX];
      stats.qObytes[i] = q[at + Q_BYTES_TX];
    }
  }

  override statsReset(): void {
    super.statsReset();
    this.#queueCounters().fill(0);
  }

  /** The per-queue counter totals, brought up to date from the registers. */
  #queueCounters(): Float64Array {
    accumulateCounters(this.hw, QUEUE_COUNTERS, this.#queueTotals);
    return this.#queueTotals;
  }

  /** LINKS while started; down otherwise (the laser is off, whatever LINKS still says). */
  protected readLink(): IntelLink {
    const link = this.started ? readHwLink(this.hw) : { up: false, speed: 0 };
    return { up: link.up, speed: link.speed, fullDuplex: link.up };
  }

  /** A receive address also goes to pool 0 (MPSAR), or it matches nothing outside virtualization. */
  protected override rarWrite(index: number, mac: Uint8Array): void {
    super.rarWrite(index, mac);
    this.hw.write(R.MPSAR_LO(index), MPSAR_POOL0);
  }

  protected override rarErase(index: number): void {
    super.rarErase(index);
    this.hw.write(R.MPSAR_LO(index), 0);
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
      this.ringWrite(arena, rec, R.TDBAL(q), R.TDBAH(q), R.TDLEN(q));
      hw.write(R.TDH(q), 0);
      hw.write(R.TDT(q), 0);
      hw.write(R.TXDCTL(q), TX_PTHRESH);
    }
    hw.setBits(R.DMATXCTL, R.DMATXCTL_TE);
    for (let q = 0; q < nbTx; q++) if (dev.txQueues[q]?.conf.deferredStart !== true) this.txQueueEnable(q);
  }

  /** Enables tx queue `queue`: ENABLE, polled until the device takes it. */
  protected txQueueEnable(queue: number): void {
    const hw = this.hw;
    hw.write(R.TDH(queue), 0);
    hw.setBits(R.TXDCTL(queue), R.TXDCTL_ENABLE);
    hw.poll(R.TXDCTL(queue), (v) => (v & R.TXDCTL_ENABLE) !== 0, QUEUE_ENABLE_POLLS, 1, `tx queue ${queue} enable (TXDCTL.ENABLE)`);
    hw.write(R.TDT(queue), 0);
  }

  /** Disables tx queue `queue` and waits for the device to let it go. */
  protected txQueueDisable(queue: number): void {
    const hw = this.hw;
    hw.clearBits(R.TXDCTL(queue), R.TXDCTL_ENABLE);
    hw.poll(R.TXDCTL(queue), (v) => (v & R.TXDCTL_ENABLE) === 0, QUEUE_ENABLE_POLLS, 1, `tx queue ${queue} disable (TXDCTL.ENABLE)`);
  }

  /** Enables rx queue `queue`: ENABLE polled, then RDT hands the ring over. */
  protected rxQueueEnable(queue: number, nbDesc: number): void {
    const hw = this.hw;
    hw.setBits(R.RXDCTL(queue), R.RXDCTL_ENABLE);
    hw.poll(R.RXDCTL(queue), (v) => (v & R.RXDCTL_ENABLE) !== 0, QUEUE_ENABLE_POLLS, 1, `rx queue ${queue} enable (RXDCTL.ENABLE)`);
    hw.write(R.RDH(queue), 0);
    hw.write(R.RDT(queue), nbDesc - 1);
  }

  /** Disables rx queue `queue` and waits for the device to let it go. */
  protected rxQueueDisable(queue: number): void {
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
    for (let q = 0; q < nbRx; q++) {
      const setup = dev.rxQueues[q];
      if (!setup) throw new NicError('NIC_EINVAL', `${dev.name}: rx queue ${q} is not set up`);
      const rec = IXGBE_LAYOUT.rxRecord(dev.data.privOffset, q);
      if (setup.conf.deferredStart !== true) rxQueueFill(arena, rec, setup.mempool, `${dev.name} rx queue ${q}`);
      this.ringWrite(arena, rec, R.RDBAL(q), R.RDBAH(q), R.RDLEN(q));
      const room = pktmbufDataRoomSize(setup.mempool) - MBUF_HEADROOM;
      hw.write(R.RDH(q), 0);
      hw.write(R.RDT(q), 0);
      const bsize = Math.min(room >>> R.SRRCTL_BSIZEPKT_SHIFT, R.SRRCTL_BSIZEPKT_MASK);
      hw.write(R.SRRCTL(q), R.SRRCTL_DESCTYPE_ADV_ONEBUF | bsize | (nbRx > 1 ? R.SRRCTL_DROP_EN : 0));
      const strip = ((offloads | (setup.conf.offloads ?? 0)) & RxOffload.VLAN_STRIP) !== 0;
      hw.write(R.RXDCTL(q), (RX_PTHRESH | (RX_HTHRESH << R.XDCTL_HTHRESH_SHIFT) | (strip ? R.RXDCTL_VME : 0)) >>> 0);
    }
    hw.setBits(R.RXCSUM, R.RXCSUM_PCSD);
    this.rssInit(dev);
    let vlnctrl = hw.read(R.VLNCTRL) & ~R.VLNCTRL_VFE;
    if ((offloads & RxOffload.VLAN_FILTER) !== 0) {
      vftaWriteAll(hw, R.VFTA, dev.vlanFilter);
      vlnctrl |= R.VLNCTRL_VFE;
    }
    hw.write(R.VLNCTRL, vlnctrl >>> 0);
    hw.write(R.MCSTCTRL, R.MCSTCTRL_MFE);
    for (let q = 0; q < nbRx; q++) {
      const setup = dev.rxQueues[q];
      if (setup && setup.conf.deferredStart !== true) this.rxQueueEnable(q, setup.nbDesc);
    }
    hw.setBits(R.RXCTRL, R.RXCTRL_RXEN);
  }

  /** Receive off, then every queue off and its mbufs back; a queue that does not let go is left (the reset at close takes it). */
  #stopQueues(dev: EthDev): void {
    const hw = this.hw;
    const arena = dev.eal.arena;
    const gone = hw.removed();
    if (!gone) hw.clearBits(R.RXCTRL, R.RXCTRL_RXEN);
    for (let q = 0; q < dev.data.nbRxQueues; q++) {
      if (!gone) this.quietly(() => this.rxQueueDisable(q));
      if (dev.rxQueues[q]) rxQueueDrain(arena, IXGBE_LAYOUT.rxRecord(dev.data.privOffset, q));
    }
    for (let q = 0; q < dev.data.nbTxQueues; q++) {
      if (!gone) this.quietly(() => this.txQueueDisable(q));
      if (dev.txQueues[q]) txQueueDrain(arena, IXGBE_LAYOUT.txRecord(dev.data.privOffset, q));
    }
    if (!gone) hw.clearBits(R.DMATXCTL, R.DMATXCTL_TE);
  }
}
