/**
 * The telemetry v2 socket of one EAL instance (DPDK's `telemetry_v2_init`): a `SOCK_SEQPACKET`
 * unix socket `dpdk_telemetry.v2` in the instance's runtime directory, served from the main
 * thread's event loop. A client gets the info message on connect, then one reply per request.
 * Up to {@link TELEMETRY_MAX_CONNECTIONS} clients at once; a client past that is closed at once,
 * as DPDK does. No client can stall the process: every socket is non-blocking, a client that
 * leaves its replies unread until its socket buffer fills is dropped, and a command that throws
 * is answered with `null` and logged.
 */
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { closeFd, NicError, unixAccept, unixConnect, unixListen, unixRecvmsg, unixSendmsg, watchFd, type FdWatcher } from '@nic/native';
import type { Eal } from '../eal.js';
import { registerLogtype } from '../log.js';
import { telemetryCommand, type TelemetryValue } from './commands.js';
import { formatTelemetryReply, TELEMETRY_MAX_OUTPUT_LEN } from './reply.js';
import { parseTelemetryRequest, TELEMETRY_MAX_REQUEST } from './request.js';

/** The socket's file name in the runtime directory; DPDK's client looks for it. */
export const TELEMETRY_SOCKET_NAME = 'dpdk_telemetry.v2';
/** Most clients served at once (DPDK's `MAX_CONNECTIONS`). */
export const TELEMETRY_MAX_CONNECTIONS = 10;
/** Separates the instance number when the plain name is taken by a live instance (`dpdk_telemetry.v2:1`). */
const INSTANCE_SEPARATOR = ':';
/** How many instance numbers to try before giving up. */
const MAX_INSTANCE = 1000;
const LISTEN_BACKLOG = 16;

const log = registerLogtype('lib.telemetry');
const encoder = new TextEncoder();

interface Client {
  readonly fd: number;
  readonly watcher: FdWatcher;
}

/** Whether something listens at `path` (DPDK's check before it reuses a socket path). */
function listening(path: string): boolean {
  let fd: number;
  try {
    fd = unixConnect(path, { type: 'seqpacket' });
  } catch (e) {
    // A full backlog means a live listener all the same.
    return e instanceof NicError && e.code === 'NIC_EAGAIN';
  }
  closeFd(fd);
  return true;
}

/** Binds the first free socket path: the plain name, then `:1`, `:2` ... past live instances' sockets. */
function bindSocket(dir: string): { fd: number; path: string } {
  const base = join(dir, TELEMETRY_SOCKET_NAME);
  for (let instance = 0; instance <= MAX_INSTANCE; instance++) {
    const path = instance === 0 ? base : `${base}${INSTANCE_SEPARATOR}${instance}`;
    try {
      return { fd: unixListen(path, { type: 'seqpacket', backlog: LISTEN_BACKLOG }), path };
    } catch (e) {
      if (!(e instanceof NicError && e.code === 'NIC_EBUSY')) throw e;
    }
    if (listening(path)) continue;
    // A socket file nobody serves, left by a process that died: take its place.
    unlinkSync(path);
    return { fd: unixListen(path, { type: 'seqpacket', backlog: LISTEN_BACKLOG }), path };
  }
  throw new NicError('NIC_EBUSY', `telemetry: ${MAX_INSTANCE + 1} live sockets already in ${dir}`);
}

/** One instance's telemetry socket. Start it with {@link TelemetryServer.start}. */
export class TelemetryServer {
  /** The socket's path (`<runtime dir>/dpdk_telemetry.v2`, with `:N` when another instance has that). */
  readonly path: string;
  readonly #eal: Eal;
  readonly #fd: number;
  readonly #watcher: FdWatcher;
  readonly #clients = new Map<number, Client>();
  readonly #buffer = new Uint8Array(TELEMETRY_MAX_REQUEST);
  readonly #info: Uint8Array;
  #open = true;

  private constructor(eal: Eal, bound: { fd: number; path: string }, version: string) {
    this.#eal = eal;
    this.#fd = bound.fd;
    this.path = bound.path;
    this.#info = encoder.encode(JSON.stringify({ version, pid: process.pid, max_output_len: TELEMETRY_MAX_OUTPUT_LEN }));
    this.#watcher = watchFd(this.#fd, () => this.#acceptAll()).unref();
  }

  /**
   * Serves telemetry for `eal` in the runtime directory `dir`, announcing `version`.
   * @throws NicError when the socket cannot be made (`NIC_EINVAL` for a path over 107 bytes).
   */
  static start(eal: Eal, dir: string, version: string): TelemetryServer {
    const bound = bindSocket(dir);
    try {
      return new TelemetryServer(eal, bound, version);
    } catch (e) {
      closeFd(bound.fd);
      unlinkSync(bound.path);
      throw e;
    }
  }

  /** Clients connected now. */
  get clients(): number {
    return this.#clients.size;
  }

  /** Closes every client and the socket, and removes the socket file. Idempotent. */
  stop(): void {
    if (!this.#open) return;
    this.#open = false;
    for (const fd of [...this.#clients.keys()]) this.#drop(fd);
    this.#watcher.close();
    closeFd(this.#fd);
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone (someone removed the runtime directory): nothing to undo.
    }
  }

  #acceptAll(): void {
    for (;;) {
      let fd: number;
      try {
        fd = unixAccept(this.#fd);
      } catch (e) {
        log.err(`accept on ${this.path} failed: ${(e as Error).message}`);
        return;
      }
      if (fd < 0) return;
      if (this.#clients.size >= TELEMETRY_MAX_CONNECTIONS) {
        closeFd(fd);
        continue;
      }
      this.#welcome(fd);
    }
  }

  #welcome(fd: number): void {
    let watcher: FdWatcher;
    try {
      watcher = watchFd(fd, () => this.#serve(fd)).unref();
    } catch (e) {
      log.err(`cannot watch a client of ${this.path}: ${(e as Error).message}`);
      closeFd(fd);
      return;
    }
    this.#clients.set(fd, { fd, watcher });
    if (!this.#send(fd, this.#info)) this.#drop(fd);
  }

  /** Answers every request waiting on a client's socket; drops the client when it has gone. */
  #serve(fd: number): void {
    for (;;) {
      let bytes: number;
      try {
        bytes = unixRecvmsg(fd, this.#buffer).bytes;
      } catch {
        this.#drop(fd);
        return;
      }
      if (bytes < 0) return;
      if (bytes === 0) {
        this.#drop(fd);
        return;
      }
      const reply = this.#answer(this.#buffer.subarray(0, bytes));
      if (!this.#send(fd, encoder.encode(reply))) {
        this.#drop(fd);
        return;
      }
    }
  }

  #answer(message: Uint8Array): string {
    const { command, params } = parseTelemetryRequest(message);
    const entry = command === undefined ? undefined : telemetryCommand(command);
    let value: TelemetryValue | undefined;
    if (entry && command !== undefined) {
      try {
        value = entry.handler(params, { command, eal: this.#eal });
      } catch (e) {
        log.err(`command ${command} failed: ${e instanceof Error ? e.message : String(e)}`);
        value = undefined;
      }
    }
    return formatTelemetryReply(command, value);
  }

  /** Sends one message; false when the client is gone or does not read its replies. */
  #send(fd: number, data: Uint8Array): boolean {
    try {
      return unixSendmsg(fd, data) === data.length;
    } catch {
      return false;
    }
  }

  #drop(fd: number): void {
    const client = this.#clients.get(fd);
    if (!client) return;
    this.#clients.delete(fd);
    client.watcher.close();
    closeFd(fd);
  }
}
