/**
 * Promiscuous and all-multicast receive modes (`rte_eth_promiscuous_*`,
 * `rte_eth_allmulticast_*`). The mode is a flag of the shared port data; asking for the mode
 * already in force does nothing, as in DPDK.
 */
import { NicError } from '@nic/eal';
import { dev, type EthDev } from './port.js';
import { PF_ALLMULTI, PF_PROMISC } from './shared.js';

type ModeOp = 'promiscuousEnable' | 'promiscuousDisable' | 'allmulticastEnable' | 'allmulticastDisable';

function setMode(port: number, flag: number, on: boolean, op: ModeOp): void {
  const d: EthDev = dev(port);
  if (((d.data.flags & flag) !== 0) === on) return;
  const fn = d.ops[op];
  if (!fn) throw new NicError('NIC_ENOTSUP', `${op}: driver ${d.driverName} does not support it (port ${port})`);
  fn.call(d.ops, d);
  d.data.setFlag(flag, on);
}

/** Turns promiscuous mode on. @throws NicError `NIC_ENOTSUP` when the driver cannot. */
export function promiscuousEnable(port: number): void {
  setMode(port, PF_PROMISC, true, 'promiscuousEnable');
}

/** Turns promiscuous mode off. @throws NicError `NIC_ENOTSUP` when the driver cannot. */
export function promiscuousDisable(port: number): void {
  setMode(port, PF_PROMISC, false, 'promiscuousDisable');
}

/** Whether promiscuous mode is on. */
export function promiscuousGet(port: number): boolean {
  return (dev(port).data.flags & PF_PROMISC) !== 0;
}

/** Turns all-multicast mode on. @throws NicError `NIC_ENOTSUP` when the driver cannot. */
export function allmulticastEnable(port: number): void {
  setMode(port, PF_ALLMULTI, true, 'allmulticastEnable');
}

/** Turns all-multicast mode off. @throws NicError `NIC_ENOTSUP` when the driver cannot. */
export function allmulticastDisable(port: number): void {
  setMode(port, PF_ALLMULTI, false, 'allmulticastDisable');
}

/** Whether all-multicast mode is on. */
export function allmulticastGet(port: number): boolean {
  return (dev(port).data.flags & PF_ALLMULTI) !== 0;
}
