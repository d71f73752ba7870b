/**
 * A net_vhost port's private data in the arena, which every lcore reads: whether the port is
 * started, then the vhost device's shared state (rings, memory table, see `@nic/vhost`'s
 * `VhostSharedState`). The socket itself, and the guest memory mappings, belong to the thread
 * that probed the port; a queue polled on any lcore attaches to them through this state.
 */
import type { PortData } from '@nic/ethdev/driver';
import { VhostSharedState, vhostStateSize, type VhostStateLocation, type VhostUserSocket } from '@nic/vhost';

/** i32 slot: 1 while the port is started. */
const PRIV_STARTED = 0;
/** Byte offset of the device state in the private data (8-aligned). */
const PRIV_STATE = 8;

/** Bytes of private data of a port of `queues` queue pairs. */
export function vhostPrivateSize(queues: number): number {
  return PRIV_STATE + vhostStateSize(2 * queues);
}

/** Where the device state of the port whose private data starts at `privOffset` lies. */
export function stateLocation(buffer: SharedArrayBuffer, privOffset: number): VhostStateLocation {
  return { buffer, offset: privOffset + PRIV_STATE };
}

/** The started flag of a port, over its private data (any thread). */
export function startedFlag(data: PortData): Int32Array {
  return new Int32Array(data.arena.buffer, data.privOffset + PRIV_STARTED, 1);
}

/** The device state of a port as far as vring `vring`, over its private data (any thread). */
export function portState(data: PortData, vring: number): VhostSharedState {
  return new VhostSharedState(stateLocation(data.arena.buffer, data.privOffset), vring + 1);
}

/** The port on the thread that owns its socket. */
export class VhostPort {
  readonly socket: VhostUserSocket;
  readonly #started: Int32Array;

  constructor(socket: VhostUserSocket, started: Int32Array) {
    this.socket = socket;
    this.#started = started;
  }

  /** Set by start, cleared by stop: bursts do nothing while it is false. */
  get started(): boolean {
    return Atomics.load(this.#started, 0) !== 0;
  }
  set started(on: boolean) {
    Atomics.store(this.#started, 0, on ? 1 : 0);
  }
}
