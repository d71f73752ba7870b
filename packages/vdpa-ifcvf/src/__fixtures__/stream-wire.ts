/**
 * The host's end of a QEMU `stream` netdev: a Unix socket server that QEMU connects to, each
 * Ethernet frame a 32-bit big-endian length and the frame. A stream loses nothing: when the
 * guest's device has no receive buffers QEMU stops reading, and when this end reads slowly
 * QEMU holds the device's transmissions, so every frame is accounted for exactly.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';

const LENGTH_BYTES = 4;

export class StreamWire {
  /** Every frame the guest's device transmitted, in order. */
  readonly received: Uint8Array[] = [];
  readonly #server: Server;
  #socket: Socket | undefined;
  #pending = Buffer.alloc(0);

  private constructor(
    readonly path: string,
    server: Server,
  ) {
    this.#server = server;
    server.on('connection', (socket) => {
      this.#socket = socket;
      socket.on('data', (chunk) => this.#take(chunk));
      socket.on('error', () => undefined); // QEMU going away ends the test's traffic, which reports it
    });
  }

  /** Listens on `path` (replacing a stale socket file). */
  static async listen(path: string): Promise<StreamWire> {
    rmSync(path, { force: true });
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    return new StreamWire(path, server);
  }

  /** QEMU's `-netdev` value for this end (QEMU connects as the client). */
  netdev(id: string): string {
    return `stream,id=${id},server=off,addr.type=unix,addr.path=${this.path}`;
  }

  /** Whether QEMU is connected. */
  get connected(): boolean {
    return this.#socket !== undefined && !this.#socket.destroyed;
  }

  /** Puts `frame` on the wire to the guest's device. */
  send(frame: Uint8Array): void {
    if (!this.#socket) throw new Error(`${this.path}: QEMU is not connected`);
    const header = Buffer.alloc(LENGTH_BYTES);
    header.writeUInt32BE(frame.length);
    this.#socket.write(Buffer.concat([header, frame]));
  }

  #take(chunk: Buffer): void {
    let data = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    while (data.length >= LENGTH_BYTES) {
      const length = data.readUInt32BE(0);
      if (data.length < LENGTH_BYTES + length) break;
      this.received.push(new Uint8Array(data.subarray(LENGTH_BYTES, LENGTH_BYTES + length)));
      data = data.subarray(LENGTH_BYTES + length);
    }
    this.#pending = Buffer.from(data);
  }

  async close(): Promise<void> {
    this.#socket?.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }
}
