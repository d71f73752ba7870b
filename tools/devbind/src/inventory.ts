/**
 * The devices nic-devbind knows about: every PCI function of a reported group, with its
 * name, driver, candidate kernel modules, interfaces and whether it carries live traffic.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scanPciDevices, USERSPACE_DRIVERS, type PciDeviceRecord } from '@nic/pci/driver';
import { DEVICE_GROUPS, inGroup } from './classes.js';
import { pciDevicesDir, pciDriversDir, type DevbindSystem } from './system.js';

/** One device of the inventory. */
export interface InventoryDevice {
  /** Canonical address. */
  readonly slot: string;
  readonly record: PciDeviceRecord;
  /** The device's name from pci.ids (`Virtio 1.0 network device`). */
  readonly name: string;
  /** The vendor's name from pci.ids, when known. */
  readonly vendor: string | undefined;
  /** The bound kernel driver. */
  readonly driver: string | undefined;
  /** Kernel modules that could drive it, then the loaded userspace drivers; its own driver aside. */
  readonly unused: readonly string[];
  readonly interfaces: readonly string[];
  /** One of its interfaces is in the routing table (`*Active*`). */
  readonly routed: boolean;
  /** One of its interfaces is administratively up. */
  readonly up: boolean;
  /** Keys of the groups it belongs to. */
  readonly groups: readonly string[];
}

/** What {@link takeInventory} found. */
export interface Inventory {
  readonly devices: readonly InventoryDevice[];
  /** The userspace drivers (vfio-pci, igb_uio, uio_pci_generic) whose modules are loaded. */
  readonly loadedUserspaceDrivers: readonly string[];
  /** Devices the scan skipped, with the reason. */
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
  /** Why the routing table could not be read, when it could not. */
  readonly routeError: string | undefined;
}

/** `IFF_UP` in `/sys/class/net/<if>/flags`. */
const IFF_UP = 0x1;
const HEX = 16;

/** Whether the kernel module or PCI driver `name` is loaded (or built in). */
export function isDriverLoaded(sys: DevbindSystem, name: string): boolean {
  const module = name.replace(/-/g, '_');
  if (existsSync(join(sys.sysfs, 'module', module)) || existsSync(join(pciDriversDir(sys), name))) return true;
  const builtin = join(sys.modulesDir, 'modules.builtin');
  if (!existsSync(builtin)) return false;
  return readFileSync(builtin, 'utf8')
    .split('\n')
    .some((line) => line.endsWith(`/${module}.ko`));
}

/** `alias pci:<glob> <module>` lines of `modules.alias`, as matchers. */
function readModuleAliases(sys: DevbindSystem): { readonly re: RegExp; readonly module: string }[] {
  const file = join(sys.modulesDir, 'modules.alias');
  if (!existsSync(file)) return [];
  const aliases: { re: RegExp; module: string }[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [word, pattern, module] = line.split(' ');
    if (word !== 'alias' || !pattern?.startsWith('pci:') || !module) continue;
    const source = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    aliases.push({ re: new RegExp(`^${source}$`), module });
  }
  return aliases;
}

function interfaceUp(sys: DevbindSystem, ifname: string): boolean {
  const file = join(sys.sysfs, 'class', 'net', ifname, 'flags');
  if (!existsSync(file)) return false;
  return (Number.parseInt(readFileSync(file, 'utf8').trim(), HEX) & IFF_UP) !== 0;
}

/** Scans the PCI devices of `sys` and describes those of a reported group. */
export function takeInventory(sys: DevbindSystem): Inventory {
  const { devices, skipped } = scanPciDevices({ root: pciDevicesDir(sys) });
  const loadedUserspaceDrivers = USERSPACE_DRIVERS.filter((d) => isDriverLoaded(sys, d));
  const aliases = readModuleAliases(sys);
  const routes = sys.routedInterfaces();
  const routed = new Set(typeof routes === 'string' ? [] : routes);
  const found: InventoryDevice[] = [];
  for (const record of devices) {
    const { classId, vendorId, deviceId } = record.id;
    const groups = DEVICE_GROUPS.filter((g) => inGroup(g, classId, vendorId, deviceId)).map((g) => g.key);
    if (groups.length === 0) continue;
    const modalias = join(record.path, 'modalias');
    const alias = existsSync(modalias) ? readFileSync(modalias, 'utf8').trim() : '';
    const modules = [...new Set(aliases.filter((a) => a.re.test(alias)).map((a) => a.module))];
    const candidates = [...modules, ...loadedUserspaceDrivers.filter((d) => !modules.includes(d))];
    found.push({
      slot: record.name,
      record,
      name: sys.names.deviceName(vendorId, deviceId),
      vendor: sys.names.vendorName(vendorId),
      driver: record.kernelDriver,
      unused: candidates.filter((m) => m !== record.kernelDriver),
      interfaces: record.interfaces,
      routed: record.interfaces.some((i) => routed.has(i)),
      up: record.interfaces.some((i) => interfaceUp(sys, i)),
      groups,
    });
  }
  return { devices: found, loadedUserspaceDrivers, skipped, routeError: typeof routes === 'string' ? routes : undefined };
}
