/** The MTU of a port (`rte_eth_dev_get_mtu`, `rte_eth_dev_set_mtu`). */
import { NicError } from '@nic/eal';
import { checkMtu } from './configure.js';
import { devInfo } from './info.js';
import { dev } from './port.js';
import { PortState } from './shared.js';

/** The MTU of `port`. */
export function mtuGet(port: number): number {
  return dev(port).data.mtu;
}

/**
 * Sets the MTU of a configured `port`.
 * @throws NicError `NIC_EINVAL` when the port is not configured or the MTU is outside the
 *   driver's limits; `NIC_ENOTSUP` when the driver cannot change it.
 */
export function mtuSet(port: number, mtu: number): void {
  const d = dev(port);
  if (!d.ops.mtuSet) throw new NicError('NIC_ENOTSUP', `mtuSet: driver ${d.driverName} cannot change the MTU of port ${port}`);
  if (d.state === PortState.UNCONFIGURED) throw new NicError('NIC_EINVAL', `mtuSet: port ${port} must be configured first`);
  checkMtu(d, devInfo(d), mtu);
  d.ops.mtuSet(d, mtu);
  d.data.mtu = mtu;
  d.conf = { ...d.conf, rxMode: { ...d.conf.rxMode, mtu } };
}
