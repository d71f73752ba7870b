/**
 * One vfio-user client connection: reads each message off the non-blocking stream socket
 * (the header with up to {@link MAX_MSG_FDS} fds, then exactly its payload, which may arrive
 * in pieces), hands requests to the {@link VfioUserDevice} and writes the replies: the
 * request's id and command, the reply type, and for a refused request the ERROR flag and
 * its errno with no body. A request marked NO_REPLY (QEMU's posted BAR writes) is never
 * answered, not even with an error. A message that cannot be framed (a size below the
 * header or above {@link MAX_MESSAGE}, more fds than allowed, fds inside a payload, a
 * reply where a request belongs) closes the connection: the stream cannot be trusted after it.
 */
import { closeFd, FramedReader, NicError, unixSendmsg, type Framing } from '@nic/native';
import { VfioUserDevice, VfioUserRequestError } from './device.js';
import {
  commandName,
  FLAG_ERROR,
  FLAG_NO_REPLY,
  FLAG_TYPE_COMMAND,
  FLAG_TYPE_MASK,
  FLAG_TYPE_REPLY,
  HEADER_COMMAND,
  HEADER_ERROR,
  HEADER_FLAGS,
  HEADER_ID,
  HEADER_MESSAGE_SIZE,
  HEADER_SIZE,
  MAX_MESSAGE,
  MAX_MSG_FDS,
} from './protocol.js';

/** A framed message: header fields and payload. */
export interface VfioUserMessage {
  readonly id: number;
  readonly command: number;
  readonly flags: number;
  readonly payload: Uint8Array;
}

/**
 * The reply to `request` with `body`, or the error reply with `errno` (header only).
 */
export function encodeReply(request: { id: number; command: number }, body: Uint8Array | undefined, errno = 0): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + (errno === 0 && body ? body.length : 0));
  const v = new DataView(out.buffer);
  v.setUint16(HEADER_ID, request.id, true);
  v.setUint16(HEADER_COMMAND, request.command, true);
  v.setUint32(HEADER_MESSAGE_SIZE, out.length, true);
  v.setUint32(HEADER_FLAGS, FLAG_TYPE_REPLY | (errno === 0 ? 0 : FLAG_ERROR), true);
  v.setUint32(HEADER_ERROR, errno, true);
  if (errno === 0 && body) out.set(body, HEADER_SIZE);
  return out;
}

/**
 * What a message does to a device: the reply to send (undefined for NO_REPLY), or a
 * NicError when the connection must close. Pure over `device`: the fuzz target.
 */
export function dispatch(device: VfioUserDevice, message: VfioUserMessage, fds: number[]): Uint8Array | undefined {
  if ((message.flags & FLAG_TYPE_MASK) !== FLAG_TYPE_COMMAND) {
    for (const fd of fds) closeFd(fd);
    throw new NicError('NIC_EINVAL', `vfio-user: a message of type ${message.flags & FLAG_TYPE_MASK} where a command belongs`);
  }
  const silent = (message.flags & FLAG_NO_REPLY) !== 0;
  try {
    const body = device.handle(message.command, message.payload, fds);
    return silent ? undefined : encodeReply(message, body);
  } catch (error) {
    if (!(error instanceof VfioUserRequestError)) throw error;
    device.lastError = `${commandName(message.command)}: ${error.message}`;
    return silent ? undefined : encodeReply(message, undefined, error.errno);
  }
}

/** vfio-user's framing: a 16-byte header whose second word is the whole message's size. */
const FRAMING: Framing = {
  name: 'vfio-user',
  headerSize: HEADER_SIZE,
  maxMessage: MAX_MESSAGE,
  maxFds: MAX_MSG_FDS,
  messageSize: (header) => header.getUint32(HEADER_MESSAGE_SIZE, true),
};

export class VfioUserConnection {
  readonly fd: number;
  readonly device: VfioUserDevice;
  /** Why the connection closed, when the stream was refused. */
  error: NicError | undefined;
  readonly #reader: FramedReader;
  readonly #onClose: (connection: VfioUserConnection) => void;
  #closed = false;

  constructor(fd: number, device: VfioUserDevice, onClose: (connection: VfioUserConnection) => void) {
    this.fd = fd;
    this.device = device;
    this.#onClose = onClose;
    this.#reader = new FramedReader(fd, FRAMING, { message: (bytes, fds) => this.#handle(bytes, fds), end: (error) => this.close(error) });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the socket and releases what the client gave the device (DMA maps, eventfds). */
  close(error?: NicError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.error = error;
    this.#reader.close();
    this.device.close();
    closeFd(this.fd);
    this.#onClose(this);
  }

  /** Handles one whole message; a NicError thrown here closes the connection. */
  #handle(bytes: Uint8Array, fds: number[]): void {
    const v = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE);
    // The payload is copied: the reader reuses its buffer for the next message.
    const message = { id: v.getUint16(HEADER_ID, true), command: v.getUint16(HEADER_COMMAND, true), flags: v.getUint32(HEADER_FLAGS, true), payload: bytes.slice(HEADER_SIZE) };
    const reply = dispatch(this.device, message, fds);
    if (reply) this.#send(reply);
  }

  #send(reply: Uint8Array): void {
    let sent = 0;
    // Replies are small next to the socket buffer; a full buffer means a client that stopped reading.
    while (sent < reply.length) {
      const n = unixSendmsg(this.fd, reply.subarray(sent));
      if (n < 0) throw new NicError('NIC_EIO', `vfio-user: the client does not read its replies (${reply.length - sent} bytes left)`);
      sent += n;
    }
  }
}
