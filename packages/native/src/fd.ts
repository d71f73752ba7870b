import { addon } from './addon.js';

/**
 * Closes a file descriptor returned by this package (eventfd, timerfd, socket, VFIO/UIO).
 * A `watchFd` watcher of the fd on this thread is stopped first (no further callback,
 * and its `close()` is then a no-op); a watcher on another thread is that thread's to close
 * before. Closing a watched fd any other way (`fs.closeSync`) leaves libuv watching a dead fd,
 * which aborts the process.
 * @throws NicError `NIC_EINVAL` with errno `EBADF` when it is not open.
 */
export function closeFd(fd: number): void {
  addon.close(fd);
}

/**
 * Reads into `buffer` from `fd` at byte `offset` (a VFIO region's offset plus the register,
 * a config space byte). Returns the bytes read, fewer at the end of the file.
 * @throws NicError with the errno of `pread`.
 */
export function pread(fd: number, buffer: Uint8Array, offset: number): number {
  return addon.pread(fd, buffer, offset);
}

/**
 * Writes `data` to `fd` at byte `offset`. Returns the bytes written.
 * @throws NicError with the errno of `pwrite`.
 */
export function pwrite(fd: number, data: Uint8Array, offset: number): number {
  return addon.pwrite(fd, data, offset);
}

/**
 * Creates a pipe (close-on-exec). Returns `[readFd, writeFd]`; the caller closes both.
 * @throws NicError with the errno of `pipe2` (e.g. `NIC_EIO` with EMFILE when out of fds).
 */
export function pipe(options: { nonblock?: boolean } = {}): [number, number] {
  return addon.pipe(options.nonblock ?? false);
}
