/**
 * The link (`rte_eth_link_get`, `_get_nowait`, `rte_eth_dev_set_link_up/down`). Its state
 * lives in the shared port data; drivers store it with {@link linkStatusSet}.
 */
import { NicError } from '@nic/eal';
import { log } from './log.js';
import { dev, type EthDev } from './port.js';
import { LINK_F_AUTONEG, LINK_F_FULL_DUPLEX, LINK_F_UP, PortState, type PortData } from './shared.js';
import type { Link } from './types.js';

/** The link stored in the shared data of a port. */
export function readLink(data: PortData): Link {
  const flags = data.linkFlags;
  return {
    up: (flags & LINK_F_UP) !== 0,
    speed: data.linkSpeed,
    fullDuplex: (flags & LINK_F_FULL_DUPLEX) !== 0,
    autoneg: (flags & LINK_F_AUTONEG) !== 0,
  };
}

/**
 * Stores `link` as the port's link (`rte_eth_linkstatus_set`), for drivers; returns whether
 * it changed, i.e. whether a link status change event is due.
 */
export function linkStatusSet(d: EthDev, link: Link): boolean {
  const flags = (link.up ? LINK_F_UP : 0) | (link.fullDuplex ? LINK_F_FULL_DUPLEX : 0) | (link.autoneg ? LINK_F_AUTONEG : 0);
  return d.data.setLink(flags, link.speed);
}

function updater(d: EthDev, what: string): NonNullable<EthDev['ops']['linkUpdate']> {
  const update = d.ops.linkUpdate;
  if (!update) throw new NicError('NIC_ENOTSUP', `${what}: driver ${d.driverName} cannot report the link of port ${d.port}`);
  return update.bind(d.ops);
}

function cached(d: EthDev): boolean {
  return d.conf.intrConf.lsc && d.state === PortState.STARTED;
}

/**
 * The link of `port`, waiting for the driver to establish it when it can take time. With
 * link status interrupts on a started port, the state the last event stored.
 * @throws NicError `NIC_ENOTSUP` when the driver cannot report the link.
 */
export async function linkGet(port: number): Promise<Link> {
  const d = dev(port);
  if (!cached(d)) await updater(d, 'linkGet')(d, true);
  return readLink(d.data);
}

/**
 * The link of `port` as it is now, without waiting.
 * @throws NicError as {@link linkGet}.
 */
export function linkGetNowait(port: number): Link {
  const d = dev(port);
  if (!cached(d)) refreshLink(d, updater(d, 'linkGetNowait'));
  return readLink(d.data);
}

/** Asks the driver for the link without waiting; a failure is logged. */
export function refreshLink(d: EthDev, update: NonNullable<EthDev['ops']['linkUpdate']>): void {
  const pending = update(d, false);
  if (pending) pending.catch((e: unknown) => log.err(`port ${d.port}: link update failed: ${e instanceof Error ? e.message : String(e)}`));
}

/**
 * Brings the link of `port` up administratively (`rte_eth_dev_set_link_up`).
 * @throws NicError `NIC_ENOTSUP` when the driver cannot.
 */
export function setLinkUp(port: number): void {
  const d = dev(port);
  if (!d.ops.setLinkUp) throw new NicError('NIC_ENOTSUP', `setLinkUp: driver ${d.driverName} cannot set the link of port ${port}`);
  d.ops.setLinkUp(d);
}

/**
 * Takes the link of `port` down administratively (`rte_eth_dev_set_link_down`).
 * @throws NicError `NIC_ENOTSUP` when the driver cannot.
 */
export function setLinkDown(port: number): void {
  const d = dev(port);
  if (!d.ops.setLinkDown) throw new NicError('NIC_ENOTSUP', `setLinkDown: driver ${d.driverName} cannot set the link of port ${port}`);
  d.ops.setLinkDown(d);
}
