/**
 * One frontend connection: reads messages off the non-blocking socket (the header with up
 * to {@link MAX_FDS} fds, then the payload, which may arrive in pieces), checks them, hands
 * them to the {@link VhostDevice} and writes the replies with exactly the flags QEMU
 * accepts. A message that fails its checks has every fd it carried closed; the connection
 * then answers a NEED_REPLY with a non-zero ack when REPLY_ACK was negotiated, and
 * otherwise closes, as DPDK does.
 */
import { NicError, closeFd, unixRecvmsg, unixSendmsg, watchFd, type FdWatcher } from '@nic/native';
import { VhostDevice, type Reply } from './device.js';
import { checkHeader, checkMessage, requestName } from './message.js';
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

export class VhostConnection {
  readonly fd: number;
  readonly device: VhostDevice;
  /** Why the connection closed, when a message was refused. */
  error: NicError | undefined;
  readonly #buffer = new Uint8Array(HEADER_SIZE + MAX_PAYLOAD);
  readonly #view = new DataView(this.#buffer.buffer);
  #have = 0;
  #fds: number[] = [];
  #watcher: FdWatcher | undefined;
  #onClose: (connection: VhostConnection) => void;
  #closed = false;

  constructor(fd: number, device: VhostDevice, onClose: (connection: VhostConnection) => void) {
    this.fd = fd;
    this.device = device;
    this.#onClose = onClose;
    this.#watcher = watchFd(fd, () => this.#readable());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the socket and releases the device's resources. */
  close(error?: NicError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.error = error;
    this.#watcher?.close();
    this.#watcher = undefined;
    for (const fd of this.#fds) closeFd(fd);
    this.#fds = [];
    this.device.reset();
    closeFd(this.fd);
    this.#onClose(this);
  }

  #readable(): void {
    try {
      while (!this.#closed && this.#step());
    } catch (error) {
      this.close(error instanceof NicError ? error : new NicError('NIC_EIO', 'vhost-user connection failed', { cause: error }));
    }
  }

  /** Reads what is there; handles a message when complete. Returns whether to read again. */
  #step(): boolean {
    const need = this.#have < HEADER_SIZE ? HEADER_SIZE : HEADER_SIZE + this.#view.getUint32(8, true);
    const got = unixRecvmsg(this.fd, this.#buffer.subarray(this.#have, need), this.#have === 0 ? MAX_FDS : 0);
    for (const fd of got.fds) this.#fds.push(fd);
    if (got.fdsTruncated) throw new NicError('NIC_EINVAL', 'vhost-user: a message came with more fds than allowed');
    if (got.bytes < 0) return false;
    if (got.bytes === 0) {
      this.close();
      return false;
    }
    if (this.#have > 0 && got.fds.length > 0) throw new NicError('NIC_EINVAL', 'vhost-user: fds arrived inside a payload');
    this.#have += got.bytes;
    if (this.#have === HEADER_SIZE) {
      checkHeader(this.#header(), this.#fds.length);
    }
    if (this.#have < HEADER_SIZE || this.#have < HEADER_SIZE + this.#view.getUint32(8, true)) return true;
    this.#dispatch();
    this.#have = 0;
    return true;
  }

  #header(): { request: number; flags: number; size: number } {
    const v = this.#view;
    return { request: v.getUint32(0, true), flags: v.getUint32(4, true), size: v.getUint32(8, true) };
  }

  #dispatch(): void {
    const header = this.#header();
    const payload = new DataView(this.#buffer.buffer, HEADER_SIZE, header.size);
    const fds = this.#fds;
    this.#fds = [];
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
