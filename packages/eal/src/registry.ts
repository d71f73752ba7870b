/**
 * The process-wide registries: `dev_driver_list` (drivers appended when their package is
 * imported), the buses and the subsystems. They live on `globalThis` under a `Symbol.for`
 * key so that two copies of @nic/eal in one thread share one list. Each worker thread has
 * its own `globalThis`, so each lcore fills its own lists by importing the same packages.
 */
import { NicError } from '@nic/native';
import type { BusDescriptor, DriverDescriptor, SubsystemDescriptor } from './types.js';

interface Registry {
  readonly drivers: DriverDescriptor[];
  readonly buses: BusDescriptor[];
  readonly subsystems: SubsystemDescriptor[];
}

const REGISTRY_KEY = Symbol.for('nic.eal.registry.v1');

function registry(): Registry {
  const g = globalThis as { [REGISTRY_KEY]?: Registry };
  return (g[REGISTRY_KEY] ??= { drivers: [], buses: [], subsystems: [] });
}

const DRIVER_TYPES = new Set(['pdev', 'vdev']);

function checkNamed(kind: string, value: { name?: unknown } | null | undefined): void {
  if (typeof value !== 'object' || value === null) throw new TypeError(`${kind}: expected a descriptor object`);
  if (typeof value.name !== 'string' || value.name.length === 0) throw new TypeError(`${kind}: descriptor needs a non-empty name`);
}

/** Appends to `list` unless the same object is there; a different one with its name is NIC_EEXIST. */
function addUnique<T extends { readonly name: string }>(kind: string, list: T[], item: T): void {
  const existing = list.find((d) => d.name === item.name);
  if (existing === item) return;
  if (existing) throw new NicError('NIC_EEXIST', `${kind} "${item.name}" is already registered by another package`);
  list.push(item);
}

/**
 * Appends a driver to `dev_driver_list` (the counterpart of DPDK's `PMD_REGISTER_DRIVER`).
 * Registering the same descriptor again does nothing; another descriptor with a taken name
 * is `NIC_EEXIST`. EAL instances created afterwards see it.
 */
export function registerDriver(driver: DriverDescriptor): void {
  checkNamed('registerDriver', driver);
  if (!DRIVER_TYPES.has(driver.type)) throw new TypeError(`registerDriver(${driver.name}): type must be 'pdev' or 'vdev'`);
  if (typeof driver.init !== 'function') throw new TypeError(`registerDriver(${driver.name}): init must be a function`);
  addUnique('driver', registry().drivers, driver);
}

/** Removes a driver from `dev_driver_list`; returns whether it was there. */
export function unregisterDriver(driver: DriverDescriptor): boolean {
  const list = registry().drivers;
  const i = list.indexOf(driver);
  if (i >= 0) list.splice(i, 1);
  return i >= 0;
}

/** A snapshot of `dev_driver_list`, in registration order. */
export function registeredDrivers(): readonly DriverDescriptor[] {
  return [...registry().drivers];
}

/** Registers a bus (PCI, vdev ...). Same rules as {@link registerDriver}. */
export function registerBus(bus: BusDescriptor): void {
  checkNamed('registerBus', bus);
  if (typeof bus.create !== 'function') throw new TypeError(`registerBus(${bus.name}): create must be a function`);
  addUnique('bus', registry().buses, bus);
}

/** A snapshot of the registered buses, in registration order. */
export function registeredBuses(): readonly BusDescriptor[] {
  return [...registry().buses];
}

/** Registers a subsystem that runs at one stage of `init` (alarms, interrupt thread ...). */
export function registerSubsystem(subsystem: SubsystemDescriptor): void {
  checkNamed('registerSubsystem', subsystem);
  if (typeof subsystem.init !== 'function') throw new TypeError(`registerSubsystem(${subsystem.name}): init must be a function`);
  addUnique('subsystem', registry().subsystems, subsystem);
}

/** A snapshot of the registered subsystems, in registration order. */
export function registeredSubsystems(): readonly SubsystemDescriptor[] {
  return [...registry().subsystems];
}
