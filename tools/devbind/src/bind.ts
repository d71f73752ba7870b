/**
 * Binding and unbinding devices the way the kernel wants it done: unbind from the current
 * driver, name the new one in the device's `driver_override`, ask the bus to probe it
 * (`drivers_probe`), check the result, then clear the override. A device whose network
 * interface is up or routed is refused unless forced, as dpdk-devbind does.
 */
import { readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { NicError, tryParsePciAddr, formatPciAddr } from '@nic/eal';
import type { Inventory, InventoryDevice } from './inventory.js';
import { pciDevicesDir, pciDriversDir, type DevbindSystem } from './system.js';

/** What happened to one device. */
export interface BindOutcome {
  readonly device: string;
  readonly action: 'bind' | 'unbind';
  /** `done`; `skipped` (nothing to do); `refused` (in use, no --force); `failed`. */
  readonly result: 'done' | 'skipped' | 'refused' | 'failed';
  readonly message: string;
}

const GLOB_CHARS = /[*?[]/;
const DEFAULT_DOMAIN = '0000:';

function globToRegExp(glob: string): RegExp {
  const source = glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

/** Expands shell-style patterns (`81:00.*`) against the device addresses; others stay as given. */
export function expandGlobs(args: readonly string[], inventory: Inventory): string[] {
  return args.flatMap((arg) => {
    if (!GLOB_CHARS.test(arg)) return [arg];
    for (const pattern of [arg, DEFAULT_DOMAIN + arg]) {
      const re = globToRegExp(pattern);
      const hits = inventory.devices.filter((d) => re.test(d.slot)).map((d) => d.slot);
      if (hits.length > 0) return hits;
    }
    return [arg];
  });
}

/**
 * The inventory device named by `name`: a PCI address (domain optional) or a network
 * interface name. `NIC_ENODEV` when there is none.
 */
export function findDevice(inventory: Inventory, name: string): InventoryDevice {
  const addr = tryParsePciAddr(name);
  const slot = addr ? formatPciAddr(addr) : undefined;
  const found = inventory.devices.find((d) => d.slot === slot) ?? inventory.devices.find((d) => d.interfaces.includes(name));
  if (!found) throw new NicError('NIC_ENODEV', `Unknown device: ${name}. Please specify device in "bus:slot.func" format`);
  return found;
}

/** Why `device` must not be touched without --force, or undefined. */
function inUse(device: InventoryDevice): string | undefined {
  if (device.routed) return `routing table indicates that interface ${device.interfaces.join(',')} of ${device.slot} is active`;
  if (device.up) return `interface ${device.interfaces.join(',')} of ${device.slot} is up`;
  return undefined;
}

function currentDriver(sys: DevbindSystem, slot: string): string | undefined {
  try {
    return basename(readlinkSync(join(pciDevicesDir(sys), slot, 'driver')));
  } catch {
    return undefined;
  }
}

function attempt(sys: DevbindSystem, path: string, text: string): string | undefined {
  try {
    sys.write(path, text);
    return undefined;
  } catch (e) {
    return `cannot write ${JSON.stringify(text.trim())} to ${path}: ${(e as Error).message}`;
  }
}

/** Unbinds one device from its driver. */
export function unbindDevice(sys: DevbindSystem, device: InventoryDevice, force: boolean): BindOutcome {
  const outcome = (result: BindOutcome['result'], message: string): BindOutcome => ({ device: device.slot, action: 'unbind', result, message });
  const driver = currentDriver(sys, device.slot);
  if (driver === undefined) return outcome('skipped', `${device.slot} '${device.name}' is not currently managed by any driver`);
  const busy = inUse(device);
  if (busy && !force) return outcome('refused', `${busy}; not unbinding it (use --force to override)`);
  const error = attempt(sys, join(pciDriversDir(sys), driver, 'unbind'), device.slot);
  if (error) return outcome('failed', `unbind of ${device.slot} failed: ${error}`);
  if (currentDriver(sys, device.slot) !== undefined) return outcome('failed', `${device.slot} is still bound to ${driver} after unbind`);
  return outcome('done', `${device.slot} unbound from ${driver}`);
}

/** Binds one device to `driver`, unbinding it from its current driver first. */
export function bindDevice(sys: DevbindSystem, device: InventoryDevice, driver: string, force: boolean): BindOutcome {
  const outcome = (result: BindOutcome['result'], message: string): BindOutcome => ({ device: device.slot, action: 'bind', result, message });
  const busy = inUse(device);
  if (busy && !force) return outcome('refused', `${busy}; not modifying it (use --force to override)`);
  const previous = currentDriver(sys, device.slot);
  if (previous === driver) return outcome('skipped', `${device.slot} already bound to driver ${driver}, skipping`);
  if (previous !== undefined) {
    const unbound = unbindDevice(sys, device, true);
    if (unbound.result !== 'done') return outcome('failed', unbound.message);
  }
  const override = join(pciDevicesDir(sys), device.slot, 'driver_override');
  const probe = join(sys.sysfs, 'bus', 'pci', 'drivers_probe');
  const error = attempt(sys, override, driver) ?? attempt(sys, probe, device.slot);
  const now = currentDriver(sys, device.slot);
  if (!error && now === driver) {
    const cleared = attempt(sys, override, '\n');
    return outcome('done', cleared ? `${device.slot} bound to ${driver}, but ${cleared}` : `${device.slot} bound to ${driver}`);
  }
  // Hand the device back to whichever driver the kernel picks (normally the previous one).
  attempt(sys, override, '\n');
  attempt(sys, probe, device.slot);
  const why = error ?? `${driver} did not take it (see dmesg)`;
  return outcome('failed', `bind of ${device.slot} to ${driver} failed: ${why}; now ${currentDriver(sys, device.slot) ?? 'unbound'}`);
}
