/**
 * Reading interrupt fds without exceptions, and giving the kernel's refusals their context.
 */
import { readSync } from 'node:fs';
import { NicError } from '@nic/native';

const EIO = 5;

/**
 * `read(fd)` of up to `length` bytes into `buf`: the byte count (0 at end of file), or a
 * negative errno when the kernel refused. Never throws for I/O errors.
 */
export function readFd(fd: number, buf: Uint8Array, length: number): number {
  try {
    return readSync(fd, buf, 0, length, null);
  } catch (e) {
    const errno = (e as { errno?: unknown } | null)?.errno;
    return -(typeof errno === 'number' ? Math.abs(errno) : EIO);
  }
}

/**
 * Runs `fn`; a NicError it throws comes out prefixed with `what` (keeping code, errno,
 * syscall and the original as `cause`).
 */
export function inContext<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof NicError)) throw e;
    throw new NicError(e.code, `${what}: ${e.message}`, { cause: e, errno: e.errno, syscall: e.syscall });
  }
}
