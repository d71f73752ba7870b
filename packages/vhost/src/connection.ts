/**
 * One frontend connection: reads messages off the non-blocking socket (the header with up
 * to {@link MAX_FDS} fds, then the payload, which may arrive in pieces), checks them, hands
 * them to the {@link VhostDevice} and writes the replies with exactly the flags QEMU
 * accepts. A message that fails its checks has every fd it carried closed; the connection
 * then answers a NEED_REPLY with a non-zero ack when REPLY_ACK was negotiated, and
 * otherwise closes, as DPDK does.
 */
import { FramedReader, NicError, closeFd, unixSendmsg, type Framing } from '@nic/native';
import { VhostDevice, type Reply } from './device.js';
import { checkHeader, checkMessage, requestName, type MessageHeader } from './message.js';
import { FLAG_NEED_REPLY, HEADER_SIZE, MAX_FDS, MAX_PAYLOAD, ProtocolFeature, REPLY_FLAGS, Request, bit } from './protocol.js';

/** Requests whose reply is their answer (the others only get an ack on NEED_REPLY). */
const ANSWERED = new Set<number>([
  Request.GET_FEATURES,
  Request.GET_PROTOCOL_FEATURES,
  Request.GET_VRING_BASE,
  Request.GET_QUEUE_NUM,
  Request.GET_MAX_MEM_SLOTS,
  Request.GET_STATUS,
  Request.SET_LOG_BASE,
]);

/** A message header's fields. */
function readHeader(v: DataView): MessageHeader {
  return { request: v.getUint32(0, true), flags: v.getUint32(4, true), size: v.getUint32(8, true) };
}

/** vhost-user's framing: a 12-byte header whose third word is the payload's size. */
const FRAMING: Framing = {
  name: 'vhost-user',
  headerSize: HEADER_SIZE,
  maxMessage: HEADER_SIZE + MAX_PAYLOAD,
  maxFds: MAX_FDS,
  messageSize(header, fds) {
    const h = readHeader(header);
    checkHeader(h, fds);
    return HEADER_SIZE + h.size;
  },
};

export class VhostConnection {
  readonly fd: number;
  readonly device: VhostDevice;
  /** Why the connection closed, when a message was refused. */
  error: NicError | undefined;
  readonly #reader: FramedReader;
  #onClose: (connection: VhostConnection) => void;
  #closed = false;

  constructor(fd: number, device: VhostDevice, onClose: (connection: VhostConnection) => void) {
    this.fd = fd;
    this.device = device;
    this.#onClose = onClose;
    this.#reader = new FramedReader(fd, FRAMING, { message: (bytes, fds) => this.#dispatch(bytes, fds), end: (error) => this.close(error) });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the socket and releases the device's resources. */
  close(error?: NicError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.error = error;
    this.#reader.close();
    this.device.reset();
    closeFd(this.fd);
    this.#onClose(this);
  }

  /** Handles one whole message; a NicError thrown here closes the connection. */
  #dispatch(bytes: Uint8Array, fds: number[]): void {
    const header = readHeader(new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE));
    const payload = new DataView(bytes.buffer, bytes.byteOffset + HEADER_SIZE, header.size);
    const ackWanted = (header.flags & FLAG_NEED_REPLY) !== 0 && (this.device.protocolFeatures & bit(ProtocolFeature.REPLY_ACK)) !== 0n;
    let reply: Reply | undefined;
    try {
      checkMessage(header, payload, fds.length);
      reply = this.device.handle(header.request, payload, fds);
    } catch (error) {
      for (const fd of fds) if (fd >= 0) closeFd(fd);
      fds.length = 0;
      if (!(error instanceof NicError)) throw error;
      if (!ackWanted || ANSWERED.has(header.request)) throw error;
      this.error = error;
      this.#send(header.request, 1n);
      return;
    }
    if (ANSWERED.has(header.request)) this.#send(header.request, reply ?? 0n);
    else if (ackWanted) this.#send(header.request, 0n);
  }

  #send(request: number, reply: Reply): void {
    const body = typeof reply === 'bigint' ? u64(reply) : reply;
    const message = new Uint8Array(HEADER_SIZE + body.length);
    const v = new DataView(message.buffer);
    v.setUint32(0, request, true);
    v.setUint32(4, REPLY_FLAGS, true);
    v.setUint32(8, body.length, true);
    message.set(body, HEADER_SIZE);
    const sent = unixSendmsg(this.fd, message);
    if (sent !== message.length) throw new NicError('NIC_EIO', `vhost-user: reply to ${requestName(request)} sent ${sent} of ${message.length} bytes`);
  }
}

function u64(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, true);
  return out;
}
