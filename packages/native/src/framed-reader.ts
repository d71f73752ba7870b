/**
 * The read side of a framed protocol on a non-blocking unix stream socket with fd passing
 * (vhost-user, vfio-user): a fixed-size header carrying the message's size, then exactly that
 * many more bytes, which may arrive in pieces. Descriptors may only come with a message's first
 * byte. The reader watches the socket on the event loop and hands each whole message to its
 * owner; a message that cannot be framed ends the stream, because nothing after it can be
 * trusted.
 */
import { closeFd } from './fd.js';
import { NicError } from './error.js';
import { watchFd, type FdWatcher } from './events.js';
import { unixRecvmsg } from './socket.js';

/** How a protocol frames its messages. */
export interface Framing {
  /** The protocol's name, for error messages (`vhost-user`). */
  readonly name: string;
  /** Bytes of the header, which must hold the message's size. */
  readonly headerSize: number;
  /** Largest message, header included; the reader's buffer is this big. */
  readonly maxMessage: number;
  /** Most descriptors one message may carry. */
  readonly maxFds: number;
  /**
   * The whole message's size (header included) from its complete header, the `fds` that came
   * with it counted; throws a NicError when the header is not acceptable.
   */
  messageSize(header: DataView, fds: number): number;
}

/** What the reader hands its owner. */
export interface FramedReaderHandlers {
  /**
   * One whole message (header and body), a view valid only during the call, and the
   * descriptors that came with it, now the handler's to keep or close. A NicError thrown here
   * ends the stream.
   */
  message(bytes: Uint8Array, fds: number[]): void;
  /** The stream ended: the peer closed (`error` undefined), or a message was refused. Called once. */
  end(error?: NicError): void;
}

/** Reads framed messages off one socket until {@link FramedReader.close} or the stream ends. */
export class FramedReader {
  readonly #fd: number;
  readonly #framing: Framing;
  readonly #handlers: FramedReaderHandlers;
  readonly #buffer: Uint8Array;
  /** Bytes of the current message received so far, and its size once its header is in (0 before). */
  #have = 0;
  #size = 0;
  #fds: number[] = [];
  #watcher: FdWatcher | undefined;

  /** Starts watching `fd` (a non-blocking unix stream socket the caller keeps and closes). */
  constructor(fd: number, framing: Framing, handlers: FramedReaderHandlers) {
    this.#fd = fd;
    this.#framing = framing;
    this.#handlers = handlers;
    this.#buffer = new Uint8Array(framing.maxMessage);
    this.#watcher = watchFd(fd, () => this.#readable());
  }

  /** Whether the reader still watches its socket. */
  get open(): boolean {
    return this.#watcher !== undefined;
  }

  /** Stops watching and closes the descriptors of a message not yet whole. Does not close the socket. */
  close(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    for (const fd of this.#fds.splice(0)) closeFd(fd);
  }

  #readable(): void {
    try {
      while (this.open && this.#step());
    } catch (error) {
      this.#end(error instanceof NicError ? error : new NicError('NIC_EIO', `${this.#framing.name} connection failed`, { cause: error }));
    }
  }

  #end(error?: NicError): void {
    if (!this.open) return;
    this.close();
    this.#handlers.end(error);
  }

  /** Reads what is there; hands a message over once whole. Returns whether to read again. */
  #step(): boolean {
    const { name, headerSize, maxMessage, maxFds } = this.#framing;
    const need = this.#have < headerSize ? headerSize : this.#size;
    const got = unixRecvmsg(this.#fd, this.#buffer.subarray(this.#have, need), this.#have === 0 ? maxFds : 0);
    for (const fd of got.fds) this.#fds.push(fd);
    // Past a message's first byte no fd is accepted: the kernel closes any that comes and says so.
    if (this.#have > 0 && (got.fdsTruncated || got.fds.length > 0)) throw new NicError('NIC_EINVAL', `${name}: fds arrived inside a message`);
    if (got.fdsTruncated) throw new NicError('NIC_EINVAL', `${name}: a message came with more than ${maxFds} fds`);
    if (got.bytes < 0) return false;
    if (got.bytes === 0) {
      this.#end();
      return false;
    }
    this.#have += got.bytes;
    if (this.#have === headerSize) {
      const size = this.#framing.messageSize(new DataView(this.#buffer.buffer, 0, headerSize), this.#fds.length);
      if (size < headerSize || size > maxMessage) throw new NicError('NIC_EINVAL', `${name}: a message of ${size} bytes (${headerSize} to ${maxMessage})`);
      this.#size = size;
    }
    if (this.#have < this.#size || this.#have < headerSize) return true;
    const fds = this.#fds;
    this.#fds = [];
    const size = this.#size;
    this.#have = 0;
    this.#size = 0;
    this.#handlers.message(this.#buffer.subarray(0, size), fds);
    return true;
  }
}
