/**
 * The PCI device backend serving modelled 82576 ports to nic's PCI bus: each port appears
 * in a fake sysfs tree (bound to vfio-pci, in its own IOMMU group, BAR0 128 KiB and BAR3
 * 16 KiB of memory), and opening it gives the model as BAR0's registers, an MSI-X
 * interrupt description whose `setIrqs` binds eventfds in the model, and a writable
 * config space with MSI-X and PCI Express capabilities. DMA windows the bus maps reach
 * every port of the backend.
 */
import { join } from 'node:path';
import { closeFd, eventfd, NicError, VFIO } from '@nic/native';
import {
  configImage,
  MmioRegisters,
  PCI_CAP_ID_EXP,
  PCI_CAP_ID_MSIX,
  type DmaWindow,
  type PciBar,
  type PciBarMapping,
  type PciConfigSpace,
  type PciDeviceBackend,
  type PciDeviceRecord,
  type PciMapMethod,
  type PciResources,
} from '@nic/pci/driver';
import { ConfigImageBuilder, FakeSysfs, le16, le32, memBar } from '@nic/pci/testing';
import { DmaSpace } from './dma.js';
import { E82576_DEVICE_ID, INTEL_VENDOR_ID } from './eeprom.js';
import { IgbModel, type IgbModelOptions } from './model.js';
import { BAR0_SIZE, BAR3_SIZE, MSIX_VECTORS } from './regs.js';

/** PCI class of an Ethernet controller. */
const ETHERNET_CLASS = 0x020000;
const VFIO_PCI = 'vfio-pci';
const REGISTERS_BAR = 0;
const MSIX_BAR = 3;
/** Bus addresses of the fake BARs: one 1 MiB slot per port. */
const BAR_BASE = 0xf0000000;
const BAR_SLOT = 0x100000;
const MSIX_BAR_OFFSET = 0x80000;
/** MSI-X table at offset 0 of BAR3, pending-bit array at 0x2000 (as on the 82576). */
const MSIX_TABLE_OFFSET = 0;
const MSIX_PBA_OFFSET = 0x2000;
/** PCI Express capability register: version 2, endpoint. */
const PCIE_CAP_VERSION_2 = 0x0002;
/** Bytes of the PCIe capability after its id and next bytes (a version 2 structure). */
const PCIE_CAP_BODY = 0x3a;
const FIRST_IOMMU_GROUP = 100;

/** One modelled port the backend serves. */
export interface IgbModelDevice {
  /** Canonical PCI address. */
  readonly address: string;
  readonly model: IgbModel;
  /** Its directory in the fake sysfs tree. */
  readonly path: string;
}

/** The configuration space image of an 82576 function. */
function igbConfigImage(): Uint8Array {
  const b = new ConfigImageBuilder({ vendorId: INTEL_VENDOR_ID, deviceId: E82576_DEVICE_ID, classId: ETHERNET_CLASS, extended: true });
  b.addCap(PCI_CAP_ID_MSIX, [...le16(MSIX_VECTORS - 1), ...le32(MSIX_TABLE_OFFSET | MSIX_BAR), ...le32(MSIX_PBA_OFFSET | MSIX_BAR)]);
  b.addCap(PCI_CAP_ID_EXP, [...le16(PCIE_CAP_VERSION_2), ...new Array<number>(PCIE_CAP_BODY - 2).fill(0)]);
  return b.bytes;
}

interface Served {
  readonly device: IgbModelDevice;
  readonly config: PciConfigSpace;
  readonly msix: SharedArrayBuffer;
}

/** Serves modelled 82576 ports; register it with `registerPciBackend`. */
export class IgbModelBackend implements PciDeviceBackend {
  readonly name = 'igb model';
  /** The fake sysfs tree the ports appear in. */
  readonly sysfs: FakeSysfs;
  /** The DMA space every port of this backend reaches. */
  readonly dma = new DmaSpace();
  readonly #served = new Map<string, Served>();

  /** A backend whose ports appear in `sysfs` (default: a new tree, removed by the owner). */
  constructor(sysfs: FakeSysfs = new FakeSysfs('nic-igb-model-')) {
    this.sysfs = sysfs;
  }

  /** The ports served, in the order they were added. */
  get devices(): IgbModelDevice[] {
    return [...this.#served.values()].map((s) => s.device);
  }

  /**
   * Adds a port at PCI address `address` (canonical form, `0000:01:00.0`) to the tree and
   * returns it. An address already served is `NIC_EEXIST`.
   */
  addDevice(address: string, options: Omit<IgbModelOptions, 'dma'> = {}): IgbModelDevice {
    if (typeof address !== 'string') throw new TypeError('IgbModelBackend.addDevice: address must be a string');
    if (this.#served.has(address)) throw new NicError('NIC_EEXIST', `igb model: ${address} is already served`);
    const slot = this.#served.size;
    const barBase = BAR_BASE + slot * BAR_SLOT;
    const config = igbConfigImage();
    const path = this.sysfs.addDevice({
      address,
      vendorId: INTEL_VENDOR_ID,
      deviceId: E82576_DEVICE_ID,
      classId: ETHERNET_CLASS,
      bars: [memBar(barBase, BAR0_SIZE), undefined, undefined, memBar(barBase + MSIX_BAR_OFFSET, BAR3_SIZE)],
      driver: VFIO_PCI,
      iommuGroup: FIRST_IOMMU_GROUP + slot,
      config,
    });
    const model = new IgbModel({ name: `igb model ${address}`, ...options, dma: this.dma });
    const device = { address, model, path };
    this.#served.set(address, { device, config: configImage(config, { label: `${address} config`, writable: true }), msix: new SharedArrayBuffer(BAR3_SIZE) });
    return device;
  }

  /** Opens a served port (through VFIO, the only way a vfio-pci device is opened); others are not ours. */
  open(record: PciDeviceRecord, method: PciMapMethod): PciResources | undefined {
    const served = this.#served.get(record.name);
    if (!served || record.path !== join(this.sysfs.devicesPath, record.name)) return undefined;
    if (method !== 'vfio') throw new NicError('NIC_ENOTSUP', `igb model ${record.name}: only VFIO mapping is modelled, not ${method}`);
    return this.#resources(served);
  }

  /** Lets every port reach `window`. */
  dmaMap(window: DmaWindow): void {
    this.dma.map(window);
  }

  /** Takes the window at `iova` away from every port. */
  dmaUnmap(iova: number): void {
    this.dma.unmap(iova);
  }

  #resources(served: Served): PciResources {
    const { model } = served.device;
    const fd = eventfd();
    const reqFd = eventfd();
    let closed = false;
    return {
      method: 'vfio',
      intr: { kind: 'vfio_msix', fd, deviceFd: -1, nbVectors: MSIX_VECTORS, reqFd, setIrqs: (index, start, how) => model.setIrqs(index, start, how) },
      config: served.config,
      mapBar: (bar: PciBar): PciBarMapping => {
        if (bar.index === REGISTERS_BAR) return { index: bar.index, buffer: model.buffer, u32: model.u32, regs: model, address: undefined, length: BAR0_SIZE, phys: bar.start };
        if (bar.index === MSIX_BAR) {
          const u32 = new Uint32Array(served.msix);
          return { index: bar.index, buffer: served.msix, u32, regs: new MmioRegisters(u32), address: undefined, length: BAR3_SIZE, phys: bar.start };
        }
        throw new NicError('NIC_EINVAL', `igb model ${served.device.address}: BAR ${bar.index} is not implemented`);
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
