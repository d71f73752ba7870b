/**
 * Real file descriptors for the tests: a pipe (DPDK's test device), eventfds, and a count of
 * the open fds.
 */
import { readdirSync, writeSync } from 'node:fs';
import { closeFd, pipe } from '@nic/native';

/** Two connected ends: bytes written to `writeFd` are read from `readFd`. */
export interface FdPair {
  readonly readFd: number;
  readonly writeFd: number;
  close(): void;
}

/** A real pipe, as DPDK's test uses (both ends non-blocking). */
export function pipePair(): FdPair {
  const [readFd, writeFd] = pipe({ nonblock: true });
  return {
    readFd,
    writeFd,
    close: () => {
      closeFd(readFd);
      closeFd(writeFd);
    },
  };
}

/** Writes the bytes of `text` to `fd`. */
export function writeText(fd: number, text: string): void {
  writeSync(fd, Buffer.from(text));
}

/** How many fds this process has open. */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/**
 * A promise with its resolve function, for awaiting a callback. Rejects after `ms` so a
 * missing callback fails the test with a message instead of a test timeout.
 */
export function deferred<T = void>(what: string, ms = 5000): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    resolve = (v) => {
      clearTimeout(timer);
      res(v);
    };
  });
  return { promise, resolve };
}
