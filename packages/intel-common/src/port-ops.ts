/**
 * The control operations igb and ixgbe ports do alike (`eth_dev_ops`): device information,
 * queue set-up and release over the shared queue records, link reads and the wait for the
 * link, promiscuous and all-multicast modes on the family's filter control register, receive
 * addresses, the multicast and VLAN tables, RSS key and table, clear-on-read counters as
 * extended statistics, starting and stopping one queue. Each driver extends
 * {@link IntelPortOps} with what differs: start and stop (the enable sequences, a queue's
 * among them), MTU, the statistics ethdev sums, link set-up, and whatever its chip adds to a
 * receive address.
 */
import { NicError, pktmbufDataRoomSize, type Arena, type Mempool } from '@nic/eal';
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
import { DESC_COUNT_ALIGN, DESC_SIZE } from './desc.js';
import { mtaUpdate, rarClear, rarSet, vftaSet } from './filters.js';
import { HwError, type IntelHw, type IntelLink } from './hw.js';
import { Q_NB_DESC, Q_RING, TQF_FAST_FREE, type PrivLayout } from './layout.js';
import { freeQueueZone, queueZoneName, rxQueueDrain, rxQueueFill, rxQueueInit, txQueueDrain, txQueueInit, txQueueReset } from './queues.js';
import { mrqcValue, RETA_ENTRIES, retaRoundRobin, retaWrite, RSS_KEY_SIZE, rssKeyWrite, type MrqcBits } from './rss.js';
import { accumulateCounters, type CounterDef } from './stats.js';

/** The key RSS uses unless the application gives one (DPDK's default for both, Microsoft's example key). */
export const DEFAULT_RSS_KEY = Uint8Array.of(
  0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
  0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
  0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
);

/** The registers the shared operations write, by their datasheet names (byte offsets in BAR0). */
export interface IntelPortRegisters {
  RAL(n: number): number;
  RAH(n: number): number;
  RDT(q: number): number;
  TDH(q: number): number;
  TDT(q: number): number;
  readonly VFTA: number;
  readonly MTA: number;
  readonly RSSRK: number;
  readonly RETA: number;
  readonly MRQC: number;
}

/** What a family's ports look like to the shared operations. */
export interface IntelFamily {
  /** The family's short name, in messages and queue memzone names: `igb`, `ixgbe`. */
  readonly name: string;
  readonly layout: PrivLayout;
  /** Descriptors a ring may have (a multiple of {@link DESC_COUNT_ALIGN}). */
  readonly descMin: number;
  readonly descMax: number;
  /** The largest frame the MAC takes. */
  readonly maxRxPktLen: number;
  /** Smallest rx buffer (the unit SRRCTL.BSIZEPACKET counts in). */
  readonly minRxBufSize: number;
  /** Receive address registers (RAL/RAH pairs). */
  readonly macAddrs: number;
  /** Rx offloads a queue can have on its own. */
  readonly rxQueueOffloadCapa: number;
  /** Write-back error bits that make a received frame unusable. */
  readonly rxErrMask: number;
  /** The clear-on-read counters, as extended statistics in this order. */
  readonly counters: readonly CounterDef[];
  /** The family's registers by datasheet name (a driver's `regs.ts` namespace fits). */
  readonly regs: IntelPortRegisters;
  /** The receive filter control register (igb RCTL, ixgbe FCTRL) and its unicast and multicast promiscuous bits. */
  readonly filterCtl: number;
  readonly upe: number;
  readonly mpe: number;
  /** Queues RSS can spread over. */
  readonly rssMaxQueues: number;
  /** Where MRQC keeps RSS enable and each hashed field. */
  readonly mrqcBits: MrqcBits;
}

const MIN_MTU = 68;
const PREFERRED_RING_SIZE = 256;
const PREFERRED_BURST = 32;
/** Polls of TDH reaching TDT, 1 ms apart, before a tx queue stops anyway (DPDK's `ixgbe_dev_tx_queue_stop` waits 10 x 1 ms). */
const TX_DRAIN_POLLS = 10;
/** How long `linkGet` waits for the link (DPDK polls 90 x 100 ms). */
const LINK_WAIT_POLLS = 90;
const LINK_WAIT_MS = 100;
const TWO_32 = 2 ** 32;
const RSS_OFFLOADS = RssHf.IPV4 | RssHf.NONFRAG_IPV4_TCP | RssHf.NONFRAG_IPV4_UDP | RssHf.IPV6 | RssHf.NONFRAG_IPV6_TCP | RssHf.NONFRAG_IPV6_UDP;

/** The operations igb and ixgbe ports share; a driver's ops extend it. */
export abstract class IntelPortOps implements EthdevOps {
  readonly hw: IntelHw;
  readonly family: IntelFamily;
  /** Queues each way this device has. */
  readonly maxQueues: number;
  /** Whether the port is started. */
  protected started = false;
  /** Counter totals since the last reset, one per counter of the family. */
  readonly #totals: Float64Array;

  constructor(hw: IntelHw, family: IntelFamily, maxQueues: number) {
    this.hw = hw;
    this.family = family;
    this.maxQueues = maxQueues;
    this.#totals = new Float64Array(family.counters.length);
  }

  abstract start(dev: EthDev): void;
  abstract stop(dev: EthDev): void;
  abstract mtuSet(dev: EthDev, mtu: number): void;
  abstract statsGet(dev: EthDev, stats: EthStats): void;
  abstract setLinkUp(): void;
  abstract setLinkDown(): void;
  /** The link as the device shows it now. */
  protected abstract readLink(): IntelLink;
  /** Enables rx queue `queue`, its ring filled: the family's enable handshake, then RDT hands `nbDesc - 1` descriptors over. */
  protected abstract rxQueueEnable(queue: number, nbDesc: number): void;
  /** Disables rx queue `queue` and waits for the device to let it go. */
  protected abstract rxQueueDisable(queue: number): void;
  /** Enables tx queue `queue`, empty, head and tail at 0. */
  protected abstract txQueueEnable(queue: number): void;
  /** Disables tx queue `queue` and waits for the device to let it go. */
  protected abstract txQueueDisable(queue: number): void;

  infoGet(): PmdDevInfo {
    const f = this.family;
    const lim = { min: f.descMin, max: f.descMax, align: DESC_COUNT_ALIGN };
    return {
      minMtu: MIN_MTU,
      maxMtu: f.maxRxPktLen - ETHER_OVERHEAD,
      maxRxPktLen: f.maxRxPktLen,
      minRxBufSize: f.minRxBufSize,
      maxRxQueues: this.maxQueues,
      maxTxQueues: this.maxQueues,
      maxMacAddrs: f.macAddrs,
      rxOffloadCapa: RxOffload.VLAN_STRIP | RxOffload.VLAN_FILTER | RxOffload.SCATTER | RxOffload.RSS_HASH,
      txOffloadCapa: TxOffload.MULTI_SEGS | TxOffload.MBUF_FAST_FREE,
      rxQueueOffloadCapa: f.rxQueueOffloadCapa,
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
    const f = this.family;
    const room = pktmbufDataRoomSize(mempool) - MBUF_HEADROOM;
    if (room < f.minRxBufSize) {
      throw new NicError('NIC_EINVAL', `${dev.name}: rx queue ${queue}: mempool ${mempool.name} has ${room} bytes of data room past the headroom; ${f.name} needs at least ${f.minRxBufSize}`);
    }
    rxQueueInit(dev.eal.arena, f.layout.rxRecord(dev.data.privOffset, queue), nbDesc, {
      zone: queueZoneName(f.name, dev.port, 'rx', queue),
      tailReg: f.regs.RDT(queue),
      maxDesc: f.descMax,
      port: dev.port,
      errMask: f.rxErrMask,
      vlanStrip: ((dev.conf.rxMode.offloads | (conf.offloads ?? 0)) & RxOffload.VLAN_STRIP) !== 0,
    });
  }

  txQueueSetup(dev: EthDev, queue: number, nbDesc: number, conf: TxConf): void {
    const f = this.family;
    const offloads = dev.conf.txMode.offloads | (conf.offloads ?? 0);
    txQueueInit(dev.eal.arena, f.layout.txRecord(dev.data.privOffset, queue), nbDesc, {
      zone: queueZoneName(f.name, dev.port, 'tx', queue),
      tailReg: f.regs.TDT(queue),
      maxDesc: f.descMax,
      flags: (offloads & TxOffload.MBUF_FAST_FREE) !== 0 ? TQF_FAST_FREE : 0,
    });
  }

  rxQueueRelease(dev: EthDev, queue: number): void {
    freeQueueZone(dev.eal.arena, queueZoneName(this.family.name, dev.port, 'rx', queue));
  }

  txQueueRelease(dev: EthDev, queue: number): void {
    freeQueueZone(dev.eal.arena, queueZoneName(this.family.name, dev.port, 'tx', queue));
  }

  /** Starts rx queue `queue` of the started port (`rx_queue_start`): fresh mbufs, then the enable. */
  rxQueueStart(dev: EthDev, queue: number): void {
    const setup = dev.rxQueues[queue];
    if (!setup) throw new NicError('NIC_EINVAL', `${dev.name}: rx queue ${queue} is not set up`);
    const rec = this.family.layout.rxRecord(dev.data.privOffset, queue);
    rxQueueFill(dev.eal.arena, rec, setup.mempool, `${dev.name} rx queue ${queue}`);
    try {
      this.guarded(dev, () => this.rxQueueEnable(queue, setup.nbDesc));
    } catch (e) {
      this.quietly(() => this.rxQueueDisable(queue));
      rxQueueDrain(dev.eal.arena, rec);
      throw e;
    }
  }

  /** Stops rx queue `queue` (`rx_queue_stop`): disabled, then its mbufs back to the pool. */
  rxQueueStop(dev: EthDev, queue: number): void {
    this.guarded(dev, () => this.rxQueueDisable(queue));
    rxQueueDrain(dev.eal.arena, this.family.layout.rxRecord(dev.data.privOffset, queue));
  }

  /** Starts tx queue `queue` of the started port (`tx_queue_start`), empty. */
  txQueueStart(dev: EthDev, queue: number): void {
    txQueueReset(dev.eal.arena, this.family.layout.txRecord(dev.data.privOffset, queue));
    this.guarded(dev, () => this.txQueueEnable(queue));
  }

  /**
   * Stops tx queue `queue` (`tx_queue_stop`): waits a little for the device to send what the
   * queue holds (TDH reaching TDT), disables it, and frees its mbufs.
   */
  txQueueStop(dev: EthDev, queue: number): void {
    const { hw, family: f } = this;
    this.quietly(() => hw.poll(f.regs.TDH(queue), (v) => v === hw.read(f.regs.TDT(queue)), TX_DRAIN_POLLS, 1, `tx queue ${queue} drain (TDH = TDT)`));
    this.guarded(dev, () => this.txQueueDisable(queue));
    txQueueDrain(dev.eal.arena, this.family.layout.txRecord(dev.data.privOffset, queue));
  }

  close(dev: EthDev): void {
    for (let q = 0; q < dev.rxQueues.length; q++) this.rxQueueRelease(dev, q);
    for (let q = 0; q < dev.txQueues.length; q++) this.txQueueRelease(dev, q);
  }

  linkUpdate(dev: EthDev, waitToComplete: boolean): void | Promise<void> {
    if (!waitToComplete || !this.started || this.readLink().up) {
      this.updateLink(dev);
      return;
    }
    return this.#waitLink(dev);
  }

  /** Refreshes the link after a link-change interrupt; returns whether it changed. */
  linkChanged(dev: EthDev): boolean {
    return this.updateLink(dev);
  }

  promiscuousEnable(): void {
    this.hw.setBits(this.family.filterCtl, this.family.upe | this.family.mpe);
  }

  promiscuousDisable(dev: EthDev): void {
    const { filterCtl, upe, mpe } = this.family;
    this.hw.clearBits(filterCtl, dev.data.flags & PF_ALLMULTI ? upe : upe | mpe);
  }

  allmulticastEnable(): void {
    this.hw.setBits(this.family.filterCtl, this.family.mpe);
  }

  allmulticastDisable(dev: EthDev): void {
    if ((dev.data.flags & PF_PROMISC) === 0) this.hw.clearBits(this.family.filterCtl, this.family.mpe);
  }

  macAddrSet(_dev: EthDev, mac: Uint8Array): void {
    this.rarWrite(0, mac);
  }

  macAddrAdd(_dev: EthDev, mac: Uint8Array, index: number): void {
    this.rarWrite(index, mac);
  }

  macAddrRemove(_dev: EthDev, index: number): void {
    this.rarErase(index);
  }

  vlanFilterSet(_dev: EthDev, vlanId: number, on: boolean): void {
    vftaSet(this.hw, this.family.regs.VFTA, vlanId, on);
  }

  setMcAddrList(_dev: EthDev, macs: readonly Uint8Array[]): void {
    mtaUpdate(this.hw, this.family.regs.MTA, macs);
  }

  statsReset(): void {
    this.totals().fill(0);
  }

  xstatsGetNames(): string[] {
    return this.family.counters.map((c) => c.name);
  }

  xstatsGet(): number[] {
    return Array.from(this.totals());
  }

  xstatsReset(): void {
    this.statsReset();
  }

  /** The counter totals, brought up to date from the registers. */
  protected totals(): Float64Array {
    accumulateCounters(this.hw, this.family.counters, this.#totals);
    return this.#totals;
  }

  /** Clears the counters' registers without counting what they held (at start). */
  protected discardCounters(): void {
    accumulateCounters(this.hw, this.family.counters, new Float64Array(this.family.counters.length));
  }

  /** Writes receive address `index` (valid). */
  protected rarWrite(index: number, mac: Uint8Array): void {
    rarSet(this.hw, this.family.regs.RAL(index), this.family.regs.RAH(index), mac);
  }

  /** Clears receive address `index`. */
  protected rarErase(index: number): void {
    rarClear(this.hw, this.family.regs.RAL(index), this.family.regs.RAH(index));
  }

  /** Writes the port's addresses into the receive address registers, clearing the unused ones. */
  protected writeMacs(dev: EthDev): void {
    for (let i = 0; i < this.family.macAddrs; i++) {
      const mac = i === 0 ? dev.data.mac : dev.macAddrs[i];
      if (mac) this.rarWrite(i, mac);
      else this.rarErase(i);
    }
  }

  /**
   * Points a ring's base and length registers at the ring of the queue record `rec` and
   * returns its descriptor count.
   */
  protected ringWrite(arena: Arena, rec: number, bal: number, bah: number, len: number): number {
    const iova = arena.iova(arena.u32[(rec + Q_RING) >>> 2]);
    const nbDesc = arena.u32[(rec + Q_NB_DESC) >>> 2];
    this.hw.write(bal, iova % TWO_32);
    this.hw.write(bah, Math.floor(iova / TWO_32));
    this.hw.write(len, nbDesc * DESC_SIZE);
    return nbDesc;
  }

  /** RSS as the port's configuration asks: key, round-robin table, MRQC; off without it. */
  protected rssInit(dev: EthDev): void {
    const { hw, family: f } = this;
    const { rss, rxMode } = dev.conf;
    if (rxMode.mqMode !== 'rss' || rss.hf === 0) {
      hw.write(f.regs.MRQC, mrqcValue(undefined, f.mrqcBits));
      return;
    }
    rssKeyWrite(hw, f.regs.RSSRK, rss.key ?? DEFAULT_RSS_KEY);
    retaWrite(hw, f.regs.RETA, retaRoundRobin(Math.min(dev.data.nbRxQueues, f.rssMaxQueues)));
    const hf = rss.hf;
    const fields = {
      ipv4: (hf & RssHf.IPV4) !== 0,
      ipv4Tcp: (hf & RssHf.NONFRAG_IPV4_TCP) !== 0,
      ipv4Udp: (hf & RssHf.NONFRAG_IPV4_UDP) !== 0,
      ipv6: (hf & RssHf.IPV6) !== 0,
      ipv6Tcp: (hf & RssHf.NONFRAG_IPV6_TCP) !== 0,
      ipv6Udp: (hf & RssHf.NONFRAG_IPV6_UDP) !== 0,
    };
    hw.write(f.regs.MRQC, mrqcValue(fields, f.mrqcBits));
  }

  /** Reads the link into the port's shared data; returns whether it changed. */
  protected updateLink(dev: EthDev): boolean {
    const link = this.readLink();
    return linkStatusSet(dev, { up: link.up, speed: link.up ? link.speed : LinkSpeed.NONE, fullDuplex: link.fullDuplex, autoneg: true });
  }

  /** Runs a register sequence, a hardware failure becoming a `NicError` naming the port. */
  protected guarded(dev: EthDev, step: () => void): void {
    try {
      step();
    } catch (e) {
      throw this.hwFailure(dev, e);
    }
  }

  /** Runs a register sequence whose hardware failure is not fatal (a queue that does not let go at stop: the reset at close takes it). */
  protected quietly(step: () => void): void {
    try {
      step();
    } catch (e) {
      if (!(e instanceof HwError)) throw e;
    }
  }

  /** A hardware failure as a `NicError` naming the port (`NIC_ENODEV` for a removed device); anything else as it is. */
  protected hwFailure(dev: EthDev, e: unknown): unknown {
    if (!(e instanceof HwError)) return e;
    return new NicError(e.kind === 'removed' ? 'NIC_ENODEV' : 'NIC_EIO', `${dev.name}: ${e.message}`, { cause: e });
  }

  async #waitLink(dev: EthDev): Promise<void> {
    for (let i = 0; i < LINK_WAIT_POLLS && this.started && !this.readLink().up; i++) {
      await new Promise((resolve) => setTimeout(resolve, LINK_WAIT_MS));
    }
    this.updateLink(dev);
  }
}
