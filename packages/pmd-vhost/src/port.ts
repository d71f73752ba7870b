/**
 * A net_vhost port's private data in the arena, which every lcore reads: whether the port is
 * started and its queue pairs, then the vhost device's shared state (rings, memory table, see
 * `@nic/vhost`'s `VhostSharedState`), then one kick-interrupt block per rx queue (the fds its
 * rx interrupt sleeps on). The socket itself, and the guest memory mappings, belong to the
 * thread that probed the port; a queue polled on any lcore attaches to them through this state.
 */
import type { PortData } from '@nic/ethdev/driver';
import { KICK_INTERRUPT_SIZE, KickInterrupt, VhostSharedState, vhostStateSize, type KickInterruptLocation, type VhostStateLocation, type VhostUserSocket } from '@nic/vhost';

/** i32 slot: 1 while the port is started. */
const PRIV_STARTED = 0;
/** i32 slot: the device's queue pairs (where the kick-interrupt blocks start follows from it). */
const PRIV_QUEUES = 1;
/** Byte offset of the device state in the private data (8-aligned). */
const PRIV_STATE = 8;

/** Byte offset, in the private data, of the kick-interrupt blocks of a port of `queues` queue pairs. */
function interruptsAt(queues: number): number {
  return PRIV_STATE + vhostStateSize(2 * queues);
}

/** Bytes of private data of a port of `queues` queue pairs. */
export function vhostPrivateSize(queues: number): number {
  return interruptsAt(queues) + queues * KICK_INTERRUPT_SIZE;
}

/**
 * Writes the queue pair count and makes one kick interrupt per rx queue (vring `2q + 1`) in
 * the private data; the probe's thread owns them (closed with the port).
 */
export function makeKickInterrupts(buffer: SharedArrayBuffer, privOffset: number, queues: number): KickInterrupt[] {
  new Int32Array(buffer, privOffset, 2)[PRIV_QUEUES] = queues;
  const made: KickInterrupt[] = [];
  try {
    for (let q = 0; q < queues; q++) made.push(new KickInterrupt(interruptLocation(buffer, privOffset, queues, q)));
  } catch (e) {
    for (const intr of made) intr.close();
    throw e;
  }
  return made;
}

function interruptLocation(buffer: SharedArrayBuffer, privOffset: number, queues: number, queue: number): KickInterruptLocation {
  return { buffer, offset: privOffset + interruptsAt(queues) + queue * KICK_INTERRUPT_SIZE };
}

/** Where rx queue `queue`'s kick interrupt block lies (any thread). */
export function kickInterruptLocation(data: PortData, queue: number): KickInterruptLocation {
  const buffer = data.arena.buffer;
  return interruptLocation(buffer, data.privOffset, new Int32Array(buffer, data.privOffset, 2)[PRIV_QUEUES], queue);
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
  /** Per rx queue, the kick interrupt its rx interrupt sleeps on. */
  readonly interrupts: readonly KickInterrupt[];
  readonly #started: Int32Array;

  constructor(socket: VhostUserSocket, started: Int32Array, interrupts: readonly KickInterrupt[]) {
    this.socket = socket;
    this.#started = started;
    this.interrupts = interrupts;
  }

  /** Closes the socket (the device lets go of the kick eventfds), then the kick interrupts. */
  close(): void {
    this.started = false;
    this.socket.close();
    for (const intr of this.interrupts) intr.close();
  }

  /** Set by start, cleared by stop: bursts do nothing while it is false. */
  get started(): boolean {
    return Atomics.load(this.#started, 0) !== 0;
  }
  set started(on: boolean) {
    Atomics.store(this.#started, 0, on ? 1 : 0);
  }
}
