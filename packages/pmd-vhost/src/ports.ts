/** Creating a net_vhost port: the vhost-user socket, and the port on it. */
import type { Eal, Kvargs } from '@nic/eal';
import { allocatePort, ethDevOf, EthEvent, linkStatusSet, probingFinish, type EthDev } from '@nic/ethdev/driver';
import { NicError } from '@nic/native';
import { VhostUserSocket } from '@nic/vhost';
import { IFACE_KEY, parseVhostArgs } from './args.js';
import { NET_VHOST } from './datapath.js';
import { LINK_DOWN, linkChanged, notify, VhostPortOps, type VhostQueueEvent } from './ops.js';
import { registerPort, VhostPort } from './port.js';

/** Bytes of the port's private data (the state lives on the owning thread, see port.ts). */
const VHOST_PRIV_SIZE = 64;
/** DPDK's net_vhost address: "VHOST" then the port id. */
const VHOST_MAC_PREFIX = [0x56, 0x48, 0x4f, 0x53, 0x54];

/** Creates the socket and the port of net_vhost device `device` (the vdev driver's probe). */
export function probeVhostDevice(eal: Eal, device: string, kv: Kvargs): void {
  const args = parseVhostArgs(device, kv);
  let dev: EthDev | undefined;
  let socket: VhostUserSocket;
  try {
    socket = new VhostUserSocket(args.iface, {
      client: args.client,
      queuePairs: args.queues,
      ops: {
        newDevice: () => dev && linkChanged(dev, true),
        destroyDevice: () => dev && linkChanged(dev, false),
        vringStateChanged: (_d, vring, enabled) => {
          if (!dev) return;
          const event: VhostQueueEvent = { queue: vring >>> 1, rx: (vring & 1) === 1, enabled };
          notify(dev, EthEvent.QUEUE_STATE, event);
        },
      },
    });
  } catch (e) {
    throw e instanceof NicError ? new NicError(e.code, `${device}: ${IFACE_KEY}=${args.iface}: ${e.message}`, { cause: e }) : e;
  }
  const port = new VhostPort(socket);
  try {
    const ops = new VhostPortOps(port, args.queues);
    dev = allocatePort(eal, device, NET_VHOST, ops, { privateSize: VHOST_PRIV_SIZE, promiscuous: true, allmulticast: true, intrLsc: true });
    dev.data.mac = Uint8Array.of(...VHOST_MAC_PREFIX, dev.port & 0xff);
    registerPort(eal.arena.buffer, dev.data.privOffset, port);
    linkStatusSet(dev, LINK_DOWN);
    probingFinish(dev);
  } catch (e) {
    socket.close();
    throw e;
  }
}

/**
 * The vhost-user socket behind net_vhost port `port`, for what ethdev does not cover
 * (the device's features, its vrings' counters).
 * @throws NicError `NIC_ENODEV` for a port this thread does not control, `NIC_EINVAL` for a
 *   port of another driver.
 */
export function vhostSocket(port: number): VhostUserSocket {
  const dev = ethDevOf(port);
  if (!(dev.ops instanceof VhostPortOps)) throw new NicError('NIC_EINVAL', `port ${port} is not a ${NET_VHOST} port (driver ${dev.driverName})`);
  return dev.ops.port.socket;
}
