/**
 * A register-level model of an Intel IFC VF (the FPGA 100G vDPA function DPDK's
 * `net_ifcvf` drives), or, with `layout: 'qemu'`, of QEMU's modern `virtio-net-pci`: the
 * virtio 1.0 common configuration (feature negotiation, status with the FEATURES_OK check,
 * which on QEMU's layout also fails without ACCESS_PLATFORM when it is offered, as QEMU's does,
 * per-queue size, addresses, MSI-X vector and enable), notify doorbells with their
 * multiplier, the read-to-clear ISR, the net or blk device configuration, and on the IFC
 * layout the live-migration block in BAR4 (ring state per queue, hardware dirty logging).
 * The net data path: a kick on a tx queue sends the available chains (minus the virtio-net
 * header) out of the device; {@link receive} fills an rx queue's next chain; each completion
 * raises the queue's MSI-X vector. The blk data path: a kick serves the queue's requests
 * against an in-memory disk ({@link BlkDisk}). All DMA goes through the DMA space, and while logging
 * is on every page the device writes is marked in the log. As a {@link WirePort} a net
 * device is one end of a cable: what it sends goes to the cable's listeners, and a frame
 * from the cable arrives on rx queue 0.
 *
 * Hostile configurations for driver tests: a capability that runs past its BAR, zero
 * queues, a status that never clears on reset.
 */
import { DmaSpace } from '../model/dma.js';
import type { ModelBarAccess, ModelPciSpec, PciModel } from '../model/pci-model.js';
import { VfioIrqs, type SetIrqsAction } from '../model/vfio-irqs.js';
import type { WirePort } from '../model/wire.js';
import { BlkDisk } from './blk.js';
import * as L from './layout.js';
import { ifcvfPciSpec, type IfcvfLayout } from './pci.js';
import { dwordRegisters, HandlerBar } from './regs-bar.js';
import { Virtqueue } from './virtqueue.js';

export type { IfcvfLayout } from './pci.js';

/** Options of {@link IfcvfModel}. */
export interface IfcvfModelOptions {
  /** Name in messages. */
  readonly name?: string;
  /** What the device DMAs into (default: a DMA space of its own). */
  readonly dma?: DmaSpace;
  /** `net` (default) or `blk`. */
  readonly type?: 'net' | 'blk';
  /** `ifcvf` (default): Intel's subsystem ids and the LM block; `qemu`: QEMU's virtio-net-pci. */
  readonly layout?: IfcvfLayout;
  /** Net queue pairs (default 2; the device adds a control queue) or blk queues. */
  readonly queues?: number;
  /** Largest queue size (default 256). */
  readonly maxQueueSize?: number;
  /** MAC address of a net device. */
  readonly mac?: readonly number[];
  /** Sectors of a blk device. */
  readonly capacity?: bigint;
  /** Hostile: this structure's capability claims 0x10000 bytes more than its BAR has. */
  readonly capPastBar?: 'common' | 'notify' | 'isr' | 'device';
  /** Hostile: `num_queues` reads 0. */
  readonly zeroQueues?: boolean;
  /** Hostile: once set, the status never clears (writing 0 does not reset the device). */
  readonly stuckStatus?: boolean;
}

interface QueueRegs {
  size: number;
  msix: number;
  enable: number;
  desc: number;
  avail: number;
  used: number;
  running: Virtqueue | undefined;
}

const TWO_POW_32 = 2 ** 32;
const U16_MASK = 0xffff;
const RING_STATE_USED_SHIFT = 16;
const ISR_QUEUE = 1;
const ISR_CONFIG = 2;
const DEFAULT_QUEUE_PAIRS = 2;
const DEFAULT_QUEUE_SIZE = 256;
const DEFAULT_MAC = [0x52, 0x54, 0x00, 0x1f, 0xc0, 0x01];
const DEFAULT_CAPACITY = 0x10000n;
const BLK_GEOMETRY = { cylinders: 16, heads: 4, sectors: 32 };
const BIT = (n: number): bigint => 1n << BigInt(n);

/** What became of a frame from the cable: taken into rx queue 0, or dropped (no buffer, link down, blk). */
export type IfcvfRxOutcome = 'received' | 'dropped';

/** One modelled IFC VF. */
export class IfcvfModel implements PciModel, WirePort<IfcvfRxOutcome> {
  readonly name: string;
  readonly pci: ModelPciSpec;
  readonly dma: DmaSpace;
  readonly type: 'net' | 'blk';
  readonly layout: IfcvfLayout;
  /** Features the device offers. */
  readonly deviceFeatures: bigint;
  /** Frames the device sent (tx queues), oldest first; tests take them. */
  readonly transmitted: Uint8Array[] = [];
  /** Doorbell writes per queue. */
  readonly kicks: number[];
  /** Interrupts raised per MSI-X vector. */
  readonly interrupts: number[];
  /** Writes that reached the LM block (IFC layout). */
  lmWrites = 0;
  /** Pages marked in the dirty log. */
  loggedPages = 0;
  /** Device resets (status written 0, and it took). */
  resets = 0;
  /** A blk device's disk (its requests are served on a kick of any queue); undefined for net. */
  readonly disk: BlkDisk | undefined;
  /** Frames from the cable that no rx buffer took (queue not running, empty, link down). */
  rxDropped = 0;
  readonly #irqs: VfioIrqs;
  readonly #listeners = new Set<(frame: Uint8Array) => void>();
  #linkUp = true;
  readonly #bars = new Map<number, HandlerBar>();
  readonly #queues: QueueRegs[];
  readonly #numQueues: number;
  readonly #maxQueueSize: number;
  readonly #deviceConfig = new Uint8Array(L.DEVICE_LENGTH);
  readonly #stuck: boolean;
  #status = 0;
  #dfSelect = 0;
  #gfSelect = 0;
  #driverFeatures = 0n;
  #msixConfig = L.NO_VECTOR;
  #queueSelect = 0;
  #isr = 0;
  #generation = 0;
  #lmCtrl = 0;
  #logBase = 0;
  #logEnd = 0;
  #mq = 0;
  #ringState: number[];

  constructor(options: IfcvfModelOptions) {
    this.name = options.name ?? 'ifcvf model';
    this.dma = options.dma ?? new DmaSpace();
    this.type = options.type ?? 'net';
    this.layout = options.layout ?? 'ifcvf';
    const queues = options.queues ?? DEFAULT_QUEUE_PAIRS;
    this.#numQueues = options.zeroQueues ? 0 : this.type === 'net' ? 2 * queues + 1 : queues;
    this.#maxQueueSize = options.maxQueueSize ?? DEFAULT_QUEUE_SIZE;
    this.#stuck = options.stuckStatus === true;
    this.pci = ifcvfPciSpec({ type: this.type, layout: this.layout, queues: this.#numQueues, capPastBar: options.capPastBar });
    this.#irqs = new VfioIrqs(this.name, this.pci.msixVectors);
    this.kicks = new Array<number>(this.#numQueues).fill(0);
    this.interrupts = new Array<number>(this.pci.msixVectors).fill(0);
    this.#ringState = new Array<number>(this.#numQueues).fill(0);
    this.#queues = Array.from({ length: this.#numQueues }, () => this.#freshQueue());
    const common = BIT(L.VIRTIO_F_VERSION_1) | BIT(L.VIRTIO_F_ACCESS_PLATFORM);
    this.deviceFeatures =
      this.type === 'net'
        ? common | BIT(L.VIRTIO_NET_F_MAC) | BIT(L.VIRTIO_NET_F_STATUS) | BIT(L.VIRTIO_NET_F_CTRL_VQ) | (queues > 1 ? BIT(L.VIRTIO_NET_F_MQ) : 0n)
        : common | BIT(L.VIRTIO_BLK_F_GEOMETRY) | BIT(L.VIRTIO_BLK_F_MQ);
    this.#fillDeviceConfig(options, queues);
    this.disk = this.type === 'blk' ? new BlkDisk(options.capacity ?? DEFAULT_CAPACITY, this.name) : undefined;
    const structures = this.layout === 'ifcvf' ? L.VIRTIO_BAR : L.LM_BAR;
    this.#bars.set(structures, new HandlerBar(L.VIRTIO_BAR_SIZE, { read: (o, w) => this.#readStructures(o, w), write: (o, w, v) => this.#writeStructures(o, w, v) }));
    if (this.layout === 'ifcvf') this.#bars.set(L.LM_BAR, new HandlerBar(L.LM_BAR_SIZE, dwordRegisters((o) => this.#readLm(o), (o, v) => this.#writeLm(o, v))));
  }

  // ----- PciModel -----

  get buffer(): SharedArrayBuffer {
    return this.#structures().buffer;
  }

  get u32(): Uint32Array {
    return this.#structures().u32;
  }

  get removed(): boolean {
    return false;
  }

  read32(offset: number): number {
    return this.#structures().read32(offset);
  }

  write32(offset: number, value: number): void {
    this.#structures().write32(offset, value);
  }

  barAccess(index: number): ModelBarAccess | undefined {
    return this.#bars.get(index);
  }

  reset(): void {
    for (const q of this.#queues) q.running = undefined;
    this.#queues.splice(0, this.#queues.length, ...this.#queues.map(() => this.#freshQueue()));
    this.#status = 0;
    this.#driverFeatures = 0n;
    this.#msixConfig = L.NO_VECTOR;
    this.#isr = 0;
    this.#lmCtrl = 0;
  }

  setIrqs(index: number, start: number, how: SetIrqsAction): void {
    this.#irqs.setIrqs(index, start, how);
  }

  // ----- what tests look at and do -----

  /** The device status byte. */
  get status(): number {
    return this.#status;
  }

  /** Features the driver accepted. */
  get driverFeatures(): bigint {
    return this.#driverFeatures;
  }

  /** The queue count the driver wrote to the LM block. */
  get lmQueueCount(): number {
    return this.#mq;
  }

  /** Whether hardware dirty logging is on. */
  get logging(): boolean {
    return (this.#lmCtrl & L.LM_ENABLE_VF) !== 0;
  }

  /** What the driver programmed for queue `qid`, and whether the device runs it. */
  queue(qid: number): { size: number; msix: number; enable: boolean; desc: number; avail: number; used: number; running: boolean; lastAvail: number; lastUsed: number; fault: string | undefined } {
    const q = this.#queues[qid];
    return { size: q.size, msix: q.msix, enable: q.enable === 1, desc: q.desc, avail: q.avail, used: q.used, running: q.running !== undefined, lastAvail: q.running?.lastAvail ?? 0, lastUsed: q.running?.lastUsed ?? 0, fault: q.running?.fault };
  }

  /**
   * Receives `frame` into rx queue `qid` (even for net): the next available chain gets the
   * virtio-net header and the frame, the queue's vector fires. False when the queue is not
   * running, has no chain, or the chain is too short (then the frame is dropped).
   */
  receive(qid: number, frame: Uint8Array): boolean {
    const vq = this.#queues[qid]?.running;
    const chain = vq?.take();
    if (!vq || !chain) return false;
    const data = new Uint8Array(L.NET_HDR_SIZE + frame.length);
    new DataView(data.buffer).setUint16(L.NET_HDR_NUM_BUFFERS, 1, true);
    data.set(frame, L.NET_HDR_SIZE);
    let at = 0;
    for (const part of chain.parts) {
      if (!part.writable || at === data.length) continue;
      const n = Math.min(part.length, data.length - at);
      vq.write(part.iova, data.subarray(at, at + n), 'rx buffer');
      at += n;
    }
    vq.complete(chain.head, at);
    this.#interrupt(qid);
    return at === data.length;
  }

  // ----- WirePort -----

  /** A frame from the cable: into rx queue 0 (net only, link up). */
  receiveFrame(frame: Uint8Array): IfcvfRxOutcome {
    if (this.type === 'net' && this.#linkUp && this.receive(0, frame)) return 'received';
    this.rxDropped++;
    return 'dropped';
  }

  onTransmit(listener: (frame: Uint8Array) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Changes the link state of a net device and raises the configuration interrupt. */
  setLink(up: boolean): void {
    this.#linkUp = up;
    this.#deviceConfig[L.NET_CFG_STATUS] = up ? L.VIRTIO_NET_S_LINK_UP : 0;
    this.#generation = (this.#generation + 1) & 0xff;
    this.#isr |= ISR_CONFIG;
    this.#signal(this.#msixConfig);
  }

  // ----- registers -----

  #structures(): HandlerBar {
    return this.#bars.get(this.layout === 'ifcvf' ? L.VIRTIO_BAR : L.LM_BAR) as HandlerBar;
  }

  #freshQueue(): QueueRegs {
    return { size: this.#maxQueueSize, msix: L.NO_VECTOR, enable: 0, desc: 0, avail: 0, used: 0, running: undefined };
  }

  #readStructures(offset: number, width: number): number {
    if (offset >= L.COMMON_OFFSET && offset < L.COMMON_OFFSET + L.COMMON_LENGTH) return this.#readCommon(offset - L.COMMON_OFFSET, width);
    if (offset >= L.ISR_OFFSET && offset < L.ISR_OFFSET + L.ISR_LENGTH) {
      const isr = this.#isr;
      this.#isr = 0;
      return isr;
    }
    if (offset >= L.DEVICE_OFFSET && offset < L.DEVICE_OFFSET + L.DEVICE_LENGTH) {
      let v = 0;
      for (let i = width - 1; i >= 0; i--) v = v * 256 + this.#deviceConfig[offset - L.DEVICE_OFFSET + i];
      return v;
    }
    return 0;
  }

  #writeStructures(offset: number, width: number, value: number): void {
    if (offset >= L.COMMON_OFFSET && offset < L.COMMON_OFFSET + L.COMMON_LENGTH) {
      this.#writeCommon(offset - L.COMMON_OFFSET, width, value);
      return;
    }
    const doorbell = offset - L.NOTIFY_OFFSET;
    if (doorbell >= 0 && doorbell % L.NOTIFY_MULTIPLIER === 0 && doorbell / L.NOTIFY_MULTIPLIER < this.#numQueues) this.#kick(doorbell / L.NOTIFY_MULTIPLIER);
  }

  #readCommon(offset: number, width: number): number {
    const q = this.#queues[this.#queueSelect];
    switch (offset) {
      case L.COMMON_DFSELECT:
        return this.#dfSelect;
      case L.COMMON_DF:
        return this.#dfSelect > 1 ? 0 : Number((this.deviceFeatures >> BigInt(32 * this.#dfSelect)) & 0xffffffffn);
      case L.COMMON_GFSELECT:
        return this.#gfSelect;
      case L.COMMON_GF:
        return this.#gfSelect > 1 ? 0 : Number((this.#driverFeatures >> BigInt(32 * this.#gfSelect)) & 0xffffffffn);
      case L.COMMON_MSIX:
        return width === 4 ? this.#msixConfig | (this.#numQueues << 16) : this.#msixConfig;
      case L.COMMON_NUMQ:
        return this.#numQueues;
      case L.COMMON_STATUS:
        return width === 1 ? this.#status : this.#status | (this.#generation << 8);
      case L.COMMON_CFGGENERATION:
        return this.#generation;
      case L.COMMON_Q_SELECT:
        return this.#queueSelect;
    }
    if (!q) return offset === L.COMMON_Q_SIZE ? 0 : L.NO_VECTOR;
    switch (offset) {
      case L.COMMON_Q_SIZE:
        return q.size;
      case L.COMMON_Q_MSIX:
        return q.msix;
      case L.COMMON_Q_ENABLE:
        return q.enable;
      case L.COMMON_Q_NOFF:
        return this.#queueSelect;
      case L.COMMON_Q_DESCLO:
      case L.COMMON_Q_AVAILLO:
      case L.COMMON_Q_USEDLO:
        return this.#address(q, offset) % TWO_POW_32;
      case L.COMMON_Q_DESCHI:
      case L.COMMON_Q_AVAILHI:
      case L.COMMON_Q_USEDHI:
        return Math.floor(this.#address(q, offset - 4) / TWO_POW_32);
    }
    return 0;
  }

  #address(q: QueueRegs, loOffset: number): number {
    return loOffset === L.COMMON_Q_DESCLO ? q.desc : loOffset === L.COMMON_Q_AVAILLO ? q.avail : q.used;
  }

  #writeCommon(offset: number, width: number, value: number): void {
    switch (offset) {
      case L.COMMON_DFSELECT:
        this.#dfSelect = value;
        return;
      case L.COMMON_GFSELECT:
        this.#gfSelect = value;
        return;
      case L.COMMON_GF: {
        if (this.#gfSelect > 1) return;
        const shift = BigInt(32 * this.#gfSelect);
        this.#driverFeatures = (this.#driverFeatures & ~(0xffffffffn << shift)) | (BigInt(value >>> 0) << shift);
        return;
      }
      case L.COMMON_MSIX:
        this.#msixConfig = this.#vector(value);
        return;
      case L.COMMON_STATUS:
        if (width === 1) this.#writeStatus(value);
        return;
      case L.COMMON_Q_SELECT:
        this.#queueSelect = value;
        return;
    }
    const q = this.#queues[this.#queueSelect];
    if (!q || this.#queueSelect >= this.#numQueues) return;
    switch (offset) {
      case L.COMMON_Q_SIZE:
        if (value > 0 && value <= this.#maxQueueSize && (value & (value - 1)) === 0) q.size = value;
        return;
      case L.COMMON_Q_MSIX:
        q.msix = this.#vector(value);
        return;
      case L.COMMON_Q_ENABLE:
        this.#enableQueue(this.#queueSelect, value & 1);
        return;
      case L.COMMON_Q_DESCLO:
      case L.COMMON_Q_DESCHI:
      case L.COMMON_Q_AVAILLO:
      case L.COMMON_Q_AVAILHI:
      case L.COMMON_Q_USEDLO:
      case L.COMMON_Q_USEDHI:
        this.#setAddressHalf(q, offset, value);
    }
  }

  #setAddressHalf(q: QueueRegs, offset: number, value: number): void {
    const high = (offset - L.COMMON_Q_DESCLO) % 8 === 4;
    const key = offset < L.COMMON_Q_AVAILLO ? 'desc' : offset < L.COMMON_Q_USEDLO ? 'avail' : 'used';
    const old = q[key];
    q[key] = high ? (value >>> 0) * TWO_POW_32 + (old % TWO_POW_32) : Math.floor(old / TWO_POW_32) * TWO_POW_32 + (value >>> 0);
  }

  #vector(value: number): number {
    return value < this.pci.msixVectors ? value : L.NO_VECTOR;
  }

  #writeStatus(value: number): void {
    if (value === 0) {
      if (this.#stuck) return;
      this.resets++;
      this.reset();
      return;
    }
    let next = value;
    const accepting = (value & L.STATUS_FEATURES_OK) !== 0 && (this.#status & L.STATUS_FEATURES_OK) === 0;
    if (accepting) {
      const platform = BIT(L.VIRTIO_F_ACCESS_PLATFORM);
      // QEMU's virtio-pci (virtio_validate_features) refuses a driver that leaves out ACCESS_PLATFORM when it offers it.
      const platformOk = this.layout !== 'qemu' || (this.deviceFeatures & platform) === 0n || (this.#driverFeatures & platform) !== 0n;
      const ok = (this.#driverFeatures & ~this.deviceFeatures) === 0n && (this.#driverFeatures & BIT(L.VIRTIO_F_VERSION_1)) !== 0n && platformOk;
      if (!ok) next &= ~L.STATUS_FEATURES_OK;
    }
    const starting = (next & L.STATUS_DRIVER_OK) !== 0 && (this.#status & L.STATUS_DRIVER_OK) === 0;
    this.#status = next;
    if (starting) this.#queues.forEach((q, i) => q.enable === 1 && this.#start(i));
  }

  #enableQueue(qid: number, on: number): void {
    const q = this.#queues[qid];
    if (on === q.enable) return;
    q.enable = on;
    if (on === 1 && (this.#status & L.STATUS_DRIVER_OK) !== 0) this.#start(qid);
    if (on === 0 && q.running) {
      this.#ringState[qid] = q.running.lastAvail | (q.running.lastUsed << RING_STATE_USED_SHIFT);
      q.running = undefined;
    }
  }

  #start(qid: number): void {
    const q = this.#queues[qid];
    const state = this.layout === 'ifcvf' ? this.#ringState[qid] : 0;
    q.running = new Virtqueue(this.dma, { size: q.size, desc: q.desc, avail: q.avail, used: q.used }, state & U16_MASK, state >>> RING_STATE_USED_SHIFT, (iova, n) => this.#log(iova, n));
  }

  #kick(qid: number): void {
    this.kicks[qid]++;
    const vq = this.#queues[qid].running;
    if (vq && this.disk) {
      this.#serveBlk(qid, vq, this.disk);
      return;
    }
    const tx = this.type === 'net' && qid % 2 === 1 && qid < this.#numQueues - 1;
    if (!vq || !tx) return;
    let sent = false;
    for (let chain = vq.take(); chain; chain = vq.take()) {
      const parts = chain.parts.filter((p) => !p.writable).map((p) => vq.read(p.iova, p.length, 'tx buffer') ?? new Uint8Array(0));
      const total = parts.reduce((n, p) => n + p.length, 0);
      const frame = new Uint8Array(total);
      let at = 0;
      for (const p of parts) {
        frame.set(p, at);
        at += p.length;
      }
      if (total > L.NET_HDR_SIZE) this.#send(frame.slice(L.NET_HDR_SIZE));
      vq.complete(chain.head, 0);
      sent = true;
    }
    if (sent) this.#interrupt(qid);
  }

  #serveBlk(qid: number, vq: Virtqueue, disk: BlkDisk): void {
    let served = false;
    for (let chain = vq.take(); chain; chain = vq.take()) {
      vq.complete(chain.head, disk.serve(vq, chain.parts));
      served = true;
    }
    if (served) this.#interrupt(qid);
  }

  #send(frame: Uint8Array): void {
    this.transmitted.push(frame);
    if (this.#linkUp) for (const listener of this.#listeners) listener(frame);
  }

  #interrupt(qid: number): void {
    this.#isr |= ISR_QUEUE;
    this.#signal(this.#queues[qid].msix);
  }

  #signal(vector: number): void {
    if (vector === L.NO_VECTOR) return;
    this.interrupts[vector]++;
    this.#irqs.signal(vector);
  }

  #log(iova: number, length: number): void {
    if (!this.logging || length === 0) return;
    const byte = new Uint8Array(1);
    for (let page = Math.floor(iova / 2 ** L.LOG_PAGE_SHIFT); page <= Math.floor((iova + length - 1) / 2 ** L.LOG_PAGE_SHIFT); page++) {
      const at = this.#logBase + Math.floor(page / 8);
      if (at >= this.#logEnd || !this.dma.read(at, byte, 0, 1, 'dirty log')) continue;
      byte[0] |= 1 << page % 8;
      this.dma.write(at, byte, 'dirty log');
      this.loggedPages++;
    }
  }

  #ringStateIndex(offset: number): number {
    const rel = offset - L.LM_RING_STATE_OFFSET;
    if (rel < 0 || rel % 4 !== 0) return -1;
    const block = Math.floor(rel / L.LM_CFG_SIZE);
    const within = rel % L.LM_CFG_SIZE;
    if (this.type === 'blk') return within === 0 ? block : -1;
    return within === 0 || within === 4 ? 2 * block + within / 4 : -1;
  }

  #readLm(offset: number): number {
    switch (offset) {
      case L.LM_LOGGING_CTRL:
        return this.#lmCtrl;
      case L.LM_BASE_ADDR_LOW:
        return this.#logBase % TWO_POW_32;
      case L.LM_BASE_ADDR_HIGH:
        return Math.floor(this.#logBase / TWO_POW_32);
      case L.LM_END_ADDR_LOW:
        return this.#logEnd % TWO_POW_32;
      case L.LM_END_ADDR_HIGH:
        return Math.floor(this.#logEnd / TWO_POW_32);
      case L.LM_MQ_CFG:
        return this.#mq;
    }
    const qid = this.#ringStateIndex(offset);
    if (qid < 0 || qid >= this.#numQueues) return 0;
    const vq = this.#queues[qid].running;
    return vq ? (vq.lastAvail | (vq.lastUsed << RING_STATE_USED_SHIFT)) >>> 0 : this.#ringState[qid];
  }

  #writeLm(offset: number, value: number): void {
    this.lmWrites++;
    const setHalf = (old: number, high: boolean): number => (high ? value * TWO_POW_32 + (old % TWO_POW_32) : Math.floor(old / TWO_POW_32) * TWO_POW_32 + value);
    switch (offset) {
      case L.LM_LOGGING_CTRL:
        this.#lmCtrl = value;
        return;
      case L.LM_BASE_ADDR_LOW:
      case L.LM_BASE_ADDR_HIGH:
        this.#logBase = setHalf(this.#logBase, offset === L.LM_BASE_ADDR_HIGH);
        return;
      case L.LM_END_ADDR_LOW:
      case L.LM_END_ADDR_HIGH:
        this.#logEnd = setHalf(this.#logEnd, offset === L.LM_END_ADDR_HIGH);
        return;
      case L.LM_MQ_CFG:
        this.#mq = value;
        return;
    }
    const qid = this.#ringStateIndex(offset);
    if (qid >= 0 && qid < this.#numQueues) this.#ringState[qid] = value;
  }

  #fillDeviceConfig(options: IfcvfModelOptions, queues: number): void {
    const view = new DataView(this.#deviceConfig.buffer);
    if (this.type === 'net') {
      this.#deviceConfig.set(options.mac ?? DEFAULT_MAC, L.NET_CFG_MAC);
      view.setUint16(L.NET_CFG_STATUS, L.VIRTIO_NET_S_LINK_UP, true);
      view.setUint16(L.NET_CFG_MAX_PAIRS, queues, true);
      return;
    }
    view.setBigUint64(L.BLK_CFG_CAPACITY, options.capacity ?? DEFAULT_CAPACITY, true);
    view.setUint16(L.BLK_CFG_GEOMETRY, BLK_GEOMETRY.cylinders, true);
    view.setUint8(L.BLK_CFG_GEOMETRY + 2, BLK_GEOMETRY.heads);
    view.setUint8(L.BLK_CFG_GEOMETRY + 3, BLK_GEOMETRY.sectors);
    view.setUint16(L.BLK_CFG_NUM_QUEUES, queues, true);
  }
}
