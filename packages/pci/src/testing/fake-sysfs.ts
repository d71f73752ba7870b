/**
 * A fake sysfs tree in a temporary directory, laid out like `/sys` (`bus/pci/devices`,
 * `bus/pci/drivers`, `class/net`, `module`) plus a `dev` directory standing in for `/dev`.
 * Point `SYSFS_PCI_DEVICES` at {@link FakeSysfs.devicesPath} and `NIC_DEV_ROOT` at
 * {@link FakeSysfs.devRoot} to scan and map it.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IORESOURCE_IO, IORESOURCE_MEM, IORESOURCE_MEM_64, IORESOURCE_PREFETCH } from '../resource.js';
import { ConfigImageBuilder } from './config-image.js';

/** One BAR of a fake device. */
export interface FakeBar {
  readonly start: number;
  readonly size: number;
  readonly flags: number;
}

/** A 32- or 64-bit memory BAR. */
export function memBar(start: number, size: number, options: { is64?: boolean; prefetch?: boolean } = {}): FakeBar {
  let flags = IORESOURCE_MEM;
  if (options.is64) flags |= IORESOURCE_MEM_64;
  if (options.prefetch) flags |= IORESOURCE_PREFETCH;
  return { start, size, flags };
}

/** An I/O-port BAR. */
export function ioBar(start: number, size: number): FakeBar {
  return { start, size, flags: IORESOURCE_IO };
}

/** A fake network interface of a device. */
export interface FakeInterface {
  readonly name: string;
  /** IFF_UP set in its `flags` file. */
  readonly up?: boolean;
}

/** What a fake device looks like. Omitted files get sensible defaults. */
export interface FakeDeviceSpec {
  /** Canonical address, `0000:01:00.0`. */
  readonly address: string;
  readonly vendorId: number;
  readonly deviceId: number;
  /** Default: the vendor id. */
  readonly subsystemVendorId?: number;
  /** Default: the device id. */
  readonly subsystemDeviceId?: number;
  /** 24-bit class; default 0x020000 (Ethernet). */
  readonly classId?: number;
  readonly revision?: number;
  /** NUMA node file content; default -1; null for no file. */
  readonly numaNode?: number | null;
  /** BARs 0 to 5 (missing ones are empty). */
  readonly bars?: readonly (FakeBar | undefined)[];
  /** Raw `resource` file text instead of `bars` (to break it); null for no file. */
  readonly resourceText?: string | null;
  /** Create `resourceN` regular files of each memory BAR's size (mappable). */
  readonly resourceFiles?: boolean;
  /** Bound kernel driver: a `driver` link to `bus/pci/drivers/<name>` (created). */
  readonly driver?: string;
  /** An `iommu_group` link to `kernel/iommu_groups/<n>`. */
  readonly iommuGroup?: number;
  /** SR-IOV files of a physical function. */
  readonly sriov?: { readonly totalVfs: number; readonly numVfs: number; readonly vfs?: readonly string[] };
  /** For a virtual function: a `physfn` link to this address. */
  readonly physfn?: string;
  /** A `uio/uio<n>` entry and a `<devRoot>/uio<n>` node. */
  readonly uio?: number;
  /** The legacy interrupt line in the `irq` file (none written when undefined). */
  readonly irq?: number;
  /** Network interfaces (`net/<name>`), also listed in `class/net`. */
  readonly interfaces?: readonly FakeInterface[];
  /** The `config` file's bytes; default a 256-byte header built from the ids. */
  readonly config?: Uint8Array;
  /** Extra or replacement files by name; null removes a default file. */
  readonly files?: Readonly<Record<string, string | null>>;
}

/** Bytes of a `resource` line's fields: `0x` and 16 hex digits. */
const RESOURCE_FIELD_DIGITS = 16;
/** Lines of a non-bridge device's `resource` file: 6 BARs and the ROM. */
const RESOURCE_LINES = 7;
/** `IFF_UP` in `/sys/class/net/<if>/flags`. */
const IFF_UP = 0x1;
const DEFAULT_CLASS = 0x020000;

function hexWord(n: number): string {
  return `0x${n.toString(16).padStart(RESOURCE_FIELD_DIGITS, '0')}`;
}

/** The `resource` file text for `bars`. */
export function resourceText(bars: readonly (FakeBar | undefined)[]): string {
  const lines: string[] = [];
  for (let i = 0; i < RESOURCE_LINES; i++) {
    const bar = bars[i];
    lines.push(bar ? `${hexWord(bar.start)} ${hexWord(bar.start + bar.size - 1)} ${hexWord(bar.flags)}` : `${hexWord(0)} ${hexWord(0)} ${hexWord(0)}`);
  }
  return `${lines.join('\n')}\n`;
}

function hex(n: number, digits: number): string {
  return `0x${n.toString(16).padStart(digits, '0')}\n`;
}

/** A fake `/sys` in a temporary directory. Call {@link remove} when done. */
export class FakeSysfs {
  /** The fake `/sys`. */
  readonly root: string;
  /** The fake `/sys/bus/pci/devices`. */
  readonly devicesPath: string;
  /** The fake `/sys/bus/pci/drivers`. */
  readonly driversPath: string;
  /** The fake `/dev`. */
  readonly devRoot: string;

  /**
   * Makes the tree in a new directory named from `prefix` under `parent` (default: the system's
   * temporary directory; a tmpfs such as `/dev/shm` makes a test that rewrites files often fast).
   */
  constructor(prefix = 'nic-fake-sysfs-', parent = tmpdir()) {
    this.root = mkdtempSync(join(parent, prefix));
    this.devicesPath = join(this.root, 'bus', 'pci', 'devices');
    this.driversPath = join(this.root, 'bus', 'pci', 'drivers');
    this.devRoot = join(this.root, 'dev');
    for (const dir of [this.devicesPath, this.driversPath, this.devRoot, join(this.root, 'class', 'net'), join(this.root, 'module')]) {
      mkdirSync(dir, { recursive: true });
    }
    writeFileSync(join(this.root, 'bus', 'pci', 'drivers_probe'), '');
  }

  /** Creates `bus/pci/drivers/<name>` with empty `bind`, `unbind` and `new_id` files. */
  addDriver(name: string): string {
    const dir = join(this.driversPath, name);
    mkdirSync(dir, { recursive: true });
    for (const file of ['bind', 'unbind', 'new_id']) writeFileSync(join(dir, file), '', { flag: 'a' });
    return dir;
  }

  /** Creates `module/<name>` (a loaded kernel module). */
  addModule(name: string): void {
    mkdirSync(join(this.root, 'module', name), { recursive: true });
  }

  /** Creates a device directory from `spec`; returns its path. */
  addDevice(spec: FakeDeviceSpec): string {
    const dir = join(this.devicesPath, spec.address);
    mkdirSync(dir, { recursive: true });
    const files: Record<string, string | null> = {
      vendor: hex(spec.vendorId, 4),
      device: hex(spec.deviceId, 4),
      subsystem_vendor: hex(spec.subsystemVendorId ?? spec.vendorId, 4),
      subsystem_device: hex(spec.subsystemDeviceId ?? spec.deviceId, 4),
      class: hex(spec.classId ?? DEFAULT_CLASS, 6),
      revision: hex(spec.revision ?? 0, 2),
      numa_node: spec.numaNode === null ? null : `${spec.numaNode ?? -1}\n`,
      resource: spec.resourceText === undefined ? resourceText(spec.bars ?? []) : spec.resourceText,
      driver_override: '(null)\n',
      ...(spec.sriov ? { sriov_totalvfs: `${spec.sriov.totalVfs}\n`, sriov_numvfs: `${spec.sriov.numVfs}\n` } : {}),
      ...spec.files,
    };
    for (const [name, content] of Object.entries(files)) if (content !== null) writeFileSync(join(dir, name), content);
    writeFileSync(join(dir, 'config'), spec.config ?? this.#defaultConfig(spec));
    if (spec.resourceFiles) {
      (spec.bars ?? []).forEach((bar, i) => {
        if (bar && (bar.flags & IORESOURCE_MEM) !== 0) writeFileSync(join(dir, `resource${i}`), new Uint8Array(bar.size));
      });
    }
    if (spec.driver !== undefined) {
      const driverDir = this.addDriver(spec.driver);
      symlinkSync(driverDir, join(dir, 'driver'));
    }
    if (spec.iommuGroup !== undefined) {
      const groupDir = join(this.root, 'kernel', 'iommu_groups', String(spec.iommuGroup));
      mkdirSync(groupDir, { recursive: true });
      symlinkSync(groupDir, join(dir, 'iommu_group'));
    }
    spec.sriov?.vfs?.forEach((vf, i) => symlinkSync(join(this.devicesPath, vf), join(dir, `virtfn${i}`)));
    if (spec.physfn !== undefined) symlinkSync(join(this.devicesPath, spec.physfn), join(dir, 'physfn'));
    if (spec.irq !== undefined) writeFileSync(join(dir, 'irq'), `${spec.irq}\n`);
    if (spec.uio !== undefined) {
      mkdirSync(join(dir, 'uio', `uio${spec.uio}`), { recursive: true });
      writeFileSync(join(this.devRoot, `uio${spec.uio}`), '');
    }
    for (const netif of spec.interfaces ?? []) this.#addInterface(dir, netif);
    return dir;
  }

  /** Deletes the whole tree. */
  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  #addInterface(deviceDir: string, netif: FakeInterface): void {
    const ifDir = join(deviceDir, 'net', netif.name);
    mkdirSync(ifDir, { recursive: true });
    writeFileSync(join(ifDir, 'flags'), `0x${(netif.up ? IFF_UP : 0).toString(16)}\n`);
    writeFileSync(join(ifDir, 'operstate'), netif.up ? 'up\n' : 'down\n');
    symlinkSync(ifDir, join(this.root, 'class', 'net', netif.name));
  }

  #defaultConfig(spec: FakeDeviceSpec): Uint8Array {
    return new ConfigImageBuilder({
      vendorId: spec.vendorId,
      deviceId: spec.deviceId,
      subsystemVendorId: spec.subsystemVendorId,
      subsystemDeviceId: spec.subsystemDeviceId,
      classId: spec.classId ?? DEFAULT_CLASS,
      revision: spec.revision,
    }).bytes;
  }
}

/** The `resource` file of DPDK's test devices: memory BAR 0, I/O BAR 2, memory BAR 4 (64-bit, prefetchable). */
export const DPDK_TEST_RESOURCE = [
  '0x00000000d0080000 0x00000000d00fffff 0x000000000014220c',
  '0x0000000000000000 0x0000000000000000 0x0000000000000000',
  '0x000000000000e020 0x000000000000e03f 0x0000000000040101',
  '0x0000000000000000 0x0000000000000000 0x0000000000000000',
  '0x00000000d0104000 0x00000000d0107fff 0x000000000014220c',
  '0x0000000000000000 0x0000000000000000 0x0000000000000000',
  '0x0000000000000000 0x0000000000000000 0x0000000000000000',
  '',
].join('\n');

/**
 * DPDK's `app/test/test_pci_sysfs` tree (v16.11): three devices without a driver link.
 * `0000:01:00.0` also has SR-IOV files (63 VFs possible, none enabled). DPDK's third device
 * is `0000:02:ab.0`, whose device number does not fit PCI's 5-bit field; nic's address
 * parser refuses it, so the tree uses `0000:02:1b.0`.
 */
export function addDpdkTestDevices(fake: FakeSysfs): void {
  const resource = { resourceText: DPDK_TEST_RESOURCE };
  fake.addDevice({ address: '0000:01:00.0', vendorId: 0x0001, deviceId: 0x1234, subsystemDeviceId: 0x0003, classId: 0x020000, sriov: { totalVfs: 63, numVfs: 0 }, ...resource });
  fake.addDevice({ address: '0000:01:02.0', vendorId: 0x0002, deviceId: 0xabcd, classId: 0x100000, ...resource });
  fake.addDevice({ address: '0000:02:1b.0', vendorId: 0x0001, deviceId: 0x4444, classId: 0x100000, ...resource });
}
