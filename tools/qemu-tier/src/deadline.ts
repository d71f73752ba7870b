/** Waiting with a time limit. */
import { NicError } from '@nic/native';

/**
 * `promise`, or a NicError NIC_EIO saying that `what` timed out when `timeoutMs` passes
 * first (`describe()` adds detail to that message, e.g. the guest console).
 */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string, describe: () => string = () => ''): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NicError('NIC_EIO', `${what} timed out after ${timeoutMs} ms${describe()}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
