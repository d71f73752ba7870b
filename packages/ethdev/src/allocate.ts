/**
 * Port allocation and release, for drivers (`rte_eth_dev_allocate`,
 * `rte_eth_dev_probing_finish`, `rte_eth_dev_release_port`).
 */
import { memzoneFree, memzoneReserve, NicError, type Eal } from '@nic/eal';
import { announcePort, inheritAllCallbacks, retirePort } from './events.js';
import { log } from './log.js';
import { isAssignableMac, randomMac } from './mac.js';
import type { EthdevOps } from './ops.js';
import { EthDev, findDev, findDevByName, freePortId, setDev } from './port.js';
import { checkPortName, ETH_MAX_PORTS, MAC_LENGTH, PF_ALLMULTI, PF_INTR_LSC, PF_INTR_RMV, PF_PROMISC, PortState, PortTable } from './shared.js';
import { dropView } from './view.js';

/** Extra facts about a port being allocated. */
export interface AllocatePortOptions {
  /** The device behind the port (its vdev or PCI name); default the port name. */
  readonly device?: string;
  /** Bytes of private data the driver keeps in the arena (at `data.privOffset`, zeroed); default none. */
  readonly privateSize?: number;
  /** The driver signals link changes (`RTE_ETH_DEV_INTR_LSC`), so `intrConf.lsc` may be asked for. */
  readonly intrLsc?: boolean;
  /** The driver signals removal (`RTE_ETH_DEV_INTR_RMV`). */
  readonly intrRmv?: boolean;
  /** The primary MAC address; default a random locally administered one. */
  readonly mac?: Uint8Array;
  /** Whether the port starts in promiscuous mode; default false. */
  readonly promiscuous?: boolean;
  /** Whether the port starts in all-multicast mode; default false. */
  readonly allmulticast?: boolean;
}

/** Prefix of the memzone of a port's private data: `ETHP_<port>_<serial>`. */
export const PRIV_MZ_PREFIX = 'ETHP_';

/**
 * Allocates a port called `name` for driver `driverName`, with its shared data in the
 * arena of `eal`, and returns the control-side device. The port starts unconfigured. Call
 * {@link probingFinish} once the driver has set it up.
 * @throws NicError `NIC_EEXIST` when the instance already has a port of that name;
 *   `NIC_ENOMEM` when all {@link ETH_MAX_PORTS} ids are taken or the arena is full;
 *   `NIC_EINVAL` for a bad name, size or MAC address.
 */
export function allocatePort(eal: Eal, name: string, driverName: string, ops: EthdevOps, options: AllocatePortOptions = {}): EthDev {
  checkPortName('port name', name);
  checkPortName('driver name', driverName);
  if (typeof ops !== 'object' || ops === null) throw new TypeError(`allocatePort(${name}): ops must be an object`);
  const privateSize = options.privateSize ?? 0;
  if (!Number.isInteger(privateSize) || privateSize < 0) throw new NicError('NIC_EINVAL', `allocatePort(${name}): private size ${privateSize} is not a size`);
  const mac = options.mac ?? randomMac();
  if (mac.length !== MAC_LENGTH || !isAssignableMac(mac)) throw new NicError('NIC_EINVAL', `allocatePort(${name}): the MAC address must be a unicast, non-zero address`);
  if (findDevByName(name, eal)) throw new NicError('NIC_EEXIST', `a port called '${name}' already exists`);
  const port = freePortId();
  if (port < 0) throw new NicError('NIC_ENOMEM', `cannot allocate port '${name}': all ${ETH_MAX_PORTS} port ids are in use`);

  const table = PortTable.of(eal.arena);
  const data = table.entry(port);
  const serial = table.nextSerial();
  const privZone = privateSize > 0 ? `${PRIV_MZ_PREFIX}${port}_${serial}` : undefined;
  const privOffset = privZone === undefined ? 0 : memzoneReserve(eal.arena, privZone, privateSize).offset;
  data.claim(serial, name, driverName);
  data.setPriv(privOffset, privateSize);
  data.mac = mac;
  data.setFlag(PF_INTR_LSC, options.intrLsc === true);
  data.setFlag(PF_INTR_RMV, options.intrRmv === true);
  data.setFlag(PF_PROMISC, options.promiscuous === true);
  data.setFlag(PF_ALLMULTI, options.allmulticast === true);
  const d = new EthDev({ port, name, driverName, device: options.device ?? name, eal, data, ops });
  d.privZone = privZone;
  d.macAddrs[0] = Uint8Array.from(mac);
  setDev(port, d);
  dropView(port);
  inheritAllCallbacks(d);
  log.info(`port ${port} '${name}' allocated for driver ${driverName}`);
  return d;
}

/**
 * Announces a port its driver has finished setting up (`rte_eth_dev_probing_finish`): the
 * `NEW` event reaches the callbacks registered for every port.
 */
export function probingFinish(d: EthDev): void {
  announcePort(d);
}

/**
 * Releases a port (`rte_eth_dev_release_port`): `DESTROY` reaches its callbacks, which are
 * then dropped; the shared data is marked closed (late bursts from other lcores return 0),
 * ethdev's memzones of the port are freed, and the id becomes free for reuse. The driver
 * frees its own resources (queues, rings) before. Releasing a released port does nothing.
 */
export function releasePort(d: EthDev): void {
  if (findDev(d.port) !== d) return;
  retirePort(d.port);
  d.data.state = PortState.CLOSED;
  d.data.bumpGen();
  dropView(d.port);
  for (const zone of [d.queueZone, d.privZone]) if (zone !== undefined) memzoneFree(d.eal.arena, zone);
  d.queueZone = undefined;
  d.privZone = undefined;
  d.data.setQueues(0, 0, 0);
  d.data.setPriv(0, 0);
  setDev(d.port, undefined);
  log.info(`port ${d.port} '${d.name}' released`);
}
