/**
 * MAC addresses of a port (`rte_eth_macaddr_get`, `rte_eth_dev_default_mac_addr_set`,
 * `rte_eth_dev_mac_addr_add`/`_remove`): slot 0 holds the primary address, the driver's
 * `maxMacAddrs` bounds the slots.
 */
import { NicError } from '@nic/eal';
import { devInfo } from './info.js';
import { formatMac, isAssignableMac, isZeroMac, parseMac } from './mac.js';
import { dev, type EthDev } from './port.js';

/** VMDq pools an address may be added to (`RTE_ETH_64_POOLS`). */
export const MAC_POOLS = 64;

function slotOf(d: EthDev, bytes: Uint8Array): number {
  return d.macAddrs.findIndex((m) => m !== undefined && m.every((b, i) => b === bytes[i]));
}

/** The primary MAC address of `port`, `aa:bb:cc:dd:ee:ff`. */
export function macAddrGet(port: number): string {
  return formatMac(dev(port).data.mac);
}

/** Every MAC address of `port`, the primary first. */
export function macAddrs(port: number): string[] {
  return dev(port).macAddrs.filter((m): m is Uint8Array => m !== undefined).map(formatMac);
}

/**
 * Replaces the primary MAC address of `port`.
 * @throws NicError `NIC_EINVAL` for a malformed, group or zero address; `NIC_EEXIST` when it
 *   is already a secondary address (remove it first); `NIC_ENOTSUP` when the driver cannot.
 */
export function macAddrSet(port: number, mac: string): void {
  const d = dev(port);
  const bytes = parseMac(mac);
  if (!isAssignableMac(bytes)) throw new NicError('NIC_EINVAL', `macAddrSet: ${mac} is not a unicast, non-zero address`);
  if (slotOf(d, bytes) > 0) throw new NicError('NIC_EEXIST', `macAddrSet: ${mac} is a secondary address of port ${port}: remove it first`);
  if (!d.ops.macAddrSet) throw new NicError('NIC_ENOTSUP', `macAddrSet: driver ${d.driverName} cannot change the address of port ${port}`);
  d.ops.macAddrSet(d, bytes);
  d.macAddrs[0] = bytes;
  d.data.mac = bytes;
}

/**
 * Adds a receive address to `port` for VMDq pool `pool` (0 without VMDq). Adding an address
 * already there asks the driver again with the same slot.
 * @throws NicError `NIC_EINVAL` for a malformed or zero address or a pool out of range;
 *   `NIC_ENOMEM` when every slot is taken; `NIC_ENOTSUP` when the driver cannot.
 */
export function macAddrAdd(port: number, mac: string, pool = 0): void {
  const d = dev(port);
  const bytes = parseMac(mac);
  if (!d.ops.macAddrAdd) throw new NicError('NIC_ENOTSUP', `macAddrAdd: driver ${d.driverName} cannot add addresses to port ${port}`);
  if (isZeroMac(bytes)) throw new NicError('NIC_EINVAL', 'macAddrAdd: the zero address cannot be added');
  if (!(Number.isInteger(pool) && pool >= 0 && pool < MAC_POOLS)) throw new NicError('NIC_EINVAL', `macAddrAdd: pool ${String(pool)} is outside 0..${MAC_POOLS - 1}`);
  let slot = slotOf(d, bytes);
  if (slot < 0) {
    const max = devInfo(d).maxMacAddrs;
    slot = 1;
    while (slot < max && d.macAddrs[slot] !== undefined) slot++;
    if (slot >= max) throw new NicError('NIC_ENOMEM', `macAddrAdd: port ${port} has no free address slot (${max} in all)`);
  }
  d.ops.macAddrAdd(d, bytes, slot, pool);
  d.macAddrs[slot] = bytes;
}

/**
 * Removes a receive address from `port`; an address it does not have is ignored.
 * @throws NicError `NIC_EBUSY` for the primary address; `NIC_EINVAL` for a malformed one;
 *   `NIC_ENOTSUP` when the driver cannot.
 */
export function macAddrRemove(port: number, mac: string): void {
  const d = dev(port);
  const bytes = parseMac(mac);
  if (!d.ops.macAddrRemove) throw new NicError('NIC_ENOTSUP', `macAddrRemove: driver ${d.driverName} cannot remove addresses from port ${port}`);
  const slot = slotOf(d, bytes);
  if (slot === 0) throw new NicError('NIC_EBUSY', `macAddrRemove: ${mac} is the primary address of port ${port}`);
  if (slot < 0) return;
  d.ops.macAddrRemove(d, slot);
  d.macAddrs[slot] = undefined;
}
