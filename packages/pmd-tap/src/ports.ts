/** Creating a net_tap port: the TAP interface, with the port's address, and the port on it. */
import type { Eal, Kvargs } from '@nic/eal';
import { allocatePort, ethDevOf, linkStatusSet, probingFinish, randomMac } from '@nic/ethdev/driver';
import { netifLink, netifSetMac, NicError, tapCreate } from '@nic/native';
import { IFACE_KEY, parseTapArgs } from './args.js';
import { NET_TAP } from './datapath.js';
import { TAP_PRIV_SIZE } from './layout.js';
import { TapPortOps } from './ops.js';

/** Creates the TAP interface and the port of net_tap device `device` (the vdev driver's probe), named as the device. */
export function probeTapDevice(eal: Eal, device: string, kv: Kvargs): void {
  const args = parseTapArgs(device, kv);
  let tap: { name: string; fd: number };
  try {
    tap = tapCreate(args.iface, { multiQueue: true });
  } catch (e) {
    throw e instanceof NicError ? new NicError(e.code, `${device}: ${IFACE_KEY}=${args.iface}: ${e.message}`, { cause: e }) : e;
  }
  const ops = new TapPortOps(tap.name, tap.fd);
  try {
    const mac = args.mac ?? randomMac();
    netifSetMac(tap.name, mac);
    const dev = allocatePort(eal, device, NET_TAP, ops, { privateSize: TAP_PRIV_SIZE, mac, promiscuous: true, allmulticast: true });
    ops.writeQueues(dev);
    linkStatusSet(dev, netifLink(tap.name));
    probingFinish(dev);
  } catch (e) {
    ops.release();
    throw e;
  }
}

/**
 * The name of the TAP interface behind net_tap port `port` (the kernel's choice with the
 * default `iface`), for configuring the kernel's side.
 * @throws NicError `NIC_ENODEV` for a port this thread does not control, `NIC_EINVAL` for
 *   a port of another driver.
 */
export function tapInterface(port: number): string {
  const dev = ethDevOf(port);
  if (!(dev.ops instanceof TapPortOps)) throw new NicError('NIC_EINVAL', `port ${port} is not a ${NET_TAP} port (driver ${dev.driverName})`);
  return dev.ops.iface;
}
