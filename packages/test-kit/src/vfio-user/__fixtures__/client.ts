/**
 * A minimal vfio-user client for the server's tests: sends messages (with fds) over a real
 * unix socket and reads replies, framed by the header's size.
 */
import { closeFd, unixConnect, unixRecvmsg, unixSendmsg } from '@nic/native';
import { FLAG_NO_REPLY, HEADER_SIZE } from '../protocol.js';

export interface Reply {
  readonly id: number;
  readonly command: number;
  readonly flags: number;
  readonly error: number;
  readonly body: DataView;
  readonly bytes: Uint8Array;
}

/** A message: header for `command` with `id` and `flags`, then `payload`. */
export function message(id: number, command: number, payload: Uint8Array = new Uint8Array(0), flags = 0, size?: number): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + payload.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, id, true);
  v.setUint16(2, command, true);
  v.setUint32(4, size ?? out.length, true);
  v.setUint32(8, flags, true);
  out.set(payload, HEADER_SIZE);
  return out;
}

/** Little-endian fields packed in order: [bytes, value] pairs. */
export function pack(...fields: [4 | 8 | 2, number | bigint][]): Uint8Array {
  const out = new Uint8Array(fields.reduce((n, [b]) => n + b, 0));
  const v = new DataView(out.buffer);
  let at = 0;
  for (const [bytes, value] of fields) {
    if (bytes === 8) v.setBigUint64(at, BigInt(value), true);
    else if (bytes === 4) v.setUint32(at, Number(value), true);
    else v.setUint16(at, Number(value), true);
    at += bytes;
  }
  return out;
}

export class TestClient {
  readonly fd: number;
  #id = 1;
  #buffer = new Uint8Array(0);

  constructor(path: string) {
    this.fd = unixConnect(path);
  }

  close(): void {
    closeFd(this.fd);
  }

  /** Sends raw bytes with `fds`. */
  sendRaw(bytes: Uint8Array, fds: number[] = []): void {
    const n = unixSendmsg(this.fd, bytes, fds);
    if (n !== bytes.length) throw new Error(`sent ${n} of ${bytes.length}`);
  }

  /** Sends `command` and returns its id. */
  send(command: number, payload?: Uint8Array, options: { fds?: number[]; noReply?: boolean } = {}): number {
    const id = this.#id;
    // Ids are 16 bits on the wire: they wrap, as QEMU's do.
    this.#id = (this.#id + 1) & 0xffff;
    this.sendRaw(message(id, command, payload, options.noReply ? FLAG_NO_REPLY : 0), options.fds);
    return id;
  }

  /** Sends `command` and waits for its reply. */
  async request(command: number, payload?: Uint8Array, fds?: number[], timeoutMs?: number): Promise<Reply> {
    const id = this.send(command, payload, { fds });
    const reply = await this.reply(timeoutMs);
    if (reply.id !== id || reply.command !== command) throw new Error(`reply ${reply.id}/${reply.command} to ${id}/${command}`);
    return reply;
  }

  /** The next reply, or rejects after `timeoutMs`. */
  async reply(timeoutMs = 5000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#buffer.length >= HEADER_SIZE) {
        const v = new DataView(this.#buffer.buffer, this.#buffer.byteOffset);
        const size = v.getUint32(4, true);
        if (this.#buffer.length >= size) {
          const bytes = this.#buffer.slice(0, size);
          this.#buffer = this.#buffer.slice(size);
          const h = new DataView(bytes.buffer);
          return { id: h.getUint16(0, true), command: h.getUint16(2, true), flags: h.getUint32(8, true), error: h.getUint32(12, true), body: new DataView(bytes.buffer, HEADER_SIZE), bytes };
        }
      }
      if (this.closedByPeer()) throw new Error('the server closed the connection');
      if (Date.now() > deadline) throw new Error('no reply');
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  #eof = false;
  /** Reads what is waiting; true once the server has closed. */
  closedByPeer(): boolean {
    const chunk = new Uint8Array(1 << 17);
    for (;;) {
      let got: { bytes: number };
      try {
        got = unixRecvmsg(this.fd, chunk);
      } catch {
        // A reset: the server closed with our bytes unread.
        got = { bytes: 0 };
      }
      if (got.bytes === 0) this.#eof = true;
      if (got.bytes <= 0) return this.#eof;
      const next = new Uint8Array(this.#buffer.length + got.bytes);
      next.set(this.#buffer);
      next.set(chunk.subarray(0, got.bytes), this.#buffer.length);
      this.#buffer = next;
    }
  }

  /** Waits until the server closes the connection. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closedByPeer()) {
      if (Date.now() > deadline) throw new Error('the server kept the connection');
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}
