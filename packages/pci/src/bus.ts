/**
 * The PCI bus of one EAL instance: its device list (filled by `scan`), its
 * `pci_driver_list` (filled at dev init by each pdev driver's `init`), probing, runtime
 * attach/detach and cleanup.
 */
import { NicError } from '@nic/native';
import {
  comparePciAddr,
  formatPciAddr,
  parseDevargs,
  registerLogtype,
  tryParsePciAddr,
  type BusDescriptor,
  type BusInstance,
  type DeviceInfo,
  type Devargs,
  type Eal,
  type ProbeResult,
} from '@nic/eal';
import { PCI_BUS_NAME } from './bus-name.js';
import { PciDevice } from './device.js';
import {
  hasDriverFlag,
  PCI_DRV_ALL_FLAGS,
  PCI_DRV_KEEP_MAPPED_RES,
  PCI_DRV_NEED_IOVA_AS_VA,
  PCI_DRV_NEED_MAPPING,
  PCI_DRV_PROBE_AGAIN,
  PCI_DRV_WC_ACTIVATE,
  type PciDriver,
  type PciProbeReturn,
} from './driver-api.js';
import { checkIdTable, formatVendorDevice, matchId } from './id-table.js';
import { SysfsResourceOpener, type PciResourceOpener } from './open.js';
import { scanPciDevice, scanPciDevices, type PciDeviceRecord } from './scan.js';

const log = registerLogtype('bus.pci');

/** What one driver's attempt at a device came to. */
type Attempt = { readonly kind: 'probed' } | { readonly kind: 'declined'; readonly reason: string } | { readonly kind: 'failed'; readonly error: Error };

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/** The PCI bus of one EAL instance. Get it with `pci(eal)`. */
export class PciBus implements BusInstance {
  /** `pci`. */
  readonly name = PCI_BUS_NAME;
  readonly #eal: Eal;
  readonly #open: PciResourceOpener;
  readonly #drivers: PciDriver[] = [];
  readonly #devices = new Map<string, PciDevice>();
  /** Devargs given to `attach`, which override the command line's for that device. */
  readonly #inserted = new Map<string, Devargs>();
  /** IOVAs of the arena's DMA windows, once mapped (before the first device is opened). */
  #arenaWindows: number[] | undefined;

  /** @internal EAL creates the bus through its descriptor; `open` is replaceable for tests. */
  constructor(eal: Eal, open: PciResourceOpener = new SysfsResourceOpener()) {
    this.#eal = eal;
    this.#open = open;
  }

  /** Recognises a PCI address (`01:00.0`, `0000:01:00.0`) and returns its canonical spelling. */
  parse(deviceName: string): string | undefined {
    const addr = tryParsePciAddr(deviceName);
    return addr && formatPciAddr(addr);
  }

  /**
   * Scans sysfs (`$SYSFS_PCI_DEVICES` or `/sys/bus/pci/devices`). New devices are added,
   * unowned ones refreshed, vanished unowned ones dropped; a probed device keeps its state.
   * `--no-pci` makes this a no-op. A directory that cannot be listed is logged, not thrown,
   * as DPDK's bus scan does.
   */
  scan(): void {
    if (this.#eal.options.noPci) {
      log.info('--no-pci: PCI devices are not scanned');
      return;
    }
    let found: PciDeviceRecord[];
    try {
      const result = scanPciDevices();
      for (const skip of result.skipped) log.warn(`skipping ${skip.name}: ${skip.reason}`);
      found = result.devices;
    } catch (e) {
      log.err(`PCI scan failed: ${toError(e).message}`);
      return;
    }
    const seen = new Set(found.map((r) => r.name));
    for (const [name, dev] of this.#devices) if (!seen.has(name) && dev.state !== 'probed') this.#devices.delete(name);
    for (const record of found) this.#add(record);
  }

  /**
   * Probes every device that is neither ignored (allow/block lists) nor probed, in address
   * order. Each goes to the first matching driver that takes it; one device's failure does
   * not stop the others. Returns one result per device some driver matched.
   */
  async probe(): Promise<ProbeResult[]> {
    const results: ProbeResult[] = [];
    for (const dev of this.pciDevices()) {
      if (dev.state === 'ignored' || dev.state === 'probed') continue;
      const result = await this.#probeDevice(dev);
      if (result) results.push(result);
    }
    return results;
  }

  /** Every device as EAL reports it, sorted by address. */
  devices(): readonly DeviceInfo[] {
    return this.pciDevices().map((d) => d.info());
  }

  /** The devices themselves, sorted by address. */
  pciDevices(): PciDevice[] {
    return [...this.#devices.values()].sort((a, b) => comparePciAddr(a.addr, b.addr));
  }

  /** The device at `address` (any spelling `parse` accepts), if the scan found it. */
  device(address: string): PciDevice | undefined {
    const name = this.parse(address);
    return name === undefined ? undefined : this.#devices.get(name);
  }

  /** Names in `pci_driver_list`, in registration order. */
  drivers(): readonly string[] {
    return this.#drivers.map((d) => d.name);
  }

  /** The drivers of `pci_driver_list`, in registration order. */
  pciDrivers(): readonly PciDriver[] {
    return [...this.#drivers];
  }

  /**
   * Appends a driver to this instance's `pci_driver_list` (what each pdev driver's `init`
   * does at EAL's dev-init stage). The same object again is a no-op; another driver with the
   * same name is `NIC_EEXIST`; a malformed driver is a `TypeError`. A driver registered after
   * probe serves later `attach` calls.
   */
  registerDriver(driver: PciDriver): void {
    checkDriver(driver);
    const existing = this.#drivers.find((d) => d.name === driver.name);
    if (existing === driver) return;
    if (existing) throw new NicError('NIC_EEXIST', `PCI driver "${driver.name}" is already registered on this EAL instance`);
    this.#drivers.push(driver);
  }

  /**
   * Hotplug (DPDK's `rte_dev_probe`): parses `devargs` (`0000:01:00.0,k=v` or
   * `bus=pci,addr=...`), rescans that device, makes the devargs its own (overriding `-a`/`-b`)
   * and probes it. Returns the probed device. A bad string is `NIC_EINVAL`, a missing device
   * `NIC_ENODEV`, one already probed `NIC_EEXIST` (unless its driver has PROBE_AGAIN, which
   * probes it again), no taker `NIC_ENOTSUP`; a driver's failure is thrown as a NicError.
   */
  async attach(devargs: string): Promise<PciDevice> {
    if (this.#eal.options.noPci) throw new NicError('NIC_ENODEV', `cannot attach ${devargs}: PCI is disabled (--no-pci)`);
    const parsed = parseDevargs(devargs, { buses: [this] }, { bus: PCI_BUS_NAME });
    if (parsed.bus !== PCI_BUS_NAME || parsed.name === '') throw new NicError('NIC_EINVAL', `attach "${devargs}": names no PCI device`);
    const entry: Devargs = { ...parsed, policy: 'allow' };
    const existing = this.#devices.get(parsed.name);
    if (existing?.state === 'probed') return this.#probeAgain(existing, entry);

    const record = scanPciDevice(parsed.name);
    this.#inserted.set(parsed.name, entry);
    const dev = this.#add(record);
    const result = await this.#probeDevice(dev);
    if (result?.outcome === 'probed') return dev;
    this.#inserted.delete(parsed.name);
    this.#applyDevargs(dev);
    if (result?.outcome === 'failed' && result.error) throw asNicError(result.error, `attach ${parsed.name}: ${result.driver ?? 'probe'} failed`);
    const why = result?.error ? `: ${result.error.message}` : ' (no driver in this EAL instance matches its ids)';
    throw new NicError('NIC_ENOTSUP', `attach ${parsed.name}: no driver took the device${why}`);
  }

  /**
   * Hot-unplug: the driver's `remove`, unmapping, releasing the claim, and dropping the
   * device from the list (a later `attach` finds it again). An unknown device is
   * `NIC_ENODEV`, one not probed `NIC_EINVAL`; a failing `remove` is `NIC_EIO` and leaves
   * the device probed.
   */
  async detach(address: string): Promise<void> {
    const name = this.parse(address);
    if (name === undefined) throw new NicError('NIC_EINVAL', `detach: "${address}" is not a PCI address`);
    const dev = this.#devices.get(name);
    if (!dev) throw new NicError('NIC_ENODEV', `detach: PCI device ${name} is not on the bus`);
    if (dev.state !== 'probed') throw new NicError('NIC_EINVAL', `detach: PCI device ${name} is not probed`);
    await this.#remove(dev);
    this.#devices.delete(name);
    this.#inserted.delete(name);
  }

  /**
   * Removes every probed device (last probed first), unmaps everything and forgets the
   * devices and drivers. Devices are let go even when a driver's `remove` fails; the first
   * failure is thrown at the end as `NIC_EIO`.
   */
  async cleanup(): Promise<void> {
    const errors: Error[] = [];
    for (const dev of this.pciDevices().reverse()) {
      if (dev.state === 'probed') {
        try {
          await this.#remove(dev);
        } catch (e) {
          errors.push(toError(e));
          this.#letGo(dev);
        }
      }
      dev.unmapAll();
    }
    this.#devices.clear();
    this.#drivers.length = 0;
    this.#inserted.clear();
    for (const iova of this.#arenaWindows ?? []) this.#open.dmaUnmap(iova);
    this.#arenaWindows = undefined;
    this.#open.close();
    if (errors.length > 0) throw new NicError('NIC_EIO', `PCI cleanup: ${errors.length} device(s) failed to remove: ${errors[0].message}`, { cause: errors[0] });
  }

  /**
   * Lets devices reach `length` bytes of this process at `vaddr` through I/O address `iova`
   * (DPDK's `rte_vfio_dma_map` on the default container). Recorded for the instance and
   * mapped into the VFIO container now, or when the first VFIO device is opened. Devices
   * behind UIO use physical addresses and need no window.
   */
  dmaMap(vaddr: number, iova: number, length: number): void {
    for (const [what, v] of [['vaddr', vaddr], ['iova', iova], ['length', length]] as const) {
      if (!Number.isSafeInteger(v) || v < 0) throw new TypeError(`dmaMap: ${what} must be a non-negative safe integer`);
    }
    this.#open.dmaMap({ vaddr, iova, length });
  }

  /** Removes the DMA window at `iova`; returns whether there was one. */
  dmaUnmap(iova: number): boolean {
    return this.#open.dmaUnmap(iova);
  }

  /**
   * Makes the EAL arena reachable by devices, once per instance (DPDK maps every memory
   * segment into the VFIO container when it sets the container up): mbufs and descriptor
   * rings live there.
   */
  #mapArena(): void {
    if (this.#arenaWindows) return;
    const windows = this.#eal.arena.iovaWindows();
    for (const w of windows) this.#open.dmaMap({ vaddr: w.vaddr, iova: w.iova, length: w.length });
    this.#arenaWindows = windows.map((w) => w.iova);
  }

  #add(record: PciDeviceRecord): PciDevice {
    let dev = this.#devices.get(record.name);
    if (!dev) {
      dev = new PciDevice(record, this.#open);
      this.#devices.set(record.name, dev);
    } else if (dev.state !== 'probed') {
      dev.refresh(record);
    } else if (record.kernelDriver !== dev.kernelDriver || formatVendorDevice(record.id) !== formatVendorDevice(dev.id)) {
      log.warn(`unexpected rescan of probed device ${record.name}: now ${formatVendorDevice(record.id)} kdrv=${record.kernelDriver ?? 'none'}; keeping the probed state`);
    }
    this.#applyDevargs(dev);
    if (dev.state !== 'probed') {
      const ignored = !this.#inserted.has(dev.name) && this.#eal.isIgnored(PCI_BUS_NAME, dev.name);
      dev.setState(ignored ? 'ignored' : 'unclaimed');
    }
    return dev;
  }

  /** Gives the device its devargs: `attach`'s if any, else the command line's. */
  #applyDevargs(dev: PciDevice): void {
    const given = this.#inserted.get(dev.name) ?? this.#eal.devargs(PCI_BUS_NAME).find((d) => d.name === dev.name);
    dev.setDevargs(given, given?.policy === 'allow');
  }

  async #probeDevice(dev: PciDevice): Promise<ProbeResult | undefined> {
    const candidates = this.#drivers.filter((d) => matchId(d.idTable, dev.id) !== undefined);
    if (candidates.length === 0) return undefined;
    try {
      this.#eal.claimDevice(PCI_BUS_NAME, dev.name);
    } catch (e) {
      const error = toError(e);
      dev.setState('failed', error.message);
      return { device: dev.name, driver: candidates[0].name, outcome: 'failed', error };
    }
    const declined: string[] = [];
    for (const driver of candidates) {
      const attempt = await this.#tryDriver(dev, driver);
      if (attempt.kind === 'probed') {
        dev.setState('probed');
        return { device: dev.name, driver: driver.name, outcome: 'probed' };
      }
      if (attempt.kind === 'failed') {
        this.#eal.releaseDevice(PCI_BUS_NAME, dev.name);
        dev.setState('failed', attempt.error.message);
        return { device: dev.name, driver: driver.name, outcome: 'failed', error: attempt.error };
      }
      log.debug(`${driver.name} passed on ${dev.name}: ${attempt.reason}`);
      declined.push(`${driver.name}: ${attempt.reason}`);
    }
    this.#eal.releaseDevice(PCI_BUS_NAME, dev.name);
    dev.unmapAll();
    dev.setState('unclaimed');
    return { device: dev.name, outcome: 'unclaimed', error: new NicError('NIC_ENODEV', `no driver took ${dev.name}: ${declined.join('; ')}`) };
  }

  async #tryDriver(dev: PciDevice, driver: PciDriver): Promise<Attempt> {
    if (hasDriverFlag(driver, PCI_DRV_NEED_MAPPING)) {
      if (dev.kdrv === 'none' || dev.kdrv === 'unknown') {
        return { kind: 'declined', reason: `not managed by a supported kernel driver (bound to ${dev.kernelDriver ?? 'no driver'}), skipped` };
      }
      if (hasDriverFlag(driver, PCI_DRV_NEED_IOVA_AS_VA) && (dev.kdrv !== 'vfio' || this.#eal.options.iovaMode === 'pa')) {
        return { kind: 'failed', error: new NicError('NIC_EINVAL', `${driver.name} needs IOVA as VA, which ${dev.name} cannot give (needs vfio-pci and no --iova-mode=pa)`) };
      }
      if ((dev.kdrv === 'igb_uio' || dev.kdrv === 'uio_generic') && this.#eal.arena.iovaMode !== 'pa') {
        return {
          kind: 'failed',
          error: new NicError(
            'NIC_EINVAL',
            `${dev.name} is bound to ${dev.kernelDriver ?? 'a UIO driver'}, which gives the device physical addresses, but EAL runs IOVA as VA (--no-huge or --iova-mode va); use hugepages, or bind it to vfio-pci`,
          ),
        };
      }
      try {
        this.#mapArena();
        dev.mapAll(hasDriverFlag(driver, PCI_DRV_WC_ACTIVATE));
      } catch (e) {
        dev.unmapAll();
        return { kind: 'failed', error: toError(e) };
      }
    }
    dev.setDriver(driver);
    log.info(`probe PCI driver: ${driver.name} (${formatVendorDevice(dev.id)}) device: ${dev.name} (socket ${dev.numaNode})`);
    let rc: PciProbeReturn;
    try {
      rc = await driver.probe(dev, this.#eal);
    } catch (e) {
      dev.setDriver(undefined);
      dev.unmapAll();
      return { kind: 'failed', error: toError(e) };
    }
    if (rc === undefined || rc === 0) return { kind: 'probed' };
    dev.setDriver(undefined);
    if (typeof rc === 'number' && rc > 0) {
      if (!hasDriverFlag(driver, PCI_DRV_KEEP_MAPPED_RES)) dev.unmapAll();
      return { kind: 'declined', reason: `probe returned ${rc} (not this driver's device)` };
    }
    dev.unmapAll();
    return { kind: 'failed', error: new NicError('NIC_EIO', `${driver.name}: probe of ${dev.name} returned ${String(rc)}`) };
  }

  async #probeAgain(dev: PciDevice, entry: Devargs): Promise<PciDevice> {
    const driver = dev.driver;
    if (!driver || !hasDriverFlag(driver, PCI_DRV_PROBE_AGAIN)) {
      throw new NicError('NIC_EEXIST', `attach ${dev.name}: already probed by ${driver?.name ?? 'a driver'}`);
    }
    this.#inserted.set(dev.name, entry);
    dev.setDevargs(entry, true);
    let rc: PciProbeReturn;
    try {
      rc = await driver.probe(dev, this.#eal);
    } catch (e) {
      throw asNicError(toError(e), `attach ${dev.name}: ${driver.name} failed to probe again`);
    }
    if (rc !== undefined && rc !== 0) throw new NicError('NIC_EIO', `attach ${dev.name}: ${driver.name} returned ${String(rc)} when probed again`);
    return dev;
  }

  async #remove(dev: PciDevice): Promise<void> {
    const driver = dev.driver;
    let rc: PciProbeReturn;
    try {
      rc = await driver?.remove?.(dev, this.#eal);
    } catch (e) {
      throw new NicError('NIC_EIO', `${driver?.name} failed to remove ${dev.name}: ${toError(e).message}`, { cause: e });
    }
    if (typeof rc === 'number' && rc < 0) throw new NicError('NIC_EIO', `${driver?.name} failed to remove ${dev.name} (returned ${rc})`);
    this.#letGo(dev);
  }

  #letGo(dev: PciDevice): void {
    dev.unmapAll();
    dev.setDriver(undefined);
    dev.setState('unclaimed');
    this.#eal.releaseDevice(PCI_BUS_NAME, dev.name);
  }
}

function asNicError(error: Error, context: string): NicError {
  if (error instanceof NicError) return error;
  return new NicError('NIC_EIO', `${context}: ${error.message}`, { cause: error });
}

function checkDriver(driver: PciDriver): void {
  if (typeof driver !== 'object' || driver === null) throw new TypeError('registerDriver: expected a PCI driver object');
  if (typeof driver.name !== 'string' || driver.name === '') throw new TypeError('registerDriver: a PCI driver needs a non-empty name');
  if (typeof driver.probe !== 'function') throw new TypeError(`PCI driver ${driver.name}: probe must be a function`);
  if (driver.remove !== undefined && typeof driver.remove !== 'function') throw new TypeError(`PCI driver ${driver.name}: remove must be a function`);
  const flags = driver.flags ?? 0;
  if (!Number.isInteger(flags) || flags < 0 || (flags & ~PCI_DRV_ALL_FLAGS) !== 0) {
    throw new TypeError(`PCI driver ${driver.name}: flags 0x${Number(flags).toString(16)} has bits that are not PCI_DRV_* flags`);
  }
  checkIdTable(driver.name, driver.idTable);
}

/** The descriptor EAL creates the bus from; `@nic/pci`'s main entry registers it. */
export const pciBus: BusDescriptor<PciBus> = {
  name: PCI_BUS_NAME,
  create: (eal) => new PciBus(eal),
};

/**
 * The PCI bus of an EAL instance. `NIC_ENODEV` when the bus is not registered (import
 * `@nic/pci`, or register `pciBus` from `@nic/pci/driver`, before `init`).
 */
export function pci(eal: Eal): PciBus {
  return eal.bus<PciBus>(PCI_BUS_NAME);
}
