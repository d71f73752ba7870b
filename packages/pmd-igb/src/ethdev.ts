/**
 * The control operations of a net_e1000_igb port (`eth_dev_ops`): device information,
 * queue set-up, start and stop (DPDK's `eth_igb_start`/`eth_igb_stop` order), link, rx
 * modes and filters, MTU, RSS, statistics. They run on the thread that probed the device.
 */
import { NicError, pktmbufDataRoomSize } from '@nic/eal';
import { MBUF_HEADROOM } from '@nic/eal/layout';
import { ETHER_OVERHEAD, linkStatusSet, PF_ALLMULTI, PF_PROMISC, RxOffload, type EthDev, type EthStats } from '@nic/ethdev/driver';
import { counterIndex, vftaWriteAll, type IntelHw } from '@nic/intel-common';
import { IntelPortOps, rxQueueDrain, rxQueueFill, txQueueDrain, txQueueReset, type IntelFamily, type IntelInterrupts, type IntelLink } from '@nic/intel-common/driver';
import { DESC_COUNT_MAX, DESC_COUNT_MIN, RXDEXT_ERR_FRAME } from './base/desc.js';
import { QUEUES_82576 } from './base/ids.js';
import { readHwLink } from './base/link.js';
import { phyAutoneg, phyPower } from './base/phy.js';
import * as R from './base/regs.js';
import { MRQC_BITS } from './base/rss.js';
import { COUNTERS } from './base/stats.js';
import { IGB_LAYOUT, rxRecord, txRecord } from './layout.js';

export { DEFAULT_RSS_KEY } from '@nic/intel-common/driver';

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
const RXDCTL_THRESHOLDS = RX_PTHRESH | (RX_HTHRESH << R.XDCTL_HTHRESH_SHIFT) | (WTHRESH_82576 << R.XDCTL_WTHRESH_SHIFT);
const TXDCTL_THRESHOLDS = TX_PTHRESH | (TX_HTHRESH << R.XDCTL_HTHRESH_SHIFT) | (WTHRESH_82576 << R.XDCTL_WTHRESH_SHIFT);
/** Polls of a queue's enable bit, 1 ms apart, when one queue starts or stops on its own (the 82576 datasheet's handshake; ixgbe's 10 ms). */
const QUEUE_ENABLE_POLLS = 10;

const C_MISSED = counterIndex(COUNTERS, 'rx_missed_packets');
const C_CRC = counterIndex(COUNTERS, 'rx_crc_errors');
const C_LENGTH = counterIndex(COUNTERS, 'rx_length_errors');
const C_DATA = counterIndex(COUNTERS, 'rx_data_errors');
const C_ALIGN = counterIndex(COUNTERS, 'rx_align_errors');
const C_EXCESSIVE_COLLISIONS = counterIndex(COUNTERS, 'tx_excessive_collision_packets');
const C_LATE_COLLISIONS = counterIndex(COUNTERS, 'tx_late_collisions');

/** The 82576 and I350 to the operations igb and ixgbe share. */
const IGB_FAMILY: IntelFamily = {
  name: 'igb',
  layout: IGB_LAYOUT,
  descMin: DESC_COUNT_MIN,
  descMax: DESC_COUNT_MAX,
  maxRxPktLen: MAX_RX_PKT_LEN,
  minRxBufSize: RX_BUF_UNIT,
  macAddrs: R.RAR_ENTRIES,
  rxQueueOffloadCapa: 0,
  rxErrMask: RXDEXT_ERR_FRAME,
  counters: COUNTERS,
  regs: R,
  filterCtl: R.RCTL,
  upe: R.RCTL_UPE,
  mpe: R.RCTL_MPE,
  rssMaxQueues: QUEUES_82576,
  mrqcBits: MRQC_BITS,
};

/** What the ops need about the device besides its registers. */
export interface IgbDeviceFacts {
  /** Queues each way (16 on the 82576, 8 on the I350). */
  readonly maxQueues: number;
}

/** The control operations of one port. */
export class IgbOps extends IntelPortOps {
  readonly facts: IgbDeviceFacts;
  /** Set once the port is allocated: the device's interrupts. */
  interrupts: IntelInterrupts | undefined;

  constructor(hw: IntelHw, facts: IgbDeviceFacts) {
    super(hw, IGB_FAMILY, facts.maxQueues);
    this.facts = facts;
  }

  start(dev: EthDev): void {
    const hw = this.hw;
    this.interrupts?.beforeStart(dev);
    phyPower(hw, true);
    this.writeMacs(dev);
    hw.write(R.VET, R.ETHERTYPE_VLAN);
    hw.setBits(R.CTRL_EXT, R.CTRL_EXT_PFRSTD | R.CTRL_EXT_DRV_LOAD);
    this.#txInit(dev);
    try {
      this.#rxInit(dev);
    } catch (e) {
      this.#stopQueues(dev);
      throw e;
    }
    this.discardCounters();
    hw.setBits(R.CTRL, R.CTRL_SLU);
    phyAutoneg(hw);
    this.started = true;
    this.interrupts?.afterStart(dev);
    this.updateLink(dev);
  }

  /** Stops the port; on a device that has left the bus, only gives the mbufs back. */
  stop(dev: EthDev): void {
    this.started = false;
    this.interrupts?.beforeStop();
    this.#stopQueues(dev);
    if (!this.hw.removed()) {
      phyPower(this.hw, false);
      this.hw.clearBits(R.CTRL, R.CTRL_SLU);
    }
    this.interrupts?.afterStop();
    linkStatusSet(dev, { up: false, speed: 0, fullDuplex: false, autoneg: true });
  }

  setLinkUp(): void {
    phyPower(this.hw, true);
    phyAutoneg(this.hw);
  }

  setLinkDown(): void {
    phyPower(this.hw, false);
  }

  mtuSet(_dev: EthDev, mtu: number): void {
    this.#writeFrameLimit(mtu);
  }

  statsGet(_dev: EthDev, stats: EthStats): void {
    const t = this.totals();
    stats.imissed += t[C_MISSED];
    stats.ierrors += t[C_CRC] + t[C_LENGTH] + t[C_DATA] + t[C_ALIGN];
    stats.oerrors += t[C_EXCESSIVE_COLLISIONS] + t[C_LATE_COLLISIONS];
  }

  /** STATUS: link up, speed and duplex. */
  protected readLink(): IntelLink {
    return readHwLink(this.hw);
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
      this.ringWrite(arena, rec, R.TDBAL(q), R.TDBAH(q), R.TDLEN(q));
      hw.write(R.TDH(q), 0);
      hw.write(R.TDT(q), 0);
      hw.write(R.TXDCTL(q), TXDCTL_THRESHOLDS | (dev.txQueues[q]?.conf.deferredStart === true ? 0 : R.XDCTL_QUEUE_ENABLE));
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
      const deferred = setup.conf.deferredStart === true;
      if (!deferred) rxQueueFill(arena, rec, setup.mempool, `${dev.name} rx queue ${q}`);
      this.ringWrite(arena, rec, R.RDBAL(q), R.RDBAH(q), R.RDLEN(q));
      const room = pktmbufDataRoomSize(setup.mempool) - MBUF_HEADROOM;
      const bsize = Math.min(room >>> R.SRRCTL_BSIZEPKT_SHIFT, R.SRRCTL_BSIZEPKT_MASK);
      hw.write(R.SRRCTL(q), R.SRRCTL_DESCTYPE_ADV_ONEBUF | bsize | (nbRx > 1 ? R.SRRCTL_DROP_EN : 0));
      hw.write(R.RXDCTL(q), RXDCTL_THRESHOLDS | (deferred ? 0 : R.XDCTL_QUEUE_ENABLE));
    }
    hw.setBits(R.RXCSUM, R.RXCSUM_PCSD);
    this.rssInit(dev);
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
      const setup = dev.rxQueues[q];
      hw.write(R.RDH(q), 0);
      hw.write(R.RDT(q), setup && setup.conf.deferredStart !== true ? setup.nbDesc - 1 : 0);
    }
  }

  /** Enables rx queue `queue` of the running port: head and tail at 0, ENABLE polled, then RDT hands the ring over. */
  protected rxQueueEnable(queue: number, nbDesc: number): void {
    const hw = this.hw;
    hw.write(R.RDH(queue), 0);
    hw.write(R.RDT(queue), 0);
    hw.setBits(R.RXDCTL(queue), R.XDCTL_QUEUE_ENABLE);
    hw.poll(R.RXDCTL(queue), (v) => (v & R.XDCTL_QUEUE_ENABLE) !== 0, QUEUE_ENABLE_POLLS, 1, `rx queue ${queue} enable (RXDCTL.ENABLE)`);
    hw.write(R.RDT(queue), nbDesc - 1);
  }

  /** Disables rx queue `queue` and waits for the device to let it go. */
  protected rxQueueDisable(queue: number): void {
    const hw = this.hw;
    hw.clearBits(R.RXDCTL(queue), R.XDCTL_QUEUE_ENABLE);
    hw.poll(R.RXDCTL(queue), (v) => (v & R.XDCTL_QUEUE_ENABLE) === 0, QUEUE_ENABLE_POLLS, 1, `rx queue ${queue} disable (RXDCTL.ENABLE)`);
  }

  /** Enables tx queue `queue` of the running port: head and tail at 0, ENABLE polled. */
  protected txQueueEnable(queue: number): void {
    const hw = this.hw;
    hw.write(R.TDH(queue), 0);
    hw.write(R.TDT(queue), 0);
    hw.setBits(R.TXDCTL(queue), R.XDCTL_QUEUE_ENABLE);
    hw.poll(R.TXDCTL(queue), (v) => (v & R.XDCTL_QUEUE_ENABLE) !== 0, QUEUE_ENABLE_POLLS, 1, `tx queue ${queue} enable (TXDCTL.ENABLE)`);
  }

  /** Disables tx queue `queue` and waits for the device to let it go. */
  protected txQueueDisable(queue: number): void {
    const hw = this.hw;
    hw.clearBits(R.TXDCTL(queue), R.XDCTL_QUEUE_ENABLE);
    hw.poll(R.TXDCTL(queue), (v) => (v & R.XDCTL_QUEUE_ENABLE) === 0, QUEUE_ENABLE_POLLS, 1, `tx queue ${queue} disable (TXDCTL.ENABLE)`);
  }

  #stopQueues(dev: EthDev): void {
    const hw = this.hw;
    const arena = dev.eal.arena;
    // A device that has left the bus gets no writes: only the mbufs come back.
    const gone = hw.removed();
    if (!gone) {
      hw.clearBits(R.RCTL, R.RCTL_EN);
      hw.clearBits(R.TCTL, R.TCTL_EN);
    }
    for (let q = 0; q < dev.data.nbRxQueues; q++) {
      if (!gone) hw.write(R.RXDCTL(q), 0);
      if (dev.rxQueues[q]) rxQueueDrain(arena, rxRecord(dev.data.privOffset, q));
    }
    for (let q = 0; q < dev.data.nbTxQueues; q++) {
      if (!gone) hw.write(R.TXDCTL(q), 0);
      if (dev.txQueues[q]) txQueueDrain(arena, txRecord(dev.data.privOffset, q));
    }
    if (!gone) hw.flush();
  }
}
