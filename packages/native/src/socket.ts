import { addon } from './addon.js';

/** Unix socket kinds: a byte stream, or a connection that keeps message boundaries. */
export type UnixSocketType = 'stream' | 'seqpacket';

/** What {@link unixRecvmsg} received. */
export interface RecvResult {
  /** Bytes written into the buffer; 0 when the peer closed; -1 when nothing was waiting. */
  readonly bytes: number;
  /** Descriptors received with the data, now open in this process (close-on-exec). */
  readonly fds: number[];
  /** More descriptors came than `maxFds` allowed; the kernel closed the extra ones. */
  readonly fdsTruncated: boolean;
  /**
   * A seqpacket message was longer than the buffer: `bytes` of it arrived, the rest is lost
   * (MSG_TRUNC). Never set on a stream socket, whose remaining bytes stay queued.
   */
  readonly truncated: boolean;
}

/**
 * Binds a unix socket at `path` and listens on it. The socket is non-blocking: watch it with
 * `watchFd` and call {@link unixAccept} when it is readable. The caller removes the path
 * when done.
 * @throws NicError `NIC_EBUSY` (EADDRINUSE) when the path exists, `NIC_EINVAL` for a path over
 * 107 bytes.
 */
export function unixListen(path: string, options: { type?: UnixSocketType; backlog?: number } = {}): number {
  return addon.unixListen(path, options.type ?? 'stream', options.backlog ?? 16);
}

/** Accepts one pending connection: returns its non-blocking fd, or -1 when none is pending. */
export function unixAccept(fd: number): number {
  return addon.unixAccept(fd);
}

/**
 * Connects to the unix socket at `path`; returns the non-blocking fd.
 * @throws NicError `NIC_ENOENT` when nothing is at the path, `NIC_EIO` (ECONNREFUSED) when
 * nobody listens, `NIC_EAGAIN` when the listener's backlog is full.
 */
export function unixConnect(path: string, options: { type?: UnixSocketType } = {}): number {
  return addon.unixConnect(path, options.type ?? 'stream');
}

/**
 * Sends `data` with the descriptors `fds` (SCM_RIGHTS; at most 253, and `data` must not be
 * empty when there are any). `fds` is read (its getters run) before `data`'s bytes are
 * taken, so a getter that detaches `data` makes the call see an empty buffer, never freed
 * memory. Returns the bytes sent (a stream socket may send fewer; the fds
 * travel with the first byte), or -1 when the socket buffer is full. Never raises SIGPIPE.
 * @throws NicError `NIC_EIO` (EPIPE) when the peer has gone.
 */
export function unixSendmsg(fd: number, data: Uint8Array, fds: readonly number[] = []): number {
  return addon.unixSendmsg(fd, data, fds);
}

/**
 * Receives into `buffer`, accepting up to `maxFds` descriptors (0 to 253) with the data.
 * Never blocks: `bytes` is -1 when nothing is waiting. A message longer than `buffer` sets
 * `truncated`.
 * @throws NicError `NIC_EINVAL` for an empty buffer (0 bytes read must mean the peer closed;
 * descriptors received with an empty read would be mistaken for EOF and leak).
 */
export function unixRecvmsg(fd: number, buffer: Uint8Array, maxFds = 0): RecvResult {
  return addon.unixRecvmsg(fd, buffer, maxFds);
}
