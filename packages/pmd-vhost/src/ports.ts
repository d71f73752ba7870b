/** Creating a net_vhost port: the vhost-user socket, and the port on it. */
import type { Eal, Kvargs } from '@nic/eal';
import { allocatePort, ethDevOf, EthEvent, linkStatusSet, probingFinish, releasePort } from '@nic/ethdev/driver';
import { NicError } from '@nic/native';
import { VhostUserSocket, type KickInterrupt } from '@nic/vhost';
import { IFACE_KEY, parseVhostArgs } from './args.js';
import { NET_VHOST, rxVring } from './datapath.js';
import { LINK_DOWN, linkChanged, notify, VhostPortOps, type VhostQueueEvent } from './ops.js';
import { makeKickInterrupts, startedFlag, stateLocation, vhostPrivateSize, VhostPort } from './port.js';

/** DPDK's net_vhost address: "VHOST" then the port id. */
const VHOST_MAC_PREFIX = [0x56, 0x48, 0x4f, 0x53, 0x54];

/** Creates the socket and the port of net_vhost device `device` (the vdev driver's probe). */
export function probeVhostDevice(eal: Eal, device: string, kv: Kvargs): void {
  const args = parseVhostArgs(device, kv);
  // The port first: the device's shared state lives in its private data.
  const ops = new VhostPortOps(args.queues);
  const dev = allocatePort(eal, device, NET_VHOST, ops, { privateSize: vhostPrivateSize(args.queues), promiscuous: true, allmulticast: true, intrLsc: true });
  let socket: VhostUserSocket;
  let interrupts: KickInterrupt[] = [];
  try {
    interrupts = makeKickInterrupts(eal.arena.buffer, dev.data.privOffset, args.queues);
    const kickInterrupts = new Array<KickInterrupt | undefined>(2 * args.queues);
    interrupts.forEach((intr, q) => (kickInterrupts[rxVring(q)] = intr));
    socket = new VhostUserSocket(args.iface, {
      client: args.client,
      queuePairs: args.queues,
      state: stateLocation(eal.arena.buffer, dev.data.privOffset),
      kickInterrupts,
      // The guest's memory as windows of the arena's: the rings' bursts run the WebAssembly kernel.
      arena: eal.arena,
      ops: {
        newDevice: () => linkChanged(dev, true),
        destroyDevice: () => linkChanged(dev, false),
        vringStateChanged: (_d, vring, enabled) => {
          const event: VhostQueueEvent = { queue: vring >>> 1, rx: (vring & 1) === 1, enabled };
          notify(dev, EthEvent.QUEUE_STATE, event);
        },
      },
    });
  } catch (e) {
    for (const intr of interrupts) intr.close();
    releasePort(dev);
    throw e instanceof NicError ? new NicError(e.code, `${device}: ${IFACE_KEY}=${args.iface}: ${e.message}`, { cause: e }) : e;
  }
  ops.port = new VhostPort(socket, startedFlag(dev.data), interrupts);
  dev.data.mac = Uint8Array.of(...VHOST_MAC_PREFIX, dev.port & 0xff);
  linkStatusSet(dev, LINK_DOWN);
  probingFinish(dev);
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
  return dev.ops.port!.socket;
}
