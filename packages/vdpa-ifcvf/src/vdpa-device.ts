/**
 * One IFC VF as a vDPA device (DPDK's `ifcvf_internal` and its `ifcvf_ops`): the ops the
 * vhost library calls, and what they set up and undo: the frontend's memory DMA-mapped into
 * the function's private container (IOVA = guest physical address), MSI-X vector 0 to the
 * configuration relay and vector i+1 to vring i's call eventfd in one SET_IRQS, the
 * hardware started on the frontend's rings, the notify and interrupt relays, host notifiers.
 */
import { attach, NicError, VFIO, vfioDeviceGetRegionInfo, vfioDeviceSetIrqs } from '@nic/native';
import type { PciDevice, PciDmaContainer } from '@nic/pci/driver';
import {
  featureMask,
  hasFeature,
  VHOST_F_LOG_ALL,
  VHOST_USER_F_PROTOCOL_FEATURES,
  VHOST_USER_PROTOCOL_F_BACKEND_REQ,
  VHOST_USER_PROTOCOL_F_BACKEND_SEND_FD,
  VHOST_USER_PROTOCOL_F_CONFIG,
  VHOST_USER_PROTOCOL_F_HOST_NOTIFIER,
  VHOST_USER_PROTOCOL_F_LOG_SHMFD,
  VHOST_USER_PROTOCOL_F_MQ,
  VHOST_USER_PROTOCOL_F_REPLY_ACK,
  VHOST_USER_PROTOCOL_F_STATUS,
  type VdpaDeviceOps,
  type VdpaDeviceType,
  type VdpaNotifyArea,
  type VdpaStat,
  type VdpaVhostDevice,
  type VhostMemoryRegion,
  usedRingBytes,
} from '@nic/vdpa/driver';
import type { IfcvfHw, IfcvfRingState, IfcvfVring } from './base/hw.js';
import * as V from './base/virtio.js';
import { MediatedRings } from './mediated.js';
import { EventRelay } from './relays.js';
import { IFCVF_STATS_NAMES, RingCounters } from './stats.js';

/** IOVA where the dirty log is mapped for hardware logging (DPDK's IFCVF_LOG_BASE). */
export const IFCVF_LOG_BASE = 0x100000000000;
/** Bytes of a host-notifier area (one page). */
const NOTIFY_AREA_SIZE = 0x1000;
/** VFIO maps whole pages: a DMA window's length is rounded up to this. */
const DMA_PAGE = 0x1000;
/** Vring offset of the used ring's `idx`. */
const USED_IDX = 2;
const NO_FD = -1;

const PROTOCOL_FEATURES_NET = featureMask(
  VHOST_USER_PROTOCOL_F_REPLY_ACK,
  VHOST_USER_PROTOCOL_F_BACKEND_REQ,
  VHOST_USER_PROTOCOL_F_BACKEND_SEND_FD,
  VHOST_USER_PROTOCOL_F_HOST_NOTIFIER,
  VHOST_USER_PROTOCOL_F_LOG_SHMFD,
  VHOST_USER_PROTOCOL_F_MQ,
  VHOST_USER_PROTOCOL_F_STATUS,
);
const PROTOCOL_FEATURES_BLK = PROTOCOL_FEATURES_NET | featureMask(VHOST_USER_PROTOCOL_F_CONFIG);
const EXTRA_FEATURES_NET = featureMask(V.VIRTIO_NET_F_GUEST_ANNOUNCE, V.VIRTIO_NET_F_CTRL_VQ, V.VIRTIO_NET_F_STATUS, VHOST_USER_F_PROTOCOL_FEATURES, VHOST_F_LOG_ALL);
const EXTRA_FEATURES_BLK = featureMask(VHOST_USER_F_PROTOCOL_FEATURES, VHOST_F_LOG_ALL);

/** What probe found out about the function. */
export interface IfcvfFacts {
  readonly pci: PciDevice;
  readonly hw: IfcvfHw;
  readonly dma: PciDmaContainer;
  readonly type: VdpaDeviceType;
  /** Queue pairs (net) or queues (blk). */
  readonly maxQueues: number;
  /** The device's own features. */
  readonly deviceFeatures: bigint;
  readonly swLiveMigration: boolean;
}

/** The vDPA side of one IFC VF. */
export class IfcvfVdpa implements VdpaDeviceOps {
  readonly facts: IfcvfFacts;
  /** Features offered to the frontend: the device's, without IOMMU_PLATFORM, plus vhost's. */
  readonly features: bigint;
  #vhost: VdpaVhostDevice | undefined;
  #running = false;
  #mapped: number[] = [];
  #logMapped = false;
  /** Ring states the frontend changed with SET_VRING_ENABLE, over what the vhost device says. */
  readonly #enabled = new Map<number, boolean>();
  readonly #notify = new EventRelay();
  readonly #intr = new EventRelay();
  /** Mediated rings' interrupts to the used-ring relay, while migrating in software. */
  readonly #usedRelay = new EventRelay();
  readonly #counters = new RingCounters();
  /** While migrating in software: the mediated used rings the device writes instead. */
  #mediated: MediatedRings | undefined;
  /** The first error of a used-ring relay (a hostile or broken ring): relaying stopped there. */
  relayFault: unknown;

  constructor(facts: IfcvfFacts) {
    this.facts = facts;
    const extra = facts.type === 'net' ? EXTRA_FEATURES_NET : EXTRA_FEATURES_BLK;
    this.features = (facts.deviceFeatures & ~featureMask(V.VIRTIO_F_IOMMU_PLATFORM)) | extra;
  }

  /** Whether the hardware runs the frontend's rings. */
  get running(): boolean {
    return this.#running;
  }

  /** Whether the device runs on mediated used rings, relayed in software (migration under way). */
  get relaying(): boolean {
    return this.#mediated !== undefined;
  }

  /** Kicks relayed to doorbells, and configuration interrupts relayed to the frontend. */
  get relayed(): { kicks: number; configChanges: number } {
    return { kicks: this.#notify.relayed, configChanges: this.#intr.relayed };
  }

  // ----- rte_vdpa_dev_ops -----

  getQueueNum(): number {
    return this.facts.maxQueues;
  }

  getFeatures(): bigint {
    return this.features;
  }

  getProtocolFeatures(): bigint {
    return this.facts.type === 'net' ? PROTOCOL_FEATURES_NET : PROTOCOL_FEATURES_BLK;
  }

  getDevType(): VdpaDeviceType {
    return this.facts.type;
  }

  devConf(vhost: VdpaVhostDevice): void {
    if (this.#vhost) throw new NicError('NIC_EBUSY', `${this.#name}: already serves vhost device ${this.#vhost.vid}`);
    this.#vhost = vhost;
    this.relayFault = undefined;
    try {
      this.#start(vhost);
    } catch (e) {
      this.#vhost = undefined;
      throw e;
    }
    for (let i = 0; i < vhost.vringCount(); i++) if (vhost.vring(i).enabled) vhost.hostNotifierCtrl(i, true);
  }

  /**
   * Stops the hardware, unbinds the vectors, unmaps the memory and the log, and resets the
   * function last: a status that never clears is `NIC_EIO` after everything else is undone.
   */
  devClose(vhost: VdpaVhostDevice): void {
    this.#check(vhost);
    try {
      this.#stop(vhost);
    } finally {
      this.#enabled.clear();
      this.#vhost = undefined;
    }
    this.facts.hw.reset();
  }

  /** Lets go of the vhost device it serves, if any (the function is being removed). */
  shutdown(): void {
    if (this.#vhost) this.devClose(this.#vhost);
  }

  setVringState(vhost: VdpaVhostDevice, vring: number, enable: boolean): void {
    if (!Number.isInteger(vring) || vring < 0 || vring >= this.#nrVringMax()) {
      throw new NicError('NIC_EINVAL', `${this.#name}: vring ${vring} is not 0 to ${this.#nrVringMax() - 1}`);
    }
    this.#enabled.set(vring, enable);
    if (!this.#running || this.#vhost !== vhost) return;
    // Restart on the new set of rings: the relays and vectors follow the rings that run.
    this.#stopHardware(vhost);
    this.#startHardware(vhost);
    vhost.hostNotifierCtrl(vring, enable);
  }

  /**
   * `SET_FEATURES`: with LOG_ALL, migration starts. With `sw-live-migration=1` the device is
   * switched over to mediated used rings relayed in software (and back when LOG_ALL goes);
   * otherwise the IFC part logs in hardware.
   */
  setFeatures(vhost: VdpaVhostDevice): void {
    const logging = hasFeature(vhost.negotiatedFeatures(), VHOST_F_LOG_ALL);
    if (this.facts.swLiveMigration) {
      if (this.#running && this.#vhost === vhost && logging !== this.relaying) this.#switchOver(vhost);
      return;
    }
    if (!logging) {
      if (this.#logMapped) this.#stopLogging();
      return;
    }
    const log = vhost.logArea();
    if (!log) throw new NicError('NIC_EINVAL', `${this.#name}: logging was negotiated but the frontend shared no log (SET_LOG_BASE)`);
    // QEMU's log is a whole number of 64-bit words, seldom of pages; VFIO refuses a window that
    // is not whole pages (EINVAL). The log's mapping covers its last page, so the window may too.
    this.facts.dma.dmaMap({ vaddr: log.address, iova: IFCVF_LOG_BASE, length: Math.ceil(log.size / DMA_PAGE) * DMA_PAGE });
    this.#logMapped = true;
    this.facts.hw.enableLogging(IFCVF_LOG_BASE, log.size);
  }

  getVfioGroupFd(): number {
    const fd = this.facts.dma.groupFd;
    if (fd === undefined) throw new NicError('NIC_ENOTSUP', `${this.#name}: no VFIO group fd (a modelled device)`);
    return fd;
  }

  getVfioDeviceFd(): number {
    const fd = this.facts.pci.intr?.deviceFd ?? NO_FD;
    if (fd < 0) throw new NicError('NIC_ENOTSUP', `${this.#name}: no VFIO device fd (a modelled device)`);
    return fd;
  }

  getNotifyArea(vhost: VdpaVhostDevice, qid: number): VdpaNotifyArea {
    this.#check(vhost);
    const at = this.facts.hw.notifyOffset(qid);
    if (at === undefined) throw new NicError('NIC_EINVAL', `${this.#name}: vring ${qid} is not running`);
    const region = vfioDeviceGetRegionInfo(this.getVfioDeviceFd(), VFIO.VFIO_PCI_BAR0_REGION_INDEX + this.facts.hw.notifyBar);
    return { offset: region.offset + at, size: NOTIFY_AREA_SIZE };
  }

  getStatsNames(): readonly string[] {
    return IFCVF_STATS_NAMES;
  }

  /** Descriptors vring `qid` took and completed (see `stats.ts`); sampled from the device while it runs. */
  getStats(_dev: unknown, qid: number): readonly VdpaStat[] {
    this.#sampleLive(qid);
    return this.#counters.values(qid).map((value, id) => ({ id, value }));
  }

  resetStats(_dev: unknown, qid: number): void {
    this.#sampleLive(qid);
    this.#counters.reset(qid);
  }

  #sampleLive(qid: number): void {
    const vhost = this.#vhost;
    if (!vhost || !this.#running || !this.#counters.running(qid)) return;
    this.#counters.sample(qid, this.facts.hw.ringState(qid) ?? usedIndexState(vhost, qid));
  }

  getConfig(_vhost: VdpaVhostDevice, size: number): Uint8Array {
    if (this.facts.type !== 'blk') throw new NicError('NIC_ENOTSUP', `${this.#name}: device configuration is served for blk devices only`);
    return this.facts.hw.deviceConfig(0, Math.min(size, V.VIRTIO_BLK_CFG_SIZE));
  }

  // ----- what devConf and devClose do -----

  get #name(): string {
    return `net_ifcvf ${this.facts.pci.name}`;
  }

  #nrVringMax(): number {
    return this.facts.type === 'net' ? 2 * this.facts.maxQueues : this.facts.maxQueues;
  }

  #check(vhost: VdpaVhostDevice): void {
    if (this.#vhost !== vhost) throw new NicError('NIC_EINVAL', `${this.#name}: vhost device ${vhost.vid} is not the one it serves`);
  }

  /** Restarts the hardware in the other mode (DPDK's `ifcvf_sw_fallback_switchover`). */
  #switchOver(vhost: VdpaVhostDevice): void {
    this.#stopHardware(vhost);
    vhost.hostNotifierCtrl('all', false);
    this.#startHardware(vhost);
    vhost.hostNotifierCtrl('all', true);
  }

  #start(vhost: VdpaVhostDevice): void {
    const regions = vhost.memTable();
    try {
      for (const r of regions) {
        this.facts.dma.dmaMap({ vaddr: r.hostUserAddr, iova: r.guestPhysAddr, length: r.size });
        this.#mapped.push(r.guestPhysAddr);
      }
      this.#startHardware(vhost);
    } catch (e) {
      this.#unmapMemory();
      throw e;
    }
  }

  #startHardware(vhost: VdpaVhostDevice): void {
    const nr = Math.min(vhost.vringCount(), this.#nrVringMax());
    const regions = vhost.memTable();
    const relaying = this.facts.swLiveMigration && hasFeature(vhost.negotiatedFeatures(), VHOST_F_LOG_ALL);
    const mediated = relaying ? new MediatedRings(this.facts.dma, this.#name) : undefined;
    const vrings: IfcvfVring[] = [];
    try {
      for (let i = 0; i < nr; i++) {
        const v = vhost.vring(i);
        const base = vhost.vringBase(i);
        const enable = this.#enabled.get(i) ?? v.enabled;
        let used = gpa(regions, v.used, `vring ${i} used`, this.#name);
        // Migrating: the device writes the used entries of the rings it fills into mediated rings.
        if (mediated && enable && this.#deviceWrites(i)) used = mediated.add(i, v.size, base.lastUsed);
        vrings.push({ desc: gpa(regions, v.desc, `vring ${i} descriptors`, this.#name), avail: gpa(regions, v.avail, `vring ${i} avail`, this.#name), used, size: v.size, lastAvail: base.lastAvail, lastUsed: base.lastUsed, enable });
      }
      mediated?.attach(vhost);
      this.#setIrqs(vhost, nr, mediated);
      try {
        this.facts.hw.start(vrings, vhost.negotiatedFeatures());
      } catch (e) {
        this.#disableIrqs();
        throw e;
      }
      vrings.forEach((v, i) => v.enable && this.#counters.start(i, v));
      vrings.forEach((v, i) => {
        const kickfd = vhost.vring(i).kickfd;
        if (v.enable && kickfd >= 0) {
          this.#notify.add(kickfd, () => {
            this.#counters.relayed(i);
            this.facts.hw.notify(i);
          });
        }
      });
    } catch (e) {
      mediated?.close();
      throw e;
    }
    const configFd = this.facts.pci.intr?.fd;
    if (configFd !== undefined) this.#intr.add(configFd, () => vhost.configChange());
    this.#mediated = mediated;
    this.#running = true;
    if (!mediated) return;
    for (const qid of mediated.qids) this.#usedRelay.add(mediated.intrFd(qid), () => this.#relay(vhost, mediated, qid));
    // As DPDK's relay thread starts: relay what is there, and kick every ring once.
    for (const qid of mediated.qids) this.#relay(vhost, mediated, qid);
    for (let i = 0; i < nr; i++) if (vrings[i]?.enable) this.facts.hw.notify(i);
  }

  /** Whether the device writes vring `qid`'s buffers (net rx vrings, every blk vring). */
  #deviceWrites(qid: number): boolean {
    return this.facts.type === 'blk' || qid % 2 === 0;
  }

  /** Relays vring `qid`'s new used entries and calls the frontend; a broken ring stops relaying, recorded. */
  #relay(vhost: VdpaVhostDevice, mediated: MediatedRings, qid: number): void {
    if (this.relayFault !== undefined || !mediated.has(qid)) return;
    try {
      if (mediated.relay(qid) > 0) vhost.vringCall(qid);
    } catch (e) {
      this.relayFault = e;
    }
  }

  #stop(vhost: VdpaVhostDevice): void {
    try {
      if (this.#running) this.#stopHardware(vhost);
    } finally {
      if (this.#logMapped) this.#stopLogging();
      this.#unmapMemory();
    }
  }

  #stopHardware(vhost: VdpaVhostDevice): void {
    this.#intr.stop();
    this.#notify.stop();
    this.#usedRelay.stop();
    this.#running = false;
    const nr = Math.min(vhost.vringCount(), this.#nrVringMax());
    const mediated = this.#mediated;
    this.#mediated = undefined;
    // The last entries of a mediated ring go to the frontend before its used index is read.
    const sync = (qid: number): void => {
      if (mediated) this.#relay(vhost, mediated, qid);
    };
    try {
      const states = this.facts.hw.stop(nr, (qid) => {
        sync(qid);
        return usedIndexState(vhost, qid);
      });
      states.forEach((s, qid) => {
        sync(qid);
        if (this.#counters.running(qid)) this.#counters.sample(qid, s, true);
        vhost.setVringBase(qid, s);
      });
    } finally {
      this.#disableIrqs();
      mediated?.close();
    }
    // Logging: the device's own used-ring writes were not logged (hardware logs buffers; the
    // relay logs the mediated rings' entries, not the rings the device wrote directly).
    if (this.#logMapped || mediated) for (let i = 0; i < nr; i++) vhost.logUsedVring(i, 0, usedRingBytes(vhost.vring(i).size));
  }

  #stopLogging(): void {
    if (this.facts.hw.hasLm) this.facts.hw.disableLogging();
    this.facts.dma.dmaUnmap(IFCVF_LOG_BASE);
    this.#logMapped = false;
  }

  #unmapMemory(): void {
    for (const iova of this.#mapped.splice(0)) this.facts.dma.dmaUnmap(iova);
  }

  /**
   * Vector 0: the configuration interrupt (the device's own eventfd); vector i+1: vring i's
   * call eventfd, or its mediated ring's eventfd while migrating in software.
   */
  #setIrqs(vhost: VdpaVhostDevice, nr: number, mediated: MediatedRings | undefined): void {
    const intr = this.facts.pci.intr;
    if (!intr || intr.kind !== 'vfio_msix') throw new NicError('NIC_ENOTSUP', `${this.#name}: needs MSI-X through VFIO (bind the function to vfio-pci)`);
    if (nr + 1 > intr.nbVectors) throw new NicError('NIC_EINVAL', `${this.#name}: ${nr} vrings need ${nr + 1} MSI-X vectors; the function has ${intr.nbVectors}`);
    const fds = [intr.fd];
    for (let i = 0; i < nr; i++) fds.push(mediated?.has(i) ? mediated.intrFd(i) : vhost.vring(i).callfd);
    if (intr.setIrqs) intr.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, fds);
    else vfioDeviceSetIrqs(intr.deviceFd, VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, fds);
  }

  #disableIrqs(): void {
    const intr = this.facts.pci.intr;
    if (!intr) return;
    if (intr.setIrqs) intr.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, 'disable');
    else vfioDeviceSetIrqs(intr.deviceFd, VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, 'disable', 0);
  }
}

/** The guest physical address of host virtual address `hva` (`hva_to_gpa`); `NIC_EINVAL` when no region holds it. */
function gpa(regions: readonly VhostMemoryRegion[], hva: number, what: string, name: string): number {
  for (const r of regions) if (hva >= r.hostUserAddr && hva < r.hostUserAddr + r.size) return r.guestPhysAddr + (hva - r.hostUserAddr);
  throw new NicError('NIC_EINVAL', `${name}: ${what} at 0x${hva.toString(16)} is in no region of the frontend's memory table`);
}

/**
 * Where a ring stopped on a function without the LM block: the used index the device last
 * published, with every taken entry completed (a net device completes in order).
 */
function usedIndexState(vhost: VdpaVhostDevice, qid: number): IfcvfRingState {
  const used = new Uint16Array(attach(vhost.vring(qid).used, 4 + 0), 0, 2)[USED_IDX / 2];
  return { lastAvail: used, lastUsed: used };
}
