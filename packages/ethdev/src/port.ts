/**
 * Ports as the controlling thread knows them: one {@link EthDev} per allocated port id,
 * and the look-ups of the public API (`ports`, `portIdByName`, `portState` ...). Port ids
 * are unique within the thread even when several EAL instances are alive (tests run them
 * side by side); the shared data of a port lives in the port table of its instance's arena.
 */
import { NicError, type Eal, type Mempool } from '@nic/eal';
import type { EthdevOps } from './ops.js';
import { ETH_MAX_PORTS, PORT_STATE_NAMES, PortState, type PortData, type PortStateName } from './shared.js';
import type { ResolvedEthConf, RxConf, TxConf } from './types.js';

/** How an rx queue was set up. */
export interface RxQueueSetup {
  readonly nbDesc: number;
  readonly conf: RxConf;
  readonly mempool: Mempool;
}

/** How a tx queue was set up. */
export interface TxQueueSetup {
  readonly nbDesc: number;
  readonly conf: TxConf;
}

/** Number of VLAN ids (12 bits). */
export const VLAN_ID_COUNT = 4096;

/** The configuration of a port that was never configured. */
export const DEFAULT_CONF: ResolvedEthConf = Object.freeze({
  linkSpeeds: 0,
  rxMode: Object.freeze({ mqMode: 'none' as const, mtu: 0, offloads: 0 }),
  txMode: Object.freeze({ offloads: 0 }),
  rss: Object.freeze({ hf: 0, key: undefined }),
  intrConf: Object.freeze({ lsc: false, rmv: false, rxq: false }),
});

/**
 * A port as its driver's control operations see it (DPDK's `struct rte_eth_dev`): identity,
 * the shared data, and the control-side state ethdev keeps (configuration, queue set-ups,
 * MAC list, VLAN filter). Exists on the controlling thread only.
 */
export class EthDev {
  /** The port id. */
  readonly port: number;
  /** The port name (unique among the instance's ports). */
  readonly name: string;
  readonly driverName: string;
  /** The device behind the port (the vdev or PCI device name). */
  readonly device: string;
  readonly eal: Eal;
  /** The port's shared data. */
  readonly data: PortData;
  readonly ops: EthdevOps;
  /** The configuration in force (defaults before the first `configure`). */
  conf: ResolvedEthConf = DEFAULT_CONF;
  /** Set-up of each rx queue; undefined for a queue not set up. */
  readonly rxQueues: (RxQueueSetup | undefined)[] = [];
  /** Set-up of each tx queue. */
  readonly txQueues: (TxQueueSetup | undefined)[] = [];
  /** MAC address slots: 0 is the primary address; undefined slots are free. */
  readonly macAddrs: (Uint8Array | undefined)[] = [];
  /** VLAN ids accepted by the filter, one bit each. */
  readonly vlanFilter = new Uint8Array(VLAN_ID_COUNT / 8);
  /** @internal Name of the memzone holding the queue blocks. */
  queueZone: string | undefined;
  /** @internal Name of the memzone holding the driver's private data. */
  privZone: string | undefined;

  /** @internal Built by `allocatePort`. */
  constructor(init: { port: number; name: string; driverName: string; device: string; eal: Eal; data: PortData; ops: EthdevOps }) {
    this.port = init.port;
    this.name = init.name;
    this.driverName = init.driverName;
    this.device = init.device;
    this.eal = init.eal;
    this.data = init.data;
    this.ops = init.ops;
  }

  /** The port's state. */
  get state(): PortState {
    return this.data.state;
  }
}

interface ThreadPorts {
  readonly devs: (EthDev | undefined)[];
}

const PORTS_KEY = Symbol.for('nic.ethdev.ports.v1');

function threadPorts(): ThreadPorts {
  const g = globalThis as { [PORTS_KEY]?: ThreadPorts };
  return (g[PORTS_KEY] ??= { devs: new Array<EthDev | undefined>(ETH_MAX_PORTS).fill(undefined) });
}

const devs = threadPorts().devs;

/** The port `port` if this thread controls it, else undefined. */
export function findDev(port: number): EthDev | undefined {
  return Number.isInteger(port) && port >= 0 && port < ETH_MAX_PORTS ? devs[port] : undefined;
}

/**
 * The port `port`, which this thread must control.
 * @throws NicError `NIC_ENODEV` for an id that names no allocated port here.
 */
export function dev(port: number): EthDev {
  const found = findDev(port);
  if (!found) throw new NicError('NIC_ENODEV', `port ${String(port)} is not an allocated port of this thread (control operations run on the thread that created the port)`);
  return found;
}

/** @internal The lowest free port id, or -1. */
export function freePortId(): number {
  return devs.indexOf(undefined);
}

/** @internal Records or forgets the port of an id. */
export function setDev(port: number, value: EthDev | undefined): void {
  devs[port] = value;
}

/** Every allocated port (`RTE_ETH_FOREACH_DEV`), of the EAL instance `eal` only when given. */
export function ports(eal?: Eal): number[] {
  const ids: number[] = [];
  for (const d of devs) if (d && (eal === undefined || d.eal === eal)) ids.push(d.port);
  return ids;
}

/** Whether `port` is an allocated port of this thread (`rte_eth_dev_is_valid_port`). */
export function isValidPort(port: number): boolean {
  return findDev(port) !== undefined;
}

/** The port called `name` if this thread controls one (of `eal` only, when given). */
export function findDevByName(name: string, eal?: Eal): EthDev | undefined {
  return devs.find((d) => d !== undefined && d.name === name && (eal === undefined || d.eal === eal));
}

/**
 * The id of the port called `name` (`rte_eth_dev_get_port_by_name`); with several EAL
 * instances alive, of `eal` when given.
 * @throws NicError `NIC_ENODEV` when there is none.
 */
export function portIdByName(name: string, eal?: Eal): number {
  const found = findDevByName(name, eal);
  if (!found) throw new NicError('NIC_ENODEV', `no port is called '${name}'`);
  return found.port;
}

/** The name of port `port` (`rte_eth_dev_get_name_by_port`). */
export function portName(port: number): string {
  return dev(port).name;
}

/** The state of port `port`: `'unconfigured'`, `'configured'`, `'started'` or `'stopped'`. */
export function portState(port: number): PortStateName {
  return PORT_STATE_NAMES[dev(port).state];
}

/** The EAL instance port `port` belongs to. */
export function portEal(port: number): Eal {
  return dev(port).eal;
}
