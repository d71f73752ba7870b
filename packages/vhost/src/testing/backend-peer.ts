/**
 * The frontend's end of the backend channel (SET_BACKEND_REQ_FD), for tests: a connected
 * pair of unix stream sockets (made through a listening socket of its own, then removed),
 * the backend's requests read with the fds they carry, and the acknowledgements.
 */
import { existsSync, unlinkSync } from 'node:fs';
import { closeFd, unixAccept, unixConnect, unixListen, unixRecvmsg, unixSendmsg } from '@nic/native';
import { FLAG_REPLY, FLAG_VERSION, HEADER_SIZE } from '../protocol.js';

/** One request the backend sent. */
export interface BackendMessage {
  readonly request: number;
  readonly flags: number;
  readonly payload: DataView;
  /** The fds that came with it, now the receiver's to close. */
  readonly fds: number[];
}

let serial = 0;

export class BackendPeer {
  /** The frontend's end. */
  readonly fd: number;
  readonly #buffer = new Uint8Array(4096);
  #length = 0;
  #closed = false;
  #fdsAt: { at: number; fds: number[] }[] = [];

  private constructor(fd: number) {
    this.fd = fd;
  }

  /** A new channel: the peer, and the other end to send the backend (the caller closes it once sent). */
  static pair(): { peer: BackendPeer; backendEnd: number } {
    const path = `/tmp/nic-vhost-channel-${process.pid}-${serial++}.sock`;
    const listener = unixListen(path);
    try {
      const backendEnd = unixConnect(path);
      const mine = unixAccept(listener);
      if (mine < 0) {
        closeFd(backendEnd);
        throw new Error('the channel socket did not accept its own connection');
      }
      return { peer: new BackendPeer(mine), backendEnd };
    } finally {
      closeFd(listener);
      if (existsSync(path)) unlinkSync(path);
    }
  }

  /**
   * The next request, or 'closed' when the backend closed the channel; waits up to
   * `timeoutMs`. The stream may carry several requests in one read: they are split by their
   * headers, and fds go to the request whose first byte came with them.
   */
  async receive(timeoutMs = 5000): Promise<BackendMessage | 'closed'> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const whole = this.#take();
      if (whole) return whole;
      let got;
      try {
        got = unixRecvmsg(this.fd, this.#buffer.subarray(this.#length), 8);
      } catch {
        return 'closed';
      }
      if (got.bytes === 0) return 'closed';
      if (got.bytes > 0) {
        if (got.fds.length > 0) this.#fdsAt.push({ at: this.#length, fds: got.fds });
        this.#length += got.bytes;
        continue;
      }
      if (Date.now() > deadline) throw new Error('no request from the backend');
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** The first whole request in the buffer, taken out of it. */
  #take(): BackendMessage | undefined {
    if (this.#length < HEADER_SIZE) return undefined;
    const v = new DataView(this.#buffer.buffer, 0, this.#length);
    const end = HEADER_SIZE + v.getUint32(8, true);
    if (this.#length < end) return undefined;
    const message = { request: v.getUint32(0, true), flags: v.getUint32(4, true), payload: new DataView(this.#buffer.slice(HEADER_SIZE, end).buffer), fds: [] as number[] };
    const rest: { at: number; fds: number[] }[] = [];
    for (const f of this.#fdsAt) {
      if (f.at < end) message.fds.push(...f.fds);
      else rest.push({ at: f.at - end, fds: f.fds });
    }
    this.#fdsAt = rest;
    this.#buffer.copyWithin(0, end, this.#length);
    this.#length -= end;
    return message;
  }

  /** Acknowledges `request` with `value` (0: done). */
  reply(request: number, value: bigint): void {
    const m = new Uint8Array(HEADER_SIZE + 8);
    const v = new DataView(m.buffer);
    v.setUint32(0, request, true);
    v.setUint32(4, FLAG_VERSION | FLAG_REPLY, true);
    v.setUint32(8, 8, true);
    v.setBigUint64(HEADER_SIZE, value, true);
    if (unixSendmsg(this.fd, m) !== m.length) throw new Error('the backend did not take the reply');
  }

  /** Closes the channel and any fds received but not taken. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const f of this.#fdsAt.splice(0)) for (const fd of f.fds) closeFd(fd);
    closeFd(this.fd);
  }
}
