/** Stable error codes carried by every {@link NicError}. */
export type NicErrorCode =
  | 'NIC_EINVAL'
  | 'NIC_ENODEV'
  | 'NIC_ENOTSUP'
  | 'NIC_ENOMEM'
  | 'NIC_EIO'
  | 'NIC_EEXIST'
  | 'NIC_EBUSY'
  | 'NIC_EPERM'
  | 'NIC_EAGAIN'
  | 'NIC_ENOENT';

/** Extra facts attached to a {@link NicError}. */
export interface NicErrorOptions {
  /** The error that led to this one. */
  cause?: unknown;
  /** The kernel's errno when a system call refused (positive, e.g. 12 for ENOMEM). */
  errno?: number;
  /** The system call that refused, e.g. `'mmap'`. */
  syscall?: string;
}

const BRAND = Symbol.for('nic.error');

/**
 * The one error type of nic. `code` is stable and meant for programs; `message` says what
 * failed and where (which option, device or file). When the kernel refused, `errno` and
 * `syscall` say how. `instanceof NicError` holds across duplicate copies of the package.
 */
export class NicError extends Error {
  readonly code: NicErrorCode;
  readonly errno?: number;
  readonly syscall?: string;

  constructor(code: NicErrorCode, message: string, options: NicErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NicError';
    this.code = code;
    if (options.errno !== undefined) this.errno = options.errno;
    if (options.syscall !== undefined) this.syscall = options.syscall;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}
