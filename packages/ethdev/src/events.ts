/**
 * Port event callbacks (`rte_eth_dev_callback_register`/`_unregister`/`_process`), built on
 * the device-event registry of @nic/intr: each EAL instance's registry holds the callbacks
 * of its ports. Callbacks for every port (`'all'`, DPDK's `RTE_ETH_ALL`) are also kept here,
 * so ports allocated later get them too, as DPDK's per-slot lists do.
 */
import {
  ANY_ARG,
  DEV_EVENT_MAX,
  DevEvent,
  devEvents,
  INTR_SERVICE,
  type AnyArg,
  type DevEventCallback,
  type DevEvents,
} from '@nic/intr';
import { NicError } from '@nic/eal';
import { dev, findDev, ports, type EthDev } from './port.js';

/** Port events, numbered as DPDK's `enum rte_eth_event_type` (the intr registry's {@link DevEvent}). */
export const EthEvent = DevEvent;
/** One of {@link EthEvent}. */
export type EthEvent = DevEvent;

/**
 * A port event callback: called on the controlling thread with the port, the event, the
 * argument it was registered with and what the driver passed. Its return value is what
 * `processEvent` returns when it is the last one called.
 */
export type EthEventCallback<A = unknown, P = unknown> = DevEventCallback<A, P>;

interface AllEntry {
  readonly event: EthEvent;
  readonly cb: EthEventCallback<unknown, unknown>;
  readonly arg: unknown;
}

const ALL_KEY = Symbol.for('nic.ethdev.allCallbacks.v1');

function allEntries(): AllEntry[] {
  const g = globalThis as { [ALL_KEY]?: AllEntry[] };
  return (g[ALL_KEY] ??= []);
}

function checkEvent(event: EthEvent): void {
  if (!Number.isInteger(event) || event < 0 || event >= DEV_EVENT_MAX) throw new NicError('NIC_EINVAL', `unknown port event ${String(event)}`);
}

function registryOf(d: EthDev): DevEvents {
  return devEvents(d.eal);
}

/**
 * Calls `cb` on `event` of port `port`, or of every port, present and future, with
 * `'all'`. The same (callback, argument, event) is not added twice.
 * @throws NicError `NIC_ENODEV` for an unknown port or an EAL instance started without
 *   @nic/intr; `NIC_EINVAL` for an unknown event.
 */
export function portCallbackRegister<A, P = unknown>(port: number | 'all', event: EthEvent, cb: EthEventCallback<A, P>, arg: A): void {
  if (typeof cb !== 'function') throw new TypeError('portCallbackRegister: the callback must be a function');
  checkEvent(event);
  if (port !== 'all') {
    registryOf(dev(port)).register(port, event, cb, arg);
    return;
  }
  const list = allEntries();
  const entry: AllEntry = { event, cb: cb as EthEventCallback<unknown, unknown>, arg };
  if (!list.some((e) => e.cb === entry.cb && e.arg === arg && e.event === event)) list.push(entry);
  for (const p of ports()) registryOf(dev(p)).register(p, event, entry.cb, arg);
}

/**
 * Removes the registrations of `cb` for `event` with argument `arg` (any argument when
 * omitted) on port `port`, or on every port and for future ones with `'all'`. Returns how
 * many went.
 * @throws NicError `NIC_EAGAIN` when the callback is running; `NIC_ENODEV`/`NIC_EINVAL` as
 *   {@link portCallbackRegister}.
 */
export function portCallbackUnregister<A, P = unknown>(
  port: number | 'all',
  event: EthEvent,
  cb: EthEventCallback<A, P>,
  arg: A | AnyArg = ANY_ARG,
): number {
  checkEvent(event);
  if (port !== 'all') return registryOf(dev(port)).unregister(port, event, cb, arg);
  const list = allEntries();
  for (let i = list.length - 1; i >= 0; i--) {
    const e = list[i];
    if (e.cb === cb && e.event === event && (arg === ANY_ARG || e.arg === arg)) list.splice(i, 1);
  }
  let removed = 0;
  for (const p of ports()) removed += registryOf(dev(p)).unregister(p, event, cb, arg);
  return removed;
}

/**
 * Calls the callbacks of `event` on port `port` (`rte_eth_dev_callback_process`), on the
 * controlling thread, and returns the last one's result (0 when none ran). For drivers.
 * @throws NicError `NIC_ENODEV` for a port this thread does not control.
 */
export function processEvent<P>(port: number, event: EthEvent, param?: P): number {
  return registryOf(dev(port)).process(port, event, param);
}

/** @internal Gives a new port the callbacks registered for `'all'`. */
export function inheritAllCallbacks(d: EthDev): void {
  if (!d.eal.hasService(INTR_SERVICE)) return;
  const registry = registryOf(d);
  for (const e of allEntries()) registry.register(d.port, e.event, e.cb, e.arg);
}

/** @internal Announces a port ready for use (`RTE_ETH_EVENT_NEW`). */
export function announcePort(d: EthDev): void {
  if (d.eal.hasService(INTR_SERVICE)) registryOf(d).process(d.port, EthEvent.NEW);
}

/** @internal Announces a port's end (`RTE_ETH_EVENT_DESTROY`) and drops its callbacks. */
export function retirePort(port: number): void {
  const d = findDev(port);
  if (!d || !d.eal.hasService(INTR_SERVICE)) return;
  const registry = registryOf(d);
  registry.process(port, EthEvent.DESTROY);
  registry.clear(port);
}
