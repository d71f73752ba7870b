/**
 * A cable from a modelled port to a UDP peer on the loopback interface, one Ethernet frame
 * (no FCS) per datagram, as QEMU's `dgram` netdev carries a guest NIC's frames: what the port
 * transmits goes to the peer, what the peer sends arrives at the port. It lets a model that
 * lives in one process (a program started with the model, such as nic-fwd) exchange frames
 * with another (a test).
 */
import { createSocket, type Socket } from 'node:dgram';
import { NicError } from '@nic/native';
import { WIRE_MAX_FRAME, WIRE_MIN_FRAME } from './frame.js';
import type { WirePort } from './wire.js';

/** Where the cable's datagrams go and come from. */
export const UDP_WIRE_HOST = '127.0.0.1';
const MAX_PORT = 65535;

/** Options of {@link UdpWire.open}. */
export interface UdpWireOptions {
  /** The peer's UDP port on {@link UDP_WIRE_HOST}. */
  readonly remotePort: number;
}

/** A port's cable to a UDP peer. */
export class UdpWire {
  readonly #socket: Socket;
  readonly #stop: () => void;
  #received = 0;
  #sent = 0;
  #errors = 0;
  #refused = 0;
  #closed = false;

  private constructor(port: WirePort, socket: Socket, remotePort: number) {
    this.#socket = socket;
    // A datagram that cannot be sent is a frame lost on the cable.
    socket.on('error', () => void this.#errors++);
    socket.on('message', (frame) => {
      // Anyone on this host may send any datagram here: one no cable carries is dropped
      // (and counted), never handed to the port, which refuses it by throwing.
      if (frame.length < WIRE_MIN_FRAME || frame.length > WIRE_MAX_FRAME) {
        this.#refused++;
        return;
      }
      this.#received++;
      port.receiveFrame(frame);
    });
    this.#stop = port.onTransmit((frame) => {
      this.#sent++;
      socket.send(frame, remotePort, UDP_WIRE_HOST);
    });
  }

  /**
   * Joins `port` to the peer at `options.remotePort`, through a socket bound to a port the
   * kernel chooses ({@link localPort}).
   * @throws TypeError for a port that is not a model port or a peer port outside 1-65535.
   */
  static async open(port: WirePort, options: UdpWireOptions): Promise<UdpWire> {
    if (typeof port?.receiveFrame !== 'function' || typeof port.onTransmit !== 'function') throw new TypeError('UdpWire: expected a model port');
    const remote = options?.remotePort;
    if (!Number.isInteger(remote) || remote < 1 || remote > MAX_PORT) throw new TypeError(`UdpWire: remotePort must be 1 to ${MAX_PORT}, not ${String(remote)}`);
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      const fail = (e: Error): void => reject(new NicError('NIC_EIO', `UdpWire: cannot bind a UDP socket on ${UDP_WIRE_HOST}: ${e.message}`, { cause: e }));
      socket.once('error', fail);
      socket.bind(0, UDP_WIRE_HOST, () => {
        socket.off('error', fail);
        resolve();
      });
    });
    return new UdpWire(port, socket, remote);
  }

  /** The UDP port the peer sends the port's incoming frames to. */
  get localPort(): number {
    return this.#socket.address().port;
  }

  /** Frames that came from the peer. */
  get received(): number {
    return this.#received;
  }

  /** Frames the port transmitted to the peer. */
  get sent(): number {
    return this.#sent;
  }

  /** Datagrams from the peer dropped for a size no cable carries (below 14 or above 16383 bytes). */
  get refused(): number {
    return this.#refused;
  }

  /** Socket errors (frames lost on the cable). */
  get errors(): number {
    return this.#errors;
  }

  /** Cuts the cable and closes the socket. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop();
    this.#socket.close();
  }
}
