/**
 * Real file descriptors for the tests: a connected unix stream pair stands in for DPDK's
 * test pipe (@nic/native has no `pipe()`), eventfds, and a count of the open fds.
 */
import { mkdtempSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeFd, unixAccept, unixConnect, unixListen } from '@nic/native';

/** Two connected ends: bytes written to `writeFd` are read from `readFd`. */
export interface FdPair {
  readonly readFd: number;
  readonly writeFd: number;
  close(): void;
}

/** A connected unix stream socket pair (both ends non-blocking). */
export function socketPair(): FdPair {
  const dir = mkdtempSync(join(tmpdir(), 'nic-intr-'));
  const path = join(dir, 'pair.sock');
  const listener = unixListen(path);
  try {
    const writeFd = unixConnect(path);
    const readFd = unixAccept(listener);
    if (readFd < 0) throw new Error('socketPair: the connection was not pending');
    return {
      readFd,
      writeFd,
      close: () => {
        closeFd(readFd);
        closeFd(writeFd);
      },
    };
  } finally {
    closeFd(listener);
    rmSync(dir, { recursive: true, force: true });
  }
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
