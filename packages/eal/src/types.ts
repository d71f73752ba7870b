/**
 * The contracts between EAL and what plugs into it: drivers, buses and subsystems.
 */
import type { Eal } from './eal.js';

/**
 * A physical-device driver as it sits in `dev_driver_list`. Its `init` runs at EAL's
 * dev-init stage and hands the bus-level driver (e.g. a PCI driver with its id table) to
 * its bus, which is what fills that bus's per-instance driver list.
 */
export interface PdevDriverDescriptor {
  readonly type: 'pdev';
  /** Unique driver name, e.g. `net_e1000_igb`. */
  readonly name: string;
  init(eal: Eal): void | Promise<void>;
}

/**
 * A virtual-device driver. EAL calls `init` once per `--vdev` whose name starts with the
 * driver's name (`net_ring` serves `net_ring0`), with the text after the first comma.
 */
export interface VdevDriverDescriptor {
  readonly type: 'vdev';
  readonly name: string;
  init(eal: Eal, deviceName: string, args: string): void | Promise<void>;
  /** Undoes `init` for one device at detach or cleanup. */
  uninit?(eal: Eal, deviceName: string): void | Promise<void>;
}

/** Any entry of `dev_driver_list`. */
export type DriverDescriptor = PdevDriverDescriptor | VdevDriverDescriptor;

/** How a device stands on its bus. */
export type DeviceState = 'probed' | 'unclaimed' | 'failed' | 'ignored';

/** One device as a bus reports it. */
export interface DeviceInfo {
  /** Canonical device name: `0000:01:00.0`, `net_ring0`. */
  readonly name: string;
  readonly bus: string;
  /** Name of the driver that owns it, when one does. */
  readonly driver?: string;
  readonly state: DeviceState;
  /** A short human description (ids, kernel driver ...). */
  readonly description?: string;
  /** Why probing failed, for `state === 'failed'`. */
  readonly error?: string;
}

/** The outcome of probing one device. */
export interface ProbeResult {
  readonly device: string;
  readonly driver?: string;
  readonly outcome: 'probed' | 'unclaimed' | 'failed';
  readonly error?: Error;
}

/**
 * A bus's state inside one EAL instance: its device list and driver list start empty at
 * `create` and belong to that instance alone.
 */
export interface BusInstance {
  readonly name: string;
  /**
   * Recognises a device name in legacy devargs (`0000:01:00.0` for PCI): returns the
   * canonical name, or undefined when the name is not this bus's.
   */
  parse?(deviceName: string): string | undefined;
  /** Rebuilds the device list (EAL's bus-scan stage). */
  scan(): void | Promise<void>;
  /** Matches devices against the driver list (EAL's probe stage). */
  probe(): ProbeResult[] | Promise<ProbeResult[]>;
  /** The devices found by the last scan, sorted by name. */
  devices(): readonly DeviceInfo[];
  /** Names of the drivers in this bus's per-instance driver list, in registration order. */
  drivers(): readonly string[];
  /**
   * Hotplug (DPDK's `rte_dev_probe`): adds the device that `devargs` names (full devargs
   * text, e.g. `0000:01:00.0,k=v` or `net_ring0,nodeaction=...`) and probes it.
   */
  attach?(devargs: string): Promise<unknown>;
  /** Hot-unplug (DPDK's `rte_dev_remove`): removes the device with this canonical name. */
  detach?(name: string): Promise<void>;
  /** Removes every device and forgets every driver. */
  cleanup(): void | Promise<void>;
}

/** A bus as registered process-wide: a factory of per-instance state. */
export interface BusDescriptor<I extends BusInstance = BusInstance> {
  readonly name: string;
  create(eal: Eal): I;
}

/** The init stages a subsystem can attach to, in the order EAL runs them. */
export type SubsystemStage = 'alarm' | 'interrupts';

/**
 * A subsystem started at one stage of `init` (e.g. @nic/intr's alarm timer and interrupt
 * thread). What `init` returns is kept on the instance and found with `eal.service(name)`.
 */
export interface SubsystemDescriptor<S = unknown> {
  readonly name: string;
  readonly stage: SubsystemStage;
  init(eal: Eal): S | Promise<S>;
  cleanup?(eal: Eal, state: S): void | Promise<void>;
}
