/**
 * The backend-to-frontend channel of vhost-user ("backend communication", SET_BACKEND_REQ_FD):
 * a socket the frontend hands over, on which the backend sends requests of its own. A config
 * change (the device configuration space moved), and a vring's host notifier: a page of an
 * fd (a vDPA device's doorbell, the VFIO device fd at the notify BAR's offset) that the
 * frontend maps over the vring's notify area, so its kicks reach the device without passing
 * through this process. With REPLY_ACK every request asks for an acknowledgement, which the
 * frontend sends when it has handled it; each request's promise settles with it.
 */
import { FramedReader, NicError, closeFd, pageSize, unixSendmsg, type Framing } from '@nic/native';
import { FLAG_NEED_REPLY, FLAG_REPLY, FLAG_VERSION, HEADER_SIZE, ProtocolFeature, U64_SIZE, VRING_IDX_MASK, VRING_NOFD_MASK, bit } from './protocol.js';

/** Backend-to-frontend requests (vhost-user.rst "Back-end message types"). */
export const BackendRequest = {
  IOTLB_MSG: 1,
  CONFIG_CHANGE_MSG: 2,
  VRING_HOST_NOTIFIER_MSG: 3,
} as const;

/** VRING_HOST_NOTIFIER_MSG payload `{u64 index | no-fd bit, u64 size, u64 offset}` (a vring area). */
export const VRING_AREA_SIZE = 24;
const AREA_INDEX = 0;
const AREA_SIZE = 8;
const AREA_OFFSET = 16;

/** A doorbell page the frontend is to map over a vring's notify area. */
export interface HostNotifierArea {
  /** The fd to map (a VFIO device fd, or any mappable file). It stays the caller's. */
  readonly fd: number;
  /** Where in `fd` the page starts: a multiple of the page size. */
  readonly offset: number;
  /** Bytes: a multiple of the page size (QEMU accepts exactly one page). */
  readonly size: number;
}

/** The frontend's acknowledgements: a header and a u64, nothing else. */
const ACK_FRAMING: Framing = {
  name: 'vhost-user backend channel',
  headerSize: HEADER_SIZE,
  maxMessage: HEADER_SIZE + U64_SIZE,
  maxFds: 0,
  messageSize(header, fds) {
    const size = header.getUint32(8, true);
    if (size !== U64_SIZE || fds !== 0) throw new NicError('NIC_EINVAL', `vhost-user backend channel: a reply of ${size} bytes with ${fds} fds (an acknowledgement is 8 bytes)`);
    return HEADER_SIZE + size;
  },
};

interface Pending {
  readonly request: number;
  readonly what: string;
  resolve(): void;
  reject(error: NicError): void;
}

/** One frontend's channel, from SET_BACKEND_REQ_FD until the connection resets. */
export class BackendChannel {
  readonly fd: number;
  readonly #protocolFeatures: () => bigint;
  readonly #vrings: number;
  readonly #reader: FramedReader;
  readonly #pending: Pending[] = [];
  #closed = false;
  /** Why the channel closed, when it did not close with the connection. */
  error: NicError | undefined;

  /**
   * Takes over `fd` (the frontend's end of the channel); `protocolFeatures` reads what the
   * frontend negotiated, `vrings` bounds the vring indices.
   */
  constructor(fd: number, protocolFeatures: () => bigint, vrings: number) {
    this.fd = fd;
    this.#protocolFeatures = protocolFeatures;
    this.#vrings = vrings;
    this.#reader = new FramedReader(fd, ACK_FRAMING, { message: (bytes) => this.#ack(bytes), end: (error) => this.close(error ?? new NicError('NIC_EIO', 'vhost-user backend channel: the frontend closed it')) });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Requests sent and not yet acknowledged. */
  get pending(): number {
    return this.#pending.length;
  }

  /**
   * Tells the frontend that the device configuration changed (CONFIG_CHANGE_MSG). QEMU's
   * vhost-user-net has no handler for it and acknowledges with a failure.
   * @returns settles when acknowledged (at once without REPLY_ACK); rejects with `NIC_EIO`
   *   when the frontend refused it or the channel closed first.
   */
  configChange(): Promise<void> {
    return this.#request(BackendRequest.CONFIG_CHANGE_MSG, new Uint8Array(0), [], 'CONFIG_CHANGE_MSG');
  }

  /**
   * Asks the frontend to map `area` over vring `vring`'s notify area, or with no area to
   * unmap what it mapped there (VRING_HOST_NOTIFIER_MSG). Needs HOST_NOTIFIER and
   * BACKEND_SEND_FD to have been negotiated.
   * @throws NicError `NIC_ENOTSUP` when they were not, `NIC_EINVAL` for a vring the device
   *   does not have or an area that is not whole pages, `NIC_EIO` when the channel is closed.
   * @returns as {@link configChange}.
   */
  hostNotifier(vring: number, area?: HostNotifierArea): Promise<void> {
    const what = `VRING_HOST_NOTIFIER_MSG for vring ${vring}`;
    const needed = bit(ProtocolFeature.HOST_NOTIFIER) | bit(ProtocolFeature.BACKEND_SEND_FD);
    if ((this.#protocolFeatures() & needed) !== needed) throw new NicError('NIC_ENOTSUP', `vhost-user ${what}: the frontend did not negotiate HOST_NOTIFIER and BACKEND_SEND_FD`);
    if (!Number.isInteger(vring) || vring < 0 || vring >= this.#vrings || vring > VRING_IDX_MASK) {
      throw new NicError('NIC_EINVAL', `vhost-user ${what}: the device has ${this.#vrings} vrings`);
    }
    const payload = new Uint8Array(VRING_AREA_SIZE);
    const v = new DataView(payload.buffer);
    if (!area) {
      v.setBigUint64(AREA_INDEX, BigInt(vring | VRING_NOFD_MASK), true);
      return this.#request(BackendRequest.VRING_HOST_NOTIFIER_MSG, payload, [], what);
    }
    const page = pageSize();
    const { fd, offset, size } = area;
    for (const [value, name] of [
      [offset, 'offset'],
      [size, 'size'],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 0 || value % page !== 0) throw new NicError('NIC_EINVAL', `vhost-user ${what}: ${name} ${value} is not a multiple of the page size (${page})`);
    }
    if (size === 0) throw new NicError('NIC_EINVAL', `vhost-user ${what}: an empty area`);
    if (!Number.isInteger(fd) || fd < 0) throw new NicError('NIC_EINVAL', `vhost-user ${what}: fd ${fd}`);
    v.setBigUint64(AREA_INDEX, BigInt(vring), true);
    v.setBigUint64(AREA_SIZE, BigInt(size), true);
    v.setBigUint64(AREA_OFFSET, BigInt(offset), true);
    return this.#request(BackendRequest.VRING_HOST_NOTIFIER_MSG, payload, [fd], what);
  }

  #request(request: number, payload: Uint8Array, fds: readonly number[], what: string): Promise<void> {
    if (this.#closed) throw new NicError('NIC_EIO', `vhost-user ${what}: the backend channel is closed${this.error ? ` (${this.error.message})` : ''}`);
    const ack = (this.#protocolFeatures() & bit(ProtocolFeature.REPLY_ACK)) !== 0n;
    const message = new Uint8Array(HEADER_SIZE + payload.length);
    const v = new DataView(message.buffer);
    v.setUint32(0, request, true);
    v.setUint32(4, FLAG_VERSION | (ack ? FLAG_NEED_REPLY : 0), true);
    v.setUint32(8, payload.length, true);
    message.set(payload, HEADER_SIZE);
    let sent: number;
    try {
      sent = unixSendmsg(this.fd, message, fds);
    } catch (cause) {
      const error = new NicError('NIC_EIO', `vhost-user ${what}: the frontend has gone`, { cause });
      this.close(error);
      throw error;
    }
    if (sent !== message.length) {
      // A stream socket takes a 36-byte message whole unless the frontend stopped reading.
      const error = new NicError('NIC_EIO', `vhost-user ${what}: the channel took ${sent} of ${message.length} bytes (the frontend does not read it)`);
      this.close(error);
      throw error;
    }
    if (!ack) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.#pending.push({ request, what, resolve, reject }));
  }

  /** An acknowledgement: it answers the oldest request (the frontend handles them in order). */
  #ack(bytes: Uint8Array): void {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const request = v.getUint32(0, true);
    const flags = v.getUint32(4, true);
    const value = v.getBigUint64(HEADER_SIZE, true);
    const pending = this.#pending.shift();
    if (!pending) throw new NicError('NIC_EINVAL', `vhost-user backend channel: a reply to request ${request} that nothing waits for`);
    if (request !== pending.request || (flags & FLAG_REPLY) === 0) {
      this.#pending.unshift(pending);
      throw new NicError('NIC_EINVAL', `vhost-user backend channel: reply to request ${request} (flags 0x${flags.toString(16)}) where ${pending.what} waits`);
    }
    if (value === 0n) pending.resolve();
    else pending.reject(new NicError('NIC_EIO', `vhost-user ${pending.what}: the frontend refused it (${value})`));
  }

  /** Closes the channel; requests still waiting for their acknowledgement fail with `error`. */
  close(error?: NicError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.error = error;
    this.#reader.close();
    closeFd(this.fd);
    const reason = error ?? new NicError('NIC_EIO', 'vhost-user backend channel: closed (the frontend reset the device or left)');
    for (const p of this.#pending.splice(0)) p.reject(new NicError('NIC_EIO', `vhost-user ${p.what}: ${reason.message}`, { cause: reason }));
  }
}
