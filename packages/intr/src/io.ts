/**
 * Reads and writes on interrupt fds, and turning the kernel's refusals into NicErrors.
 */
import { readSync, writeSync } from 'node:fs';
import { NicError, type NicErrorCode } from '@nic/native';

const CODES: Readonly<Record<string, NicErrorCode>> = {
  EAGAIN: 'NIC_EAGAIN',
  EINVAL: 'NIC_EINVAL',
  EBADF: 'NIC_EINVAL',
  ENOENT: 'NIC_ENOENT',
  EPERM: 'NIC_EPERM',
  EACCES: 'NIC_EPERM',
  ENOTTY: 'NIC_ENOTSUP',
  ENOTSUP: 'NIC_ENOTSUP',
  EBUSY: 'NIC_EBUSY',
  ENODEV: 'NIC_ENODEV',
  ENOMEM: 'NIC_ENOMEM',
};

interface SystemError {
  code?: unknown;
  errno?: unknown;
  syscall?: unknown;
  message?: unknown;
}

/** The kernel errno (positive) of an error thrown by `node:fs`, or EIO when it has none. */
export function errnoOf(e: unknown): number {
  const errno = (e as SystemError | null)?.errno;
  return typeof errno === 'number' ? Math.abs(errno) : EIO;
}

const EIO = 5;

/**
 * A NicError for a failed fd operation: `what` says what was attempted; the code follows
 * the errno; an error that is already a NicError passes through.
 */
export function errnoError(e: unknown, what: string): NicError {
  if (e instanceof NicError) return e;
  const err = (e ?? {}) as SystemError;
  const name = typeof err.code === 'string' ? err.code : 'EIO';
  const syscall = typeof err.syscall === 'string' ? err.syscall : undefined;
  return new NicError(CODES[name] ?? 'NIC_EIO', `${what}: ${syscall ?? 'I/O'} failed: ${name}`, { cause: e, errno: errnoOf(e), syscall });
}

/**
 * `read(fd)` of up to `length` bytes into `buf`: the byte count (0 at end of file), or a
 * negative errno when the kernel refused. Never throws for I/O errors.
 */
export function readFd(fd: number, buf: Uint8Array, length: number): number {
  try {
    return readSync(fd, buf, 0, length, null);
  } catch (e) {
    return -errnoOf(e);
  }
}

/**
 * Read-modify-write of one byte at `offset` with `pread`/`pwrite` (a config-space register).
 * A short transfer or a refusal is a NicError naming `what`.
 */
export function configByteUpdate(fd: number, offset: number, update: (byte: number) => number, what: string): void {
  const byte = new Uint8Array(1);
  try {
    if (readSync(fd, byte, 0, 1, offset) !== 1) throw new NicError('NIC_EIO', `${what}: short read at offset ${offset}`);
    byte[0] = update(byte[0]);
    if (writeSync(fd, byte, 0, 1, offset) !== 1) throw new NicError('NIC_EIO', `${what}: short write at offset ${offset}`);
  } catch (e) {
    throw errnoError(e, what);
  }
}
