/**
 * One PCI function on a bus instance: what the scan found, what the bus decided (driver,
 * devargs, state), and access to it (config space, BAR mappings, interrupt facts). Writes
 * go only to devices bound to a userspace I/O driver, or to unbound devices the user named;
 * a device a kernel driver owns is never written to.
 */
import { join } from 'node:path';
import { NicError } from '@nic/native';
import type { DeviceInfo, DeviceState, Devargs, PciAddr } from '@nic/eal';
import { PCI_BUS_NAME } from './bus-name.js';
import { sysfsConfig, type PciConfigSpace } from './config.js';
import type { PciDmaContainer } from './dma-container.js';
import type { PciDriver } from './driver-api.js';
import { formatVendorDevice, type PciId } from './id-table.js';
import type { PciIntrInfo } from './intr-info.js';
import type { PciResourceOpener } from './open.js';
import { PCI_COMMAND, PCI_COMMAND_MASTER, PCI_COMMAND_MEMORY, PCI_MAX_RESOURCE } from './regs.js';
import type { PciBar } from './resource.js';
import type { PciBarMapping, PciMapMethod, PciResources } from './resources.js';
import type { PciDeviceRecord, PciKernelDriver, PciSriov } from './scan.js';

/** Options of {@link PciDevice.mapBar}. */
export interface PciMapOptions {
  /**
   * Map through the sysfs `resourceN` files although no userspace I/O driver is bound. Only
   * for a device with no kernel driver at all that the user named (`-a`, `attach`); it
   * gives no interrupts.
   */
  readonly force?: boolean;
}

const CLASS_HEX_DIGITS = 6;
const HEX = 16;

/** A PCI function of one EAL instance. Drivers receive it in `probe`. */
export class PciDevice {
  #record: PciDeviceRecord;
  readonly #open: PciResourceOpener;
  #resources: PciResources | undefined;
  readonly #bars = new Map<number, PciBarMapping>();
  #config: PciConfigSpace | undefined;
  #driver: PciDriver | undefined;
  #devargs: Devargs | undefined;
  #named = false;
  #state: DeviceState = 'unclaimed';
  #error: string | undefined;
  #wc = false;
  #privateContainer = false;

  /** @internal The bus creates devices from scan records. */
  constructor(record: PciDeviceRecord, open: PciResourceOpener) {
    this.#record = record;
    this.#open = open;
  }

  /** Canonical address, `0000:01:00.0`. */
  get name(): string {
    return this.#record.name;
  }

  /** Domain, bus, device and function numbers. */
  get addr(): PciAddr {
    return this.#record.addr;
  }

  /** Vendor, device, subsystem ids and class. */
  get id(): PciId {
    return this.#record.id;
  }

  /** Revision id. */
  get revision(): number {
    return this.#record.revision;
  }

  /** NUMA node, -1 when unknown. */
  get numaNode(): number {
    return this.#record.numaNode;
  }

  /** Name of the bound kernel driver (`vfio-pci`, `ixgbe`), undefined when none. */
  get kernelDriver(): string | undefined {
    return this.#record.kernelDriver;
  }

  /** The bound kernel driver's kind. */
  get kdrv(): PciKernelDriver {
    return this.#record.kdrv;
  }

  /** IOMMU group number, when the device has one. */
  get iommuGroup(): number | undefined {
    return this.#record.iommuGroup;
  }

  /** BARs 0 to 5 as the kernel assigned them. */
  get bars(): readonly PciBar[] {
    return this.#record.bars;
  }

  /** DPDK's `max_vfs`. */
  get maxVfs(): number {
    return this.#record.maxVfs;
  }

  /** SR-IOV counts of a physical function. */
  get sriov(): PciSriov | undefined {
    return this.#record.sriov;
  }

  /** For a virtual function, its physical function's address. */
  get physfn(): string | undefined {
    return this.#record.physfn;
  }

  /** Kernel network interfaces of the device. */
  get interfaces(): readonly string[] {
    return this.#record.interfaces;
  }

  /** The device's sysfs directory. */
  get sysfsPath(): string {
    return this.#record.path;
  }

  /** The scan record (plain data). */
  get record(): PciDeviceRecord {
    return this.#record;
  }

  /** The PCI driver that probed the device (or is probing it). */
  get driver(): PciDriver | undefined {
    return this.#driver;
  }

  /** The devargs naming this device (`-a 0000:01:00.0,k=v`, or `attach`). */
  get devargs(): Devargs | undefined {
    return this.#devargs;
  }

  /** Where the device stands on the bus. */
  get state(): DeviceState {
    return this.#state;
  }

  /** Why the last probe failed, for `state === 'failed'`. */
  get error(): string | undefined {
    return this.#error;
  }

  /** Interrupt facts, once the device is opened through UIO or VFIO. */
  get intr(): PciIntrInfo | undefined {
    return this.#resources?.intr;
  }

  /** How the BARs are reached, once opened. */
  get mapMethod(): PciMapMethod | undefined {
    return this.#resources?.method;
  }

  /**
   * Why nic will not write to this device, or undefined when it may: a device bound to
   * vfio-pci, igb_uio or uio_pci_generic is writable; an unbound one only when the user
   * named it (`-a`, `attach`); one owned by any other kernel driver never.
   */
  get writeRefusal(): string | undefined {
    switch (this.kdrv) {
      case 'vfio':
      case 'igb_uio':
      case 'uio_generic':
        return undefined;
      case 'none':
        return this.#named ? undefined : `${this.name} has no driver and was not named with -a or attach`;
      case 'unknown':
        return `${this.name} is owned by kernel driver ${this.kernelDriver}; bind it to vfio-pci first (nic-devbind --bind=vfio-pci ${this.name})`;
    }
  }

  /**
   * Configuration space: the VFIO config region once opened through VFIO, else the sysfs
   * `config` file. Writes are refused (`NIC_EPERM`) as {@link writeRefusal} says.
   */
  get config(): PciConfigSpace {
    if (this.#resources?.config) return this.#resources.config;
    this.#config ??= sysfsConfig(join(this.sysfsPath, 'config'), this.writeRefusal);
    return this.#config;
  }

  /** Sets or clears bus mastering (DMA) in the command register; no write when unchanged. */
  setBusMaster(on: boolean): void {
    this.#setCommandBits(PCI_COMMAND_MASTER, on);
  }

  /** Sets or clears memory-space decoding in the command register; no write when unchanged. */
  setMemoryEnable(on: boolean): void {
    this.#setCommandBits(PCI_COMMAND_MEMORY, on);
  }

  /**
   * Maps BAR `index` (cached: later calls return the same mapping). Through VFIO when bound
   * to vfio-pci, through sysfs `resourceN` when bound to igb_uio/uio_pci_generic, or when
   * forced on an unbound device. An I/O-port BAR is `NIC_ENOTSUP`; an unimplemented one
   * `NIC_EINVAL`; a device a kernel driver owns `NIC_EPERM`.
   */
  mapBar(index: number, options: PciMapOptions = {}): PciBarMapping {
    if (!Number.isInteger(index) || index < 0 || index >= PCI_MAX_RESOURCE) {
      throw new NicError('NIC_EINVAL', `${this.name}: BAR index ${index} is not 0 to ${PCI_MAX_RESOURCE - 1}`);
    }
    const cached = this.#bars.get(index);
    if (cached) return cached;
    const bar = this.bars[index];
    if (bar.kind === 'io') throw new NicError('NIC_ENOTSUP', `${this.name}: BAR ${index} is an I/O-port BAR; I/O ports are not supported`);
    if (bar.kind !== 'mem' || bar.length === 0) throw new NicError('NIC_EINVAL', `${this.name}: BAR ${index} is not implemented`);
    const mapping = this.#opened(options.force === true).mapBar(bar);
    this.#bars.set(index, mapping);
    return mapping;
  }

  /**
   * Opens the device into a VFIO container of its own (DPDK's `rte_vfio_container_create`
   * and group bind, as vDPA drivers do per function) and returns its DMA domain: windows
   * mapped there reach this device only, and the bus's windows (the arena) do not. BARs
   * mapped afterwards come through the same device fd. Refused (`NIC_EBUSY`) once the
   * device is open through the bus's container; calling it again returns the same domain.
   */
  openPrivateContainer(): PciDmaContainer {
    if (this.#resources && !this.#privateContainer) {
      throw new NicError('NIC_EBUSY', `${this.name}: already opened through the bus's VFIO container; a private container must come first`);
    }
    this.#privateContainer = true;
    const dma = this.#opened(false).dma;
    if (!dma) {
      this.unmapAll();
      throw new NicError('NIC_ENOTSUP', `${this.name}: the way this device is opened gives no private DMA container`);
    }
    return dma;
  }

  /** The device's own DMA domain, after {@link openPrivateContainer}. */
  get dmaContainer(): PciDmaContainer | undefined {
    return this.#resources?.dma;
  }

  /** The mapping of BAR `index` if it is mapped. */
  bar(index: number): PciBarMapping | undefined {
    return this.#bars.get(index);
  }

  /** What {@link BusInstance.devices} reports for this device. */
  info(): DeviceInfo {
    const id = this.id;
    const cls = id.classId.toString(HEX).padStart(CLASS_HEX_DIGITS, '0');
    return {
      name: this.name,
      bus: PCI_BUS_NAME,
      driver: this.#driver?.name,
      state: this.#state,
      description: `${formatVendorDevice(id)} class ${cls} kdrv=${this.kernelDriver ?? 'none'}`,
      error: this.#error,
    };
  }

  /** @internal Maps every memory BAR (a driver with NEED_MAPPING is about to probe). */
  mapAll(wc: boolean): void {
    this.#wc = wc;
    for (const bar of this.bars) if (bar.kind === 'mem' && bar.length > 0) this.mapBar(bar.index);
  }

  /** @internal Unmaps every BAR and closes the device's fds. */
  unmapAll(): void {
    const resources = this.#resources;
    if (!resources) return;
    for (const mapping of this.#bars.values()) resources.unmapBar(mapping);
    this.#bars.clear();
    this.#resources = undefined;
    this.#privateContainer = false;
    resources.close();
  }

  /** @internal Records the driver probing or owning the device. */
  setDriver(driver: PciDriver | undefined): void {
    this.#driver = driver;
  }

  /** @internal Records the bus's verdict. */
  setState(state: DeviceState, error?: string): void {
    this.#state = state;
    this.#error = error;
  }

  /** @internal Records the device's devargs; `named` when the user named it to be used. */
  setDevargs(devargs: Devargs | undefined, named: boolean): void {
    this.#devargs = devargs;
    this.#named = named;
    this.#config = undefined;
  }

  /** @internal Replaces the scan record (a rescan of a device nobody owns). */
  refresh(record: PciDeviceRecord): void {
    this.#record = record;
    this.#config = undefined;
  }

  #opened(force: boolean): PciResources {
    if (this.#resources) return this.#resources;
    const method = this.#method(force);
    const resources = this.#open.open(this.#record, method, { wc: this.#wc, privateContainer: this.#privateContainer });
    this.#resources = resources;
    try {
      if (resources.intr?.kind === 'uio_intx') this.setBusMaster(true);
      if (method === 'vfio') {
        this.setMemoryEnable(true);
        this.setBusMaster(true);
      }
    } catch (e) {
      this.unmapAll();
      throw e;
    }
    return resources;
  }

  #method(force: boolean): PciMapMethod {
    switch (this.kdrv) {
      case 'vfio':
        return 'vfio';
      case 'igb_uio':
      case 'uio_generic':
        return 'uio';
      case 'none':
        if (force && this.#named) return 'sysfs';
        throw new NicError(
          'NIC_EPERM',
          `${this.name} is not bound to vfio-pci, igb_uio or uio_pci_generic; bind it (nic-devbind --bind=vfio-pci ${this.name}), or name it with -a and map with { force: true }`,
        );
      case 'unknown':
        throw new NicError('NIC_EPERM', `not mapping: ${this.writeRefusal}`);
    }
  }

  #setCommandBits(bits: number, on: boolean): void {
    const cfg = this.config;
    const old = cfg.readU16(PCI_COMMAND);
    const value = on ? old | bits : old & ~bits;
    if (value !== old) cfg.writeU16(PCI_COMMAND, value);
  }
}
