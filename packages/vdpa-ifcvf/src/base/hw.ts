/**
 * The IFC VF's virtio interface (DPDK's `base/ifcvf.c`): the capability walk with every
 * structure bounds-checked against its BAR, feature reading, HW start (reset, status bits,
 * negotiation with the FEATURES_OK check, per-queue rings, ring state, MSI-X vectors,
 * notify addresses, enable, DRIVER_OK) and stop, doorbells, and hardware dirty logging.
 * Free of framework imports but the register contract and the decoded capabilities; errors
 * are NicErrors naming the device.
 */
import { NicError } from '@nic/native';
import {
  decodeVirtioCap,
  VIRTIO_PCI_CAP_COMMON_CFG,
  VIRTIO_PCI_CAP_DEVICE_CFG,
  VIRTIO_PCI_CAP_ISR_CFG,
  VIRTIO_PCI_CAP_NOTIFY_CFG,
  type PciNarrowRegisters,
  type VendorCapability,
  type VirtioPciCap,
} from '@nic/pci/driver';
import * as LM from './lm.js';
import * as V from './virtio.js';

/** How the driver reaches one BAR. */
export interface IfcvfBar {
  readonly regs: PciNarrowRegisters;
  /** Bytes of the BAR. */
  readonly length: number;
}

/** One structure located in a BAR. */
interface Located {
  readonly bar: number;
  readonly offset: number;
  readonly length: number;
}

/** What a vring is programmed with. */
export interface IfcvfVring {
  /** IOVAs of the descriptor table, available and used rings. */
  readonly desc: number;
  readonly avail: number;
  readonly used: number;
  readonly size: number;
  readonly lastAvail: number;
  readonly lastUsed: number;
  /** Whether the frontend enabled it. */
  readonly enable: boolean;
}

/** Where a stopped vring stands. */
export interface IfcvfRingState {
  readonly lastAvail: number;
  readonly lastUsed: number;
}

const BAR_COUNT = 6;
const TWO_POW_32 = 2 ** 32;
const U16_MASK = 0xffff;
const FEATURE_WORDS = 2;
const IOMMU_PLATFORM = 1n << BigInt(V.VIRTIO_F_IOMMU_PLATFORM);
/** Polls of the status after a reset, and of queue_enable after a disable, 1 ms apart. */
const RESET_POLLS = 100;
const DISABLE_POLLS = 100;
const POLL_MS = 1;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** The structures of one function, found and checked. */
export class IfcvfHw {
  readonly name: string;
  /** Notify multiplier: queue q's doorbell is at notify offset + queue_notify_off * this. */
  readonly notifyOffMultiplier: number;
  /** The BAR of the doorbells. */
  readonly notifyBar: number;
  readonly #common: PciNarrowRegisters;
  readonly #commonOffset: number;
  readonly #notify: Located;
  readonly #notifyRegs: PciNarrowRegisters;
  readonly #device: Located;
  readonly #deviceRegs: PciNarrowRegisters;
  readonly #lm: PciNarrowRegisters | undefined;
  readonly #type: 'net' | 'blk';
  /** Doorbell offsets (in the notify BAR) of the vrings started. */
  readonly #notifyAt: number[] = [];

  /**
   * Walks `caps` (the function's vendor capabilities): common, notify, ISR and device
   * config must all be there, each inside its BAR. `lm` is the live-migration BAR, only for
   * an IFC part. A structure missing, in a BAR that is not mapped, or reaching past its BAR
   * is `NIC_EINVAL`.
   */
  constructor(name: string, caps: readonly VendorCapability[], bars: readonly (IfcvfBar | undefined)[], type: 'net' | 'blk', lm: IfcvfBar | undefined) {
    this.name = name;
    this.#type = type;
    const found = new Map<number, VirtioPciCap>();
    for (const raw of caps) {
      const cap = decodeVirtioCap(raw);
      if (!cap || found.has(cap.cfgType)) continue;
      found.set(cap.cfgType, cap);
    }
    const locate = (cfgType: number, what: string): Located & { regs: PciNarrowRegisters; cap: VirtioPciCap } => {
      const cap = found.get(cfgType);
      if (!cap) throw new NicError('NIC_EINVAL', `${name}: no virtio ${what} capability`);
      const bar = cap.bar < BAR_COUNT ? bars[cap.bar] : undefined;
      if (!bar) throw new NicError('NIC_EINVAL', `${name}: the virtio ${what} capability names BAR ${cap.bar}, which is not a mapped memory BAR`);
      if (cap.offset + cap.length > bar.length) {
        throw new NicError('NIC_EINVAL', `${name}: the virtio ${what} structure (0x${cap.length.toString(16)} bytes at 0x${cap.offset.toString(16)}) runs past BAR ${cap.bar} (0x${bar.length.toString(16)} bytes)`);
      }
      return { bar: cap.bar, offset: cap.offset, length: cap.length, regs: bar.regs, cap };
    };
    const common = locate(VIRTIO_PCI_CAP_COMMON_CFG, 'common config');
    if (common.length < V.VIRTIO_PCI_COMMON_CFG_SIZE) throw new NicError('NIC_EINVAL', `${name}: the virtio common config is ${common.length} bytes, under ${V.VIRTIO_PCI_COMMON_CFG_SIZE}`);
    const notify = locate(VIRTIO_PCI_CAP_NOTIFY_CFG, 'notify');
    locate(VIRTIO_PCI_CAP_ISR_CFG, 'ISR');
    const device = locate(VIRTIO_PCI_CAP_DEVICE_CFG, 'device config');
    this.#common = common.regs;
    this.#commonOffset = common.offset;
    this.#notify = notify;
    this.#notifyRegs = notify.regs;
    this.notifyBar = notify.bar;
    this.notifyOffMultiplier = notify.cap.notifyOffMultiplier ?? 0;
    this.#device = device;
    this.#deviceRegs = device.regs;
    if (lm && lm.length < LM.IFCVF_LM_RING_STATE_OFFSET + LM.IFCVF_LM_CFG_SIZE) throw new NicError('NIC_EINVAL', `${name}: the live-migration BAR is ${lm.length} bytes`);
    this.#lm = lm?.regs;
  }

  /** Whether the live-migration block is there (an IFC part). */
  get hasLm(): boolean {
    return this.#lm !== undefined;
  }

  /** The device's features. */
  features(): bigint {
    let features = 0n;
    for (let word = 0; word < FEATURE_WORDS; word++) {
      this.#w32(V.VIRTIO_PCI_COMMON_DFSELECT, word);
      features |= BigInt(this.#r32(V.VIRTIO_PCI_COMMON_DF)) << BigInt(32 * word);
    }
    return features;
  }

  /** `num_queues` of the common config. */
  numQueues(): number {
    return this.#common.read16(this.#commonOffset + V.VIRTIO_PCI_COMMON_NUMQ);
  }

  /** `length` bytes of the device configuration from `offset` (bounded by the structure). */
  deviceConfig(offset: number, length: number): Uint8Array {
    if (offset < 0 || offset + length > this.#device.length) throw new NicError('NIC_EINVAL', `${this.name}: device config bytes ${offset}..${offset + length} are past its ${this.#device.length} bytes`);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.#deviceRegs.read8(this.#device.offset + offset + i);
    return out;
  }

  /** The device status byte. */
  status(): number {
    return this.#common.read8(this.#commonOffset + V.VIRTIO_PCI_COMMON_STATUS);
  }

  /** Writes 0 to the status and waits for it to read 0; a status that never clears is `NIC_EIO`. */
  reset(): void {
    this.#setStatus(V.VIRTIO_CONFIG_STATUS_RESET);
    for (let i = 0; i < RESET_POLLS; i++) {
      if (this.status() === V.VIRTIO_CONFIG_STATUS_RESET) return;
      sleepMs(POLL_MS);
    }
    throw new NicError('NIC_EIO', `${this.name}: the device status still reads 0x${this.status().toString(16)} ${RESET_POLLS * POLL_MS} ms after a reset`);
  }

  /**
   * Starts the device on `vrings` with the features `requested` (ANDed with the device's):
   * reset, ACK, DRIVER, features, FEATURES_OK (checked), the config vector (0), the queue
   * count (IFC only), each enabled ring, DRIVER_OK. On a failure the device is left reset.
   * Without the LM block a ring can only start at index 0 (a virtio device has no register
   * for where to resume; Linux's vp_vdpa refuses the same): other bases are `NIC_ENOTSUP`.
   */
  start(vrings: readonly IfcvfVring[], requested: bigint): void {
    if (!this.#lm) {
      const i = vrings.findIndex((v) => v.enable && (v.lastAvail !== 0 || v.lastUsed !== 0));
      if (i >= 0) {
        throw new NicError('NIC_ENOTSUP', `${this.name}: vring ${i} would resume at index ${vrings[i].lastAvail}; without the IFC live-migration block (ring state) a ring restarts at 0 only`);
      }
    }
    this.reset();
    try {
      this.#addStatus(V.VIRTIO_CONFIG_STATUS_ACK);
      this.#addStatus(V.VIRTIO_CONFIG_STATUS_DRIVER);
      this.#negotiate(this.#accepted(requested));
      this.#w16(V.VIRTIO_PCI_COMMON_MSIX, 0);
      if (this.#r16(V.VIRTIO_PCI_COMMON_MSIX) === V.VIRTIO_MSI_NO_VECTOR) throw new NicError('NIC_EIO', `${this.name}: the device refused MSI-X vector 0 for config changes`);
      const enabled = vrings.filter((v) => v.enable).length;
      this.#lm?.write32(LM.IFCVF_MQ_OFFSET, this.#type === 'net' ? enabled >>> 1 : enabled);
      // A disabled ring's state is written too (as DPDK's ifcvf_hw_enable): stop reads every
      // ring's state back, and a ring never written would hand back what an earlier driver left.
      vrings.forEach((v, i) => (v.enable ? this.#startRing(i, v) : this.#writeRingState(i, v)));
      this.#addStatus(V.VIRTIO_CONFIG_STATUS_DRIVER_OK);
    } catch (e) {
      this.#setStatus(V.VIRTIO_CONFIG_STATUS_RESET);
      throw e;
    }
  }

  /**
   * Stops the device: the config vector and every ring of `nrVring` disabled, and where each
   * ring stopped (from the LM ring state on an IFC part; the given fallback otherwise). The
   * caller resets it afterwards ({@link reset}).
   */
  stop(nrVring: number, fallback: (qid: number) => IfcvfRingState): IfcvfRingState[] {
    this.#w16(V.VIRTIO_PCI_COMMON_MSIX, V.VIRTIO_MSI_NO_VECTOR);
    const states: IfcvfRingState[] = [];
    for (let i = 0; i < nrVring; i++) {
      this.#w16(V.VIRTIO_PCI_COMMON_Q_SELECT, i);
      this.#w16(V.VIRTIO_PCI_COMMON_Q_ENABLE, 0);
      this.#w16(V.VIRTIO_PCI_COMMON_Q_MSIX, V.VIRTIO_MSI_NO_VECTOR);
      for (let n = 0; n < DISABLE_POLLS && this.#r16(V.VIRTIO_PCI_COMMON_Q_ENABLE) !== 0; n++) sleepMs(POLL_MS);
      states.push(this.#lm ? this.#readRingState(i) : fallback(i));
    }
    this.#notifyAt.length = 0;
    return states;
  }

  /** Rings vring `qid`'s doorbell (the 16-bit queue index, as virtio wants). */
  notify(qid: number): void {
    const at = this.#notifyAt[qid];
    if (at !== undefined) this.#notifyRegs.write16(at, qid);
  }

  /** The doorbell of vring `qid` in the notify BAR, once started. */
  notifyOffset(qid: number): number | undefined {
    return this.#notifyAt[qid];
  }

  /** Turns hardware dirty logging on for the log at IOVA `base`, `size` bytes (IFC only). */
  enableLogging(base: number, size: number): void {
    const lm = this.#requireLm('hardware dirty logging');
    const end = base + size;
    lm.write32(LM.IFCVF_LM_BASE_ADDR_LOW, base % TWO_POW_32);
    lm.write32(LM.IFCVF_LM_BASE_ADDR_HIGH, Math.floor(base / TWO_POW_32));
    lm.write32(LM.IFCVF_LM_END_ADDR_LOW, end % TWO_POW_32);
    lm.write32(LM.IFCVF_LM_END_ADDR_HIGH, Math.floor(end / TWO_POW_32));
    lm.write32(LM.IFCVF_LM_LOGGING_CTRL, LM.IFCVF_LM_ENABLE_VF);
  }

  /** Turns hardware dirty logging off. */
  disableLogging(): void {
    this.#requireLm('hardware dirty logging').write32(LM.IFCVF_LM_LOGGING_CTRL, LM.IFCVF_LM_DISABLE);
  }

  #requireLm(what: string): PciNarrowRegisters {
    if (!this.#lm) throw new NicError('NIC_ENOTSUP', `${this.name}: ${what} needs the IFC live-migration block, which this device does not have`);
    return this.#lm;
  }

  #ringStateOffset(qid: number): number {
    return this.#type === 'net'
      ? LM.IFCVF_LM_RING_STATE_OFFSET + (qid >>> 1) * LM.IFCVF_LM_CFG_SIZE + (qid % 2) * 4
      : LM.IFCVF_LM_RING_STATE_OFFSET + qid * LM.IFCVF_LM_CFG_SIZE;
  }

  /** Where vring `qid` stands now, from the LM ring state; undefined without the LM block. */
  ringState(qid: number): IfcvfRingState | undefined {
    return this.#lm ? this.#readRingState(qid) : undefined;
  }

  #readRingState(qid: number): IfcvfRingState {
    const state = (this.#lm as PciNarrowRegisters).read32(this.#ringStateOffset(qid));
    return { lastAvail: state & U16_MASK, lastUsed: state >>> LM.IFCVF_RING_STATE_USED_SHIFT };
  }

  /**
   * The features the driver sets: those of `requested` the device offers, and IOMMU_PLATFORM
   * whenever the device offers it. The function reaches the frontend's memory through its
   * private container's IOMMU (IOVA = guest physical address), which is what that feature
   * says; the frontend never sees it (it is not offered on the vhost side). QEMU's
   * virtio-pci with `iommu_platform=on` fails FEATURES_OK without it.
   */
  #accepted(requested: bigint): bigint {
    const offered = this.features();
    return (requested | (offered & IOMMU_PLATFORM)) & offered;
  }

  #negotiate(features: bigint): void {
    for (let word = 0; word < FEATURE_WORDS; word++) {
      this.#w32(V.VIRTIO_PCI_COMMON_GFSELECT, word);
      this.#w32(V.VIRTIO_PCI_COMMON_GF, Number((features >> BigInt(32 * word)) & 0xffffffffn));
    }
    this.#addStatus(V.VIRTIO_CONFIG_STATUS_FEATURES_OK);
    if ((this.status() & V.VIRTIO_CONFIG_STATUS_FEATURES_OK) === 0) {
      throw new NicError('NIC_EIO', `${this.name}: the device did not accept features 0x${features.toString(16)} (FEATURES_OK did not stick)`);
    }
  }

  /** Where vring `qid` resumes, in the LM block (IFC parts). */
  #writeRingState(qid: number, v: IfcvfVring): void {
    this.#lm?.write32(this.#ringStateOffset(qid), (v.lastAvail | (v.lastUsed << LM.IFCVF_RING_STATE_USED_SHIFT)) >>> 0);
  }

  #startRing(qid: number, v: IfcvfVring): void {
    this.#w16(V.VIRTIO_PCI_COMMON_Q_SELECT, qid);
    this.#w64(V.VIRTIO_PCI_COMMON_Q_DESCLO, v.desc);
    this.#w64(V.VIRTIO_PCI_COMMON_Q_AVAILLO, v.avail);
    this.#w64(V.VIRTIO_PCI_COMMON_Q_USEDLO, v.used);
    this.#w16(V.VIRTIO_PCI_COMMON_Q_SIZE, v.size);
    if (this.#r16(V.VIRTIO_PCI_COMMON_Q_SIZE) !== v.size) throw new NicError('NIC_EIO', `${this.name}: vring ${qid} refused size ${v.size}`);
    this.#writeRingState(qid, v);
    this.#w16(V.VIRTIO_PCI_COMMON_Q_MSIX, qid + 1);
    if (this.#r16(V.VIRTIO_PCI_COMMON_Q_MSIX) === V.VIRTIO_MSI_NO_VECTOR) throw new NicError('NIC_EIO', `${this.name}: the device refused MSI-X vector ${qid + 1} for vring ${qid}`);
    const at = this.#notify.offset + this.#r16(V.VIRTIO_PCI_COMMON_Q_NOFF) * this.notifyOffMultiplier;
    if (at + 2 > this.#notify.offset + this.#notify.length) throw new NicError('NIC_EINVAL', `${this.name}: vring ${qid}'s doorbell at 0x${at.toString(16)} is outside the notify structure`);
    this.#notifyAt[qid] = at;
    this.#w16(V.VIRTIO_PCI_COMMON_Q_ENABLE, 1);
  }

  #addStatus(bits: number): void {
    this.#setStatus(this.status() | bits);
  }

  #setStatus(value: number): void {
    this.#common.write8(this.#commonOffset + V.VIRTIO_PCI_COMMON_STATUS, value);
  }

  #r16(field: number): number {
    return this.#common.read16(this.#commonOffset + field);
  }

  #w16(field: number, value: number): void {
    this.#common.write16(this.#commonOffset + field, value);
  }

  #r32(field: number): number {
    return this.#common.read32(this.#commonOffset + field);
  }

  #w32(field: number, value: number): void {
    this.#common.write32(this.#commonOffset + field, value);
  }

  #w64(loField: number, value: number): void {
    this.#w32(loField, value % TWO_POW_32);
    this.#w32(loField + 4, Math.floor(value / TWO_POW_32));
  }
}
