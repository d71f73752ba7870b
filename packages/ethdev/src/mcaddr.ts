/**
 * The multicast addresses a port accepts besides all-multicast mode
 * (`rte_eth_dev_set_mc_addr_list`).
 */
import { NicError } from '@nic/eal';
import { parseMac } from './mac.js';
import { dev } from './port.js';

/** The group bit of the first address byte. */
const GROUP_BIT = 0x01;

/**
 * Replaces the multicast addresses `port` accepts with `macs`; an empty list removes them
 * all. Nothing changes when any address is wrong.
 * @throws TypeError when `macs` is not an array; NicError `NIC_EINVAL` for a malformed
 *   address or one that is not a group address; `NIC_ENOTSUP` when the driver has no
 *   multicast filter.
 */
export function setMcAddrList(port: number, macs: readonly string[]): void {
  const d = dev(port);
  if (!Array.isArray(macs)) throw new TypeError('setMcAddrList: macs must be an array of addresses');
  const bytes = macs.map((mac) => {
    const b = parseMac(mac);
    if ((b[0] & GROUP_BIT) === 0) throw new NicError('NIC_EINVAL', `setMcAddrList: ${mac} is not a multicast address`);
    return b;
  });
  if (!d.ops.setMcAddrList) throw new NicError('NIC_ENOTSUP', `setMcAddrList: driver ${d.driverName} has no multicast filter (port ${port})`);
  d.ops.setMcAddrList(d, bytes);
}
