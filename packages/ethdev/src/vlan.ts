/** The VLAN filter of a port (`rte_eth_dev_vlan_filter`). */
import { NicError } from '@nic/eal';
import { RxOffload } from './offloads.js';
import { dev, VLAN_ID_COUNT } from './port.js';

/**
 * Accepts (`on`) or stops accepting VLAN `vlanId` on `port`, whose `VLAN_FILTER` rx offload
 * must be enabled.
 * @throws NicError `NIC_ENOTSUP` when the driver has no filter or the offload is off;
 *   `NIC_EINVAL` for an id outside 0..4095.
 */
export function vlanFilterSet(port: number, vlanId: number, on: boolean): void {
  const d = dev(port);
  if (!d.ops.vlanFilterSet) throw new NicError('NIC_ENOTSUP', `vlanFilterSet: driver ${d.driverName} has no VLAN filter (port ${port})`);
  if ((d.conf.rxMode.offloads & RxOffload.VLAN_FILTER) === 0) throw new NicError('NIC_ENOTSUP', `vlanFilterSet: port ${port} is not configured with the VLAN_FILTER rx offload`);
  if (!(Number.isInteger(vlanId) && vlanId >= 0 && vlanId < VLAN_ID_COUNT)) throw new NicError('NIC_EINVAL', `vlanFilterSet: VLAN id ${String(vlanId)} is outside 0..${VLAN_ID_COUNT - 1}`);
  d.ops.vlanFilterSet(d, vlanId, on);
  const byte = vlanId >>> 3;
  const bit = 1 << (vlanId & 7);
  if (on) d.vlanFilter[byte] |= bit;
  else d.vlanFilter[byte] &= ~bit;
}

/** Whether the VLAN filter of `port` accepts `vlanId`. */
export function vlanFilterGet(port: number, vlanId: number): boolean {
  if (!(Number.isInteger(vlanId) && vlanId >= 0 && vlanId < VLAN_ID_COUNT)) throw new NicError('NIC_EINVAL', `vlanFilterGet: VLAN id ${String(vlanId)} is outside 0..${VLAN_ID_COUNT - 1}`);
  return (dev(port).vlanFilter[vlanId >>> 3] & (1 << (vlanId & 7))) !== 0;
}
