/**
 * A vfio-user server for one modelled PCI function: listens on a unix socket, serves one
 * client (QEMU's `vfio-user-pci`) at a time, and turns a second one away. What the client
 * maps and binds is released when it goes; the model stays, with its state.
 */
import { existsSync, unlinkSync } from 'node:fs';
import { closeFd, NicError, unixAccept, unixListen, watchFd, type FdWatcher } from '@nic/native';
import type { PciModel } from '../model/pci-model.js';
import { VfioUserConnection } from './connection.js';
import { VfioUserDevice } from './device.js';

/** Serves `model` at `path`. */
export class VfioUserServer {
  readonly path: string;
  readonly model: PciModel;
  readonly #listenFd: number;
  #listener: FdWatcher | undefined;
  #connection: VfioUserConnection | undefined;
  #closed = false;
  /** Called when a client connects. */
  onConnect: ((device: VfioUserDevice) => void) | undefined;
  /** Called when a client goes; `error` says why when the server closed the stream. */
  onDisconnect: ((error?: NicError) => void) | undefined;

  /**
   * Listens at `path` (which must not exist; the server removes it when closed).
   * @throws NicError `NIC_EBUSY` when the path exists, `NIC_EINVAL` for a path over 107 bytes.
   */
  constructor(path: string, model: PciModel) {
    if (typeof path !== 'string' || path.length === 0) throw new TypeError('VfioUserServer: path must be a non-empty string');
    if (typeof model?.read32 !== 'function' || model.pci === undefined) throw new TypeError('VfioUserServer: expected a PciModel');
    this.path = path;
    this.model = model;
    this.#listenFd = unixListen(path);
    this.#listener = watchFd(this.#listenFd, () => this.#accept());
  }

  /** The device state of the client connected now. */
  get device(): VfioUserDevice | undefined {
    return this.#connection?.device;
  }

  /** Whether a client is connected. */
  get connected(): boolean {
    return this.#connection !== undefined;
  }

  /** Stops listening, drops the client and removes the socket path. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listener?.close();
    this.#listener = undefined;
    this.#connection?.close();
    closeFd(this.#listenFd);
    if (existsSync(this.path)) unlinkSync(this.path);
  }

  #accept(): void {
    for (;;) {
      const fd = unixAccept(this.#listenFd);
      if (fd < 0) return;
      if (this.#connection) {
        closeFd(fd);
        continue;
      }
      const device = new VfioUserDevice(this.model);
      this.#connection = new VfioUserConnection(fd, device, (c) => {
        if (this.#connection === c) this.#connection = undefined;
        this.onDisconnect?.(c.error);
      });
      this.onConnect?.(device);
    }
  }
}
