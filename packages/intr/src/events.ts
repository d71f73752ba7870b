/**
 * Device events: the registry that drivers publish port events to (link up/down, removal,
 * reset ...) and that applications subscribe to per port, as DPDK's
 * `rte_eth_dev_callback_register` / `rte_eth_dev_callback_process` do. The ethdev layer
 * builds its port API on it.
 */
import { registerLogtype } from '@nic/eal/driver';
import { NicError } from '@nic/native';
import { ANY_ARG, type AnyArg } from './thread.js';

/** Port events, numbered in DPDK's order (`enum rte_eth_event_type`). */
export const DevEvent = {
  UNKNOWN: 0,
  INTR_LSC: 1,
  QUEUE_STATE: 2,
  INTR_RESET: 3,
  VF_MBOX: 4,
  MACSEC: 5,
  INTR_RMV: 6,
  NEW: 7,
  DESTROY: 8,
  IPSEC: 9,
  FLOW_AGED: 10,
  RX_AVAIL_THRESH: 11,
  ERR_RECOVERING: 12,
  RECOVERY_SUCCESS: 13,
  RECOVERY_FAILED: 14,
} as const;
/** One of {@link DevEvent}. */
export type DevEvent = (typeof DevEvent)[keyof typeof DevEvent];

/** One past the highest {@link DevEvent} (`RTE_ETH_EVENT_MAX`). */
export const DEV_EVENT_MAX = 15;

/** Stands for every port in `register`/`unregister` (`RTE_ETH_ALL`). */
export const ALL_PORTS = -1;

/** Ports a registry serves by default (`RTE_MAX_ETHPORTS`). */
export const DEFAULT_MAX_PORTS = 32;

/**
 * A device-event callback: `port` and `event` say what happened, `arg` is what it was
 * registered with, `param` what the publisher passed. Its return value (a number, or
 * nothing for 0) is what {@link DevEvents.process} returns when it is the last one called.
 */
export type DevEventCallback<A, P> = (port: number, event: DevEvent, arg: A, param: P) => number | void;

const log = registerLogtype('eal.intr');

interface Entry {
  readonly event: DevEvent;
  readonly fn: DevEventCallback<unknown, unknown>;
  readonly arg: unknown;
  active: boolean;
}

/** The device-event callbacks of ports `0 .. maxPorts - 1`. */
export class DevEvents {
  /** How many ports this registry serves. */
  readonly maxPorts: number;
  readonly #ports: Entry[][];

  constructor(maxPorts: number = DEFAULT_MAX_PORTS) {
    if (!Number.isInteger(maxPorts) || maxPorts < 1) throw new TypeError(`DevEvents: maxPorts must be a positive integer, got ${String(maxPorts)}`);
    this.maxPorts = maxPorts;
    this.#ports = Array.from({ length: maxPorts }, () => []);
  }

  /**
   * Subscribes `cb` to `event` on `port`, or on every port with {@link ALL_PORTS}. An
   * identical (callback, argument, event) on a port is not added twice. A port or event out
   * of range is `NIC_EINVAL`.
   */
  register<A, P = unknown>(port: number, event: DevEvent, cb: DevEventCallback<A, P>, arg: A): void {
    if (typeof cb !== 'function') throw new TypeError('device event register: the callback must be a function');
    this.#checkEvent(event, 'register');
    for (const list of this.#lists(port, 'register')) {
      if (list.some((e) => e.fn === cb && e.arg === arg && e.event === event)) continue;
      list.push({ event, fn: cb as DevEventCallback<unknown, unknown>, arg, active: false });
    }
  }

  /**
   * Removes the subscriptions of `cb` to `event` with argument `arg` (any with
   * {@link ANY_ARG}) on `port` or every port, and returns how many went. A callback that
   * is running is kept and, once the others are gone, reported as `NIC_EAGAIN`.
   */
  unregister<A, P = unknown>(port: number, event: DevEvent, cb: DevEventCallback<A, P>, arg: A | AnyArg): number {
    this.#checkEvent(event, 'unregister');
    let removed = 0;
    let busy = 0;
    for (const list of this.#lists(port, 'unregister')) {
      for (let i = list.length - 1; i >= 0; i--) {
        const e = list[i];
        if (e.fn !== cb || e.event !== event || (arg !== ANY_ARG && e.arg !== arg)) continue;
        if (e.active) {
          busy++;
        } else {
          list.splice(i, 1);
          removed++;
        }
      }
    }
    if (busy > 0) throw new NicError('NIC_EAGAIN', `device event unregister: the callback is running on port ${port} (${removed} other subscription(s) removed)`);
    return removed;
  }

  /**
   * Publishes `event` on `port`: calls its subscribers in registration order with `param`
   * and returns the last one's result (0 when none ran). A callback that throws is logged
   * and skipped. A port out of range is `NIC_EINVAL`.
   */
  process<P>(port: number, event: DevEvent, param?: P): number {
    this.#checkEvent(event, 'process');
    const [list] = this.#lists(port, 'process', false);
    let rc = 0;
    for (const e of [...list]) {
      if (e.event !== event || !list.includes(e)) continue;
      e.active = true;
      try {
        rc = e.fn(port, event, e.arg, param) ?? 0;
      } catch (err) {
        log.err(`port ${port} event ${event} callback threw: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        e.active = false;
      }
    }
    return rc;
  }

  /** How many subscriptions `port` has (for `event` only, when given). */
  count(port: number, event?: DevEvent): number {
    const [list] = this.#lists(port, 'count', false);
    return event === undefined ? list.length : list.filter((e) => e.event === event).length;
  }

  /** Forgets every subscription of `port` (when the port is released), or of every port. */
  clear(port: number = ALL_PORTS): void {
    for (const list of this.#lists(port, 'clear')) list.length = 0;
  }

  #checkEvent(event: DevEvent, op: string): void {
    if (!Number.isInteger(event) || event < 0 || event >= DEV_EVENT_MAX) {
      throw new NicError('NIC_EINVAL', `device event ${op}: unknown event ${String(event)}`);
    }
  }

  #lists(port: number, op: string, allowAll = true): Entry[][] {
    if (allowAll && port === ALL_PORTS) return this.#ports;
    if (!Number.isInteger(port) || port < 0 || port >= this.maxPorts) {
      throw new NicError('NIC_EINVAL', `device event ${op}: invalid port ${String(port)} (0..${this.maxPorts - 1}${allowAll ? ' or ALL_PORTS' : ''})`);
    }
    return [this.#ports[port]];
  }
}
