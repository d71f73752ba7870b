/**
 * The state of one net_vhost port on the thread that owns its socket: the vhost-user socket,
 * whether the port is started, and the mempool of each rx queue. The data path finds it by
 * the port's private data offset. Guest memory is mapped on this thread and ring state lives
 * in its virtqueue objects, so queues are polled on this thread only (see the README).
 */
import { NicError } from '@nic/eal';
import type { PortData } from '@nic/ethdev/driver';
import type { VhostUserSocket } from '@nic/vhost';

export class VhostPort {
  readonly socket: VhostUserSocket;
  /** Set by start, cleared by stop: bursts do nothing while it is false. */
  started = false;

  constructor(socket: VhostUserSocket) {
    this.socket = socket;
  }
}

const ports = new WeakMap<SharedArrayBuffer, Map<number, VhostPort>>();

/** Records `port` as the port whose private data is at `privOffset` of `buffer`'s arena. */
export function registerPort(buffer: SharedArrayBuffer, privOffset: number, port: VhostPort): void {
  let map = ports.get(buffer);
  if (!map) ports.set(buffer, (map = new Map()));
  map.set(privOffset, port);
}

/** Forgets a port (at close). */
export function unregisterPort(buffer: SharedArrayBuffer, privOffset: number): void {
  ports.get(buffer)?.delete(privOffset);
}

/**
 * The port behind shared port data, on the thread that owns its socket.
 * @throws NicError `NIC_ENOTSUP` on another thread (a worker lcore).
 */
export function portOf(data: PortData): VhostPort {
  const port = ports.get(data.arena.buffer)?.get(data.privOffset);
  if (!port) throw new NicError('NIC_ENOTSUP', `net_vhost port ${data.port}: its queues are polled on the thread that created the port (the main lcore) only, for now`);
  return port;
}
