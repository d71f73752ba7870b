/**
 * Scanning `/sys/bus/pci/devices` (DPDK's `rte_pci_scan` / `pci_scan_one`): one plain record
 * per function, sorted by address. A device whose files are missing or malformed is skipped
 * with the reason naming the file; the rest of the scan goes on.
 */
import { existsSync, readdirSync, readFileSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { NicError } from '@nic/native';
import { comparePciAddr, formatPciAddr, tryParsePciAddr, type PciAddr } from '@nic/eal';
import type { PciId } from './id-table.js';
import { parseResourceFile, type PciBar } from './resource.js';
import { readLinkBasename, readOptionalSysfsNumber, readSysfsNumber, sysfsPciDevicesPath } from './sysfs.js';

/**
 * How the kernel side of a device stands, as DPDK classifies the bound driver: `vfio`
 * (vfio-pci), `igb_uio`, `uio_generic` (uio_pci_generic), `none` (no driver bound) or
 * `unknown` (any other driver, e.g. a kernel network driver).
 */
export type PciKernelDriver = 'vfio' | 'igb_uio' | 'uio_generic' | 'none' | 'unknown';

/** Kernel driver name of VFIO. */
export const VFIO_PCI_DRIVER = 'vfio-pci';
/** Kernel driver name of DPDK's out-of-tree UIO driver. */
export const IGB_UIO_DRIVER = 'igb_uio';
/** Kernel driver name of the in-tree generic UIO driver. */
export const UIO_PCI_GENERIC_DRIVER = 'uio_pci_generic';

/** The userspace-I/O drivers a poll-mode driver can work through. */
export const USERSPACE_DRIVERS: readonly string[] = [IGB_UIO_DRIVER, VFIO_PCI_DRIVER, UIO_PCI_GENERIC_DRIVER];

/** Classifies a bound driver's name (undefined: nothing bound). */
export function kernelDriverKind(name: string | undefined): PciKernelDriver {
  switch (name) {
    case undefined:
      return 'none';
    case VFIO_PCI_DRIVER:
      return 'vfio';
    case IGB_UIO_DRIVER:
      return 'igb_uio';
    case UIO_PCI_GENERIC_DRIVER:
      return 'uio_generic';
    default:
      return 'unknown';
  }
}

/** SR-IOV state of a physical function. */
export interface PciSriov {
  /** VFs the device supports (`sriov_totalvfs`). */
  readonly totalVfs: number;
  /** VFs currently enabled (`sriov_numvfs`). */
  readonly numVfs: number;
  /** Addresses of the enabled VFs (`virtfnN` links), in VF order. */
  readonly vfs: readonly string[];
}

/** One PCI function as sysfs describes it. Plain data. */
export interface PciDeviceRecord {
  /** Canonical address, `0000:01:00.0`. */
  readonly name: string;
  readonly addr: PciAddr;
  /** The device's sysfs directory. */
  readonly path: string;
  /** Vendor, device, subsystem ids and the 24-bit class. */
  readonly id: PciId;
  readonly revision: number;
  /** NUMA node, -1 when unknown. */
  readonly numaNode: number;
  /** Name of the bound kernel driver, undefined when none is bound. */
  readonly kernelDriver: string | undefined;
  readonly kdrv: PciKernelDriver;
  /** IOMMU group number, undefined without an `iommu_group` link. */
  readonly iommuGroup: number | undefined;
  /** BARs 0 to 5. */
  readonly bars: readonly PciBar[];
  /** DPDK's `max_vfs`: igb_uio's `max_vfs` attribute, else `sriov_numvfs`, else 0. */
  readonly maxVfs: number;
  /** SR-IOV counts of a physical function; undefined when the device has none. */
  readonly sriov: PciSriov | undefined;
  /** For a virtual function, the address of its physical function. */
  readonly physfn: string | undefined;
  /** Kernel network interfaces of the device (`eth0`), empty when none. */
  readonly interfaces: readonly string[];
}

/** A device the scan left out, and why (the message names the file). */
export interface PciScanSkip {
  readonly name: string;
  readonly reason: string;
}

/** What {@link scanPciDevices} found. */
export interface PciScanResult {
  /** Devices sorted by address. */
  readonly devices: PciDeviceRecord[];
  readonly skipped: PciScanSkip[];
}

/** Options of {@link scanPciDevices}. */
export interface PciScanOptions {
  /** The device directory (default: {@link sysfsPciDevicesPath}). */
  readonly root?: string;
  /** Devices for which this returns false are not read at all. */
  readonly filter?: (name: string) => boolean;
}

const CLASS_MASK = 0xffffff;
const U16_MAX = 0xffff;
const U8_MAX = 0xff;
const NO_NUMA_NODE = -1;
const VIRTFN_RE = /^virtfn(\d+)$/;
const DECIMAL = 10;
/** How deep below the device directory a `net` directory is looked for (virtio puts it in `virtioN/`). */
const NET_SEARCH_DEPTH = 2;

/**
 * Lists every PCI function under `root`. Entries whose names are not PCI addresses are
 * ignored; a device with a missing or malformed file is reported in `skipped`. A root that
 * cannot be listed is `NIC_ENOENT`/`NIC_EIO`.
 */
export function scanPciDevices(options: PciScanOptions = {}): PciScanResult {
  const root = options.root ?? sysfsPciDevicesPath();
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new NicError(err.code === 'ENOENT' ? 'NIC_ENOENT' : 'NIC_EIO', `cannot list PCI devices in ${root}: ${err.message}`, { cause: e });
  }
  const devices: PciDeviceRecord[] = [];
  const skipped: PciScanSkip[] = [];
  for (const entry of entries) {
    if (entry.startsWith('.')) continue;
    const addr = tryParsePciAddr(entry);
    if (!addr) continue;
    if (options.filter && !options.filter(formatPciAddr(addr))) continue;
    try {
      devices.push(readDevice(root, entry, addr));
    } catch (e) {
      skipped.push({ name: formatPciAddr(addr), reason: e instanceof Error ? e.message : String(e) });
    }
  }
  devices.sort((a, b) => comparePciAddr(a.addr, b.addr));
  return { devices, skipped };
}

/**
 * Reads one device's directory (`root/<name>`). A missing directory is `NIC_ENODEV`; a missing
 * or malformed file is `NIC_ENOENT`/`NIC_EINVAL` naming it.
 */
export function scanPciDevice(name: string, root: string = sysfsPciDevicesPath()): PciDeviceRecord {
  const addr = tryParsePciAddr(name);
  if (!addr) throw new NicError('NIC_EINVAL', `"${name}" is not a PCI address`);
  const canonical = formatPciAddr(addr);
  if (!existsSync(join(root, canonical))) throw new NicError('NIC_ENODEV', `PCI device ${canonical} not found in ${root}`);
  return readDevice(root, canonical, addr);
}

function readDevice(root: string, entry: string, addr: PciAddr): PciDeviceRecord {
  const path = join(root, entry);
  const file = (name: string) => join(path, name);
  const u16 = (name: string) => bounded(file(name), readSysfsNumber(file(name)), U16_MAX);
  const id: PciId = {
    vendorId: u16('vendor'),
    deviceId: u16('device'),
    subsystemVendorId: u16('subsystem_vendor'),
    subsystemDeviceId: u16('subsystem_device'),
    classId: readSysfsNumber(file('class')) & CLASS_MASK,
  };
  const bars = parseResourceFile(readResource(file('resource')));
  if (typeof bars === 'string') throw new NicError('NIC_EINVAL', `${file('resource')}: ${bars}`);
  const kernelDriver = readLinkBasename(file('driver'));
  const group = readLinkBasename(file('iommu_group'));
  const iommuGroup = group === undefined ? undefined : Number.parseInt(group, DECIMAL);
  const sriov = readSriov(path);
  return {
    name: formatPciAddr(addr),
    addr,
    path,
    id,
    revision: bounded(file('revision'), readOptionalSysfsNumber(file('revision'), 0), U8_MAX),
    numaNode: readOptionalSysfsNumber(file('numa_node'), NO_NUMA_NODE),
    kernelDriver,
    kdrv: kernelDriverKind(kernelDriver),
    iommuGroup: Number.isInteger(iommuGroup) ? iommuGroup : undefined,
    bars,
    maxVfs: readOptionalSysfsNumber(file('max_vfs')) ?? sriov?.numVfs ?? 0,
    sriov,
    physfn: readLinkBasename(file('physfn')),
    interfaces: findInterfaces(path, NET_SEARCH_DEPTH),
  };
}

function bounded(file: string, value: number, max: number): number {
  if (value < 0 || value > max) throw new NicError('NIC_EINVAL', `${file}: ${value} is out of range (0 to 0x${max.toString(16)})`);
  return value;
}

function readResource(file: string): string {
  try {
    return readFileSync(file, 'latin1');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new NicError(err.code === 'ENOENT' ? 'NIC_ENOENT' : 'NIC_EIO', `cannot read ${file}: ${err.message}`, { cause: e });
  }
}

function readSriov(path: string): PciSriov | undefined {
  const totalVfs = readOptionalSysfsNumber(join(path, 'sriov_totalvfs'));
  if (totalVfs === undefined) return undefined;
  const numVfs = readOptionalSysfsNumber(join(path, 'sriov_numvfs'), 0);
  const vfs = readdirSync(path)
    .map((name) => ({ name, m: VIRTFN_RE.exec(name) }))
    .filter((e): e is { name: string; m: RegExpExecArray } => e.m !== null)
    .sort((a, b) => Number(a.m[1]) - Number(b.m[1]))
    .map((e) => readLinkBasename(join(path, e.name)))
    .filter((vf): vf is string => vf !== undefined);
  return { totalVfs, numVfs, vfs };
}

/** Names in the first `net` directory found at most `depth` levels down (not through links). */
function findInterfaces(path: string, depth: number): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch {
    return [];
  }
  const net = entries.find((e) => e.isDirectory() && e.name === 'net');
  if (net) return readdirSync(join(path, net.name)).sort();
  if (depth <= 1) return [];
  for (const e of entries) {
    // Child functions below a bridge have their own interfaces.
    if (!e.isDirectory() || tryParsePciAddr(e.name)) continue;
    const found = findInterfaces(join(path, e.name), depth - 1);
    if (found.length > 0) return found;
  }
  return [];
}
