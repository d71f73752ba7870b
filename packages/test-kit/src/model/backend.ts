/**
 * The PCI device backend serving this kit's device models to nic's PCI bus: each port
 * appears in a fake sysfs tree (bound to vfio-pci, in its own IOMMU group, with the BARs
 * its model's {@link ModelPciSpec} lists), and opening it gives the model as the register
 * BAR, plain memory as the MSI-X BAR, an MSI-X interrupt description whose `setIrqs`
 * binds eventfds in the model, and a writable config space. DMA windows the bus maps
 * reach every port of the backend.
 */
import { join } from 'node:path';
import { closeFd, eventfd, NicError, VFIO } from '@nic/native';
import {
  configImage,
  MmioRegisters,
  type DmaWindow,
  type PciBar,
  type PciBarMapping,
  type PciConfigSpace,
  type PciDeviceBackend,
  type PciDeviceRecord,
  type PciMapMethod,
  type PciResources,
} from '@nic/pci/driver';
import { FakeSysfs, memBar, type FakeBar } from '@nic/pci/testing';
import { DmaSpace } from './dma.js';
import type { ModelBar, PciModel } from './pci-model.js';

const VFIO_PCI = 'vfio-pci';
/** Bus addresses of the fake BARs: one 1 MiB slot per port, BARs packed in it by size. */
const BAR_BASE = 0xf0000000;
const BAR_SLOT = 0x100000;
const FIRST_IOMMU_GROUP = 100;
/** Config space offset of BAR 0, and the type bits of a memory BAR register. */
const PCI_BASE_ADDRESS_0 = 0x10;
const PCI_BASE_ADDRESS_MEM_TYPE_64 = 0x04;
const PCI_BASE_ADDRESS_MEM_PREFETCH = 0x08;
const BAR_REG_BYTES = 4;
const TWO_POW_32 = 2 ** 32;

/** One modelled port a backend serves. */
export interface ModelDevice<M extends PciModel> {
  /** Canonical PCI address. */
  readonly address: string;
  readonly model: M;
  /** Its directory in the fake sysfs tree. */
  readonly path: string;
}

/** What {@link ModelBackend} needs to make a model: its options plus the shared DMA space and a name. */
export type ModelFactory<M extends PciModel, O> = (options: O & { readonly name: string; readonly dma: DmaSpace }) => M;

interface Served<M extends PciModel> {
  readonly device: ModelDevice<M>;
  readonly config: PciConfigSpace;
  readonly msix: SharedArrayBuffer;
  readonly msixBar: ModelBar;
  /** The port's own DMA space (per-device backends), and whether a private container owns it. */
  readonly dma: DmaSpace | undefined;
  isolated: boolean;
}

/** Options of {@link ModelBackend}. */
export interface ModelBackendOptions {
  /**
   * Give every port a DMA space of its own, so a port opened into a private container
   * (`PciDevice.openPrivateContainer`) reaches only what is mapped there; the bus's
   * windows reach the other ports. Without it all ports share {@link ModelBackend.dma}.
   */
  readonly dmaPerDevice?: boolean;
}

/** Bus addresses of `bars` in slot `slot`, each aligned to its size. */
function placeBars(bars: readonly ModelBar[], slot: number): Map<number, number> {
  const at = new Map<number, number>();
  let next = BAR_BASE + slot * BAR_SLOT;
  for (const bar of [...bars].sort((x, y) => y.size - x.size)) {
    next = Math.ceil(next / bar.size) * bar.size;
    at.set(bar.index, next);
    next += bar.size;
  }
  return at;
}

/** Writes the BAR registers of `config` for `bars` placed at `at`. */
function writeBarRegisters(config: Uint8Array, bars: readonly ModelBar[], at: ReadonlyMap<number, number>): void {
  const view = new DataView(config.buffer, config.byteOffset, config.byteLength);
  for (const bar of bars) {
    const address = at.get(bar.index) ?? 0;
    const offset = PCI_BASE_ADDRESS_0 + BAR_REG_BYTES * bar.index;
    const type = (bar.is64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) | (bar.prefetchable ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
    view.setUint32(offset, ((address % TWO_POW_32) | type) >>> 0, true);
    if (bar.is64) view.setUint32(offset + BAR_REG_BYTES, Math.floor(address / TWO_POW_32), true);
  }
}

/** Serves modelled ports of one kind; register it with `registerPciBackend`. */
export class ModelBackend<M extends PciModel, O extends object = object> implements PciDeviceBackend {
  /** For messages: `igb model`. */
  readonly name: string;
  /** The fake sysfs tree the ports appear in. */
  readonly sysfs: FakeSysfs;
  /** The DMA space every port of this backend reaches (unused with `dmaPerDevice`). */
  readonly dma = new DmaSpace();
  readonly #create: ModelFactory<M, O>;
  readonly #served = new Map<string, Served<M>>();
  readonly #perDevice: boolean;
  /** The bus's windows, for ports added or given back to the bus later (`dmaPerDevice`). */
  readonly #busWindows: DmaWindow[] = [];

  /** A backend named `name` making ports with `create`, in `sysfs` (removed by the owner). */
  constructor(name: string, create: ModelFactory<M, O>, sysfs: FakeSysfs, options: ModelBackendOptions = {}) {
    this.name = name;
    this.#create = create;
    this.sysfs = sysfs;
    this.#perDevice = options.dmaPerDevice === true;
  }

  /** The ports served, in the order they were added. */
  get devices(): ModelDevice<M>[] {
    return [...this.#served.values()].map((s) => s.device);
  }

  /**
   * Adds a port at PCI address `address` (canonical form, `0000:01:00.0`) to the tree and
   * returns it. An address already served is `NIC_EEXIST`.
   */
  addDevice(address: string, options: O = {} as O): ModelDevice<M> {
    if (typeof address !== 'string') throw new TypeError(`${this.name} backend: addDevice address must be a string`);
    if (this.#served.has(address)) throw new NicError('NIC_EEXIST', `${this.name}: ${address} is already served`);
    const slot = this.#served.size;
    const own = this.#perDevice ? new DmaSpace() : undefined;
    for (const w of own ? this.#busWindows : []) own?.map(w);
    const model = this.#create({ name: `${this.name} ${address}`, ...options, dma: own ?? this.dma });
    const { pci } = model;
    const at = placeBars(pci.bars, slot);
    const config = pci.config();
    writeBarRegisters(config, pci.bars, at);
    const bars: (FakeBar | undefined)[] = [];
    for (const bar of pci.bars) bars[bar.index] = memBar(at.get(bar.index) ?? 0, bar.size, { is64: bar.is64, prefetch: bar.prefetchable });
    const path = this.sysfs.addDevice({
      address,
      vendorId: pci.vendorId,
      deviceId: pci.deviceId,
      subsystemVendorId: pci.subsystemVendorId,
      subsystemDeviceId: pci.subsystemDeviceId,
      classId: pci.classId,
      bars,
      driver: VFIO_PCI,
      iommuGroup: FIRST_IOMMU_GROUP + slot,
      config,
    });
    const msixBar = pci.bars.find((b) => b.role === 'msix');
    if (!msixBar) throw new NicError('NIC_EINVAL', `${this.name}: the model has no MSI-X BAR`);
    const device = { address, model, path };
    this.#served.set(address, { device, config: configImage(config, { label: `${address} config`, writable: true }), msix: new SharedArrayBuffer(msixBar.size), msixBar, dma: own, isolated: false });
    return device;
  }

  /** Opens a served port (through VFIO, the only way a vfio-pci device is opened); others are not ours. */
  open(record: PciDeviceRecord, method: PciMapMethod, options: { readonly privateContainer?: boolean } = {}): PciResources | undefined {
    const served = this.#served.get(record.name);
    if (!served || record.path !== join(this.sysfs.devicesPath, record.name)) return undefined;
    if (method !== 'vfio') throw new NicError('NIC_ENOTSUP', `${this.name} ${record.name}: only VFIO mapping is modelled, not ${method}`);
    if (options.privateContainer !== true) return this.#resources(served);
    const dma = served.dma;
    if (!dma) throw new NicError('NIC_ENOTSUP', `${this.name} ${record.name}: this backend shares one DMA space between its ports; make it with { dmaPerDevice: true } for private containers`);
    served.isolated = true;
    dma.clear();
    const resources = this.#resources(served);
    return {
      ...resources,
      dma: { containerFd: undefined, groupFd: undefined, dmaMap: (w) => dma.map(wholePages(w, `${this.name} ${record.name}`)), dmaUnmap: (iova) => dma.unmap(iova), get windows() { return dma.windows; } },
      close: () => {
        resources.close();
        served.isolated = false;
        dma.clear();
        for (const w of this.#busWindows) dma.map(w);
      },
    };
  }

  /** Lets every port on the bus's container reach `window`. */
  dmaMap(window: DmaWindow): void {
    if (!this.#perDevice) {
      this.dma.map(window);
      return;
    }
    this.#busWindows.push(window);
    for (const s of this.#served.values()) if (!s.isolated) s.dma?.map(window);
  }

  /** Takes the window at `iova` away from every port on the bus's container. */
  dmaUnmap(iova: number): void {
    if (!this.#perDevice) {
      this.dma.unmap(iova);
      return;
    }
    const at = this.#busWindows.findIndex((w) => w.iova === iova);
    if (at >= 0) this.#busWindows.splice(at, 1);
    for (const s of this.#served.values()) if (!s.isolated) s.dma?.unmap(iova);
  }

  #resources(served: Served<M>): PciResources {
    const { model } = served.device;
    const registers = model.pci.bars.find((b) => b.role === 'registers');
    const fd = eventfd();
    const reqFd = eventfd();
    let closed = false;
    return {
      method: 'vfio',
      intr: { kind: 'vfio_msix', fd, deviceFd: -1, nbVectors: model.pci.msixVectors, reqFd, setIrqs: (index, start, how) => model.setIrqs(index, start, how) },
      config: served.config,
      mapBar: (bar: PciBar): PciBarMapping => {
        const own = model.barAccess?.(bar.index);
        if (own) return { index: bar.index, buffer: own.buffer, u32: own.u32, regs: own.regs, address: undefined, length: own.u32.byteLength, phys: bar.start };
        if (bar.index === registers?.index) return { index: bar.index, buffer: model.buffer, u32: model.u32, regs: model, address: undefined, length: registers.size, phys: bar.start };
        if (bar.index === served.msixBar.index) {
          const u32 = new Uint32Array(served.msix);
          return { index: bar.index, buffer: served.msix, u32, regs: new MmioRegisters(u32), address: undefined, length: served.msixBar.size, phys: bar.start };
        }
        throw new NicError('NIC_EINVAL', `${model.name}: BAR ${bar.index} is not implemented`);
      },
      unmapBar: () => undefined,
      close: () => {
        if (closed) return;
        closed = true;
        model.setIrqs(VFIO.VFIO_PCI_MSIX_IRQ_INDEX, 0, 'disable');
        model.setIrqs(VFIO.VFIO_PCI_REQ_IRQ_INDEX, 0, 'disable');
        closeFd(fd);
        closeFd(reqFd);
      },
    };
  }
}

/** VFIO's IOMMU page: a container maps whole pages only. */
const VFIO_PAGE = 0x1000;

/** `window`, checked as VFIO_IOMMU_MAP_DMA checks it: vaddr, iova and length whole pages, else `NIC_EINVAL` (VFIO's EINVAL). */
function wholePages(window: DmaWindow, name: string): DmaWindow {
  if ((window.vaddr % VFIO_PAGE) + (window.iova % VFIO_PAGE) + (window.length % VFIO_PAGE) !== 0) {
    throw new NicError('NIC_EINVAL', `${name}: VFIO_IOMMU_MAP_DMA of 0x${window.length.toString(16)} bytes at IOVA 0x${window.iova.toString(16)} (vaddr 0x${window.vaddr.toString(16)}) is not whole pages`);
  }
  return window;
}
