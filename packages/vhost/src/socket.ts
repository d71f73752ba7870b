/**
 * A vhost-user socket (DPDK's `rte_vhost_driver_*`): in server mode it listens at a path and
 * serves one frontend at a time; in client mode it connects to a frontend that listens and,
 * with `reconnect`, retries until it is there and again after it goes.
 */
import { existsSync, unlinkSync } from 'node:fs';
import { NicError, closeFd, unixAccept, unixConnect, unixListen, watchFd, type FdWatcher } from '@nic/native';
import { VhostConnection } from './connection.js';
import { VhostDevice, type VhostDeviceOps } from './device.js';
import type { Arena } from '@nic/eal';
import type { KickInterrupt } from './kick-interrupt.js';
import type { VhostStateLocation } from './shared-state.js';
import { DEFAULT_QUEUE_PAIRS, MAX_VRINGS, SUPPORTED_FEATURES, SUPPORTED_PROTOCOL_FEATURES } from './protocol.js';

/** Options of {@link VhostUserSocket}. */
export interface VhostUserSocketOptions {
  /** Connect to the path instead of listening on it (DPDK's `client=1`). */
  readonly client?: boolean;
  /** In client mode: retry every `reconnectMs` until connected, and after the frontend goes. Default true. */
  readonly reconnect?: boolean;
  /** Retry period in client mode. Default 1000. */
  readonly reconnectMs?: number;
  /** Queue pairs offered. Default {@link DEFAULT_QUEUE_PAIRS}. */
  readonly queuePairs?: number;
  /** Features to withhold from the supported set (DPDK's `rte_vhost_driver_disable_features`). */
  readonly disableFeatures?: bigint;
  /** Device lifecycle callbacks. */
  readonly ops?: VhostDeviceOps;
  /**
   * The features to offer instead of the software path's set (a vDPA device offers its
   * own); `disableFeatures` still applies.
   */
  readonly features?: bigint;
  /** The protocol features to offer, ANDed with what this library implements. */
  readonly protocolFeatures?: bigint;
  /**
   * A device serves the rings (vDPA): the library maps them for address translation but
   * never writes to them; in particular it sets no USED_F_NO_NOTIFY, so the frontend keeps
   * kicking the device across SET_FEATURES and SET_VRING_ADDR (as at migration start).
   */
  readonly deviceRings?: boolean;
  /** Where the device keeps the state that pollers on other threads follow (see {@link VhostDeviceConfig.state}). */
  readonly state?: VhostStateLocation;
  /** Per vring index, a kick interrupt for a poller to sleep on (see {@link VhostDeviceConfig.kickInterrupts}). */
  readonly kickInterrupts?: readonly (KickInterrupt | undefined)[];
  /** The arena whose WebAssembly memory takes the guest's regions (see {@link VhostDeviceConfig.arena}). */
  readonly arena?: Arena;
}

export class VhostUserSocket {
  readonly path: string;
  readonly device: VhostDevice;
  readonly #options: VhostUserSocketOptions;
  #listenFd = -1;
  #listener: FdWatcher | undefined;
  #connection: VhostConnection | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Called when a connection closes; `error` says why when a message was refused. */
  onDisconnect: ((error?: NicError) => void) | undefined;

  /**
   * Starts serving (server) or connecting (client) at `path`.
   * @throws NicError `NIC_EBUSY` when a server's path exists, `NIC_EINVAL` for bad options;
   * in client mode without `reconnect`, the connect error.
   */
  constructor(path: string, options: VhostUserSocketOptions = {}) {
    const pairs = options.queuePairs ?? DEFAULT_QUEUE_PAIRS;
    if (!Number.isInteger(pairs) || pairs < 1 || pairs * 2 > MAX_VRINGS) throw new NicError('NIC_EINVAL', `vhost-user ${path}: ${pairs} queue pairs (1 to ${MAX_VRINGS / 2})`);
    this.path = path;
    this.#options = options;
    this.device = new VhostDevice(
      {
        features: (options.features ?? SUPPORTED_FEATURES) & ~(options.disableFeatures ?? 0n),
        protocolFeatures: SUPPORTED_PROTOCOL_FEATURES & (options.protocolFeatures ?? SUPPORTED_PROTOCOL_FEATURES),
        queuePairs: pairs,
        deviceRings: options.deviceRings === true,
        state: options.state,
        kickInterrupts: options.kickInterrupts,
        arena: options.arena,
      },
      options.ops,
    );
    if (options.client) {
      this.#connect(options.reconnect === false);
    } else {
      this.#listenFd = unixListen(path);
      this.#listener = watchFd(this.#listenFd, () => this.#accept());
    }
  }

  /** Whether a frontend is connected. */
  get connected(): boolean {
    return this.#connection !== undefined;
  }

  #accept(): void {
    for (;;) {
      const fd = unixAccept(this.#listenFd);
      if (fd < 0) return;
      // One frontend per socket, as DPDK's net_vhost: a second one is turned away.
      if (this.#connection) closeFd(fd);
      else this.#connection = new VhostConnection(fd, this.device, (c) => this.#closedConnection(c));
    }
  }

  #connect(throwing: boolean): void {
    this.#timer = undefined;
    if (this.#closed) return;
    let fd: number;
    try {
      fd = unixConnect(this.path);
    } catch (error) {
      if (throwing) throw error;
      this.#timer = setTimeout(() => this.#connect(false), this.#options.reconnectMs ?? 1000);
      return;
    }
    this.#connection = new VhostConnection(fd, this.device, (c) => this.#closedConnection(c));
  }

  #closedConnection(connection: VhostConnection): void {
    if (this.#connection === connection) this.#connection = undefined;
    this.onDisconnect?.(connection.error);
    if (this.#options.client && this.#options.reconnect !== false && !this.#closed) {
      this.#timer = setTimeout(() => this.#connect(false), this.#options.reconnectMs ?? 1000);
    }
  }

  /** Closes the connection and the listener, and removes a server's socket file. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#connection?.close();
    this.#listener?.close();
    if (this.#listenFd >= 0) {
      closeFd(this.#listenFd);
      if (existsSync(this.path)) unlinkSync(this.path);
    }
    this.#listenFd = -1;
  }
}
