/**
 * The data-path drivers of this thread. Each thread (the main one and every lcore) has its
 * own list, filled by importing driver packages; it lives on `globalThis` under a
 * `Symbol.for` key so two copies of @nic/ethdev in one thread share it.
 */
import { NicError } from '@nic/eal';
import type { EthdevDriver } from './ops.js';

const REGISTRY_KEY = Symbol.for('nic.ethdev.drivers.v1');

function registry(): Map<string, EthdevDriver> {
  const g = globalThis as { [REGISTRY_KEY]?: Map<string, EthdevDriver> };
  return (g[REGISTRY_KEY] ??= new Map());
}

/**
 * Registers the data-path half of a driver in the calling thread. The same object again is
 * a no-op; another object under a taken name is `NIC_EEXIST`.
 */
export function registerEthdevDriver(driver: EthdevDriver): void {
  if (typeof driver !== 'object' || driver === null || typeof driver.name !== 'string' || driver.name === '') {
    throw new TypeError('registerEthdevDriver: expected a driver object with a non-empty name');
  }
  if (typeof driver.rxQueue !== 'function' || typeof driver.txQueue !== 'function') {
    throw new TypeError(`registerEthdevDriver(${driver.name}): rxQueue and txQueue must be functions`);
  }
  const known = registry().get(driver.name);
  if (known === driver) return;
  if (known) throw new NicError('NIC_EEXIST', `ethdev driver "${driver.name}" is already registered by another package`);
  registry().set(driver.name, driver);
}

/**
 * The data-path driver called `name` in this thread.
 * @throws NicError `NIC_ENODEV` when no package registered it here (import the driver
 *   package in every thread that polls its ports).
 */
export function ethdevDriver(name: string): EthdevDriver {
  const driver = registry().get(name);
  if (!driver) {
    throw new NicError('NIC_ENODEV', `ethdev driver "${name}" is not registered in this thread: import its package here (every lcore that polls its ports must)`);
  }
  return driver;
}
