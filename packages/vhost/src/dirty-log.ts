/**
 * The dirty log of live migration as one vring writes it: one bit per 4 KiB guest page,
 * set with an atomic OR while LOG_ALL is on (QEMU drains 64-bit words with an exchange). A
 * page past the log's end is skipped, never written (the log's size is the frontend's).
 */
import { LOG_PAGE } from './protocol.js';

export class DirtyLog {
  /** The log mapping (empty when none). */
  bytes: Uint8Array = new Uint8Array(0);
  /** Whether writes are logged: a log is mapped and LOG_ALL negotiated. */
  on = false;
  /** The log's address in the arena's WebAssembly memory (for the kernel), or -1. */
  window = -1;

  /** Uses `log` (or none), logging when `on`; `window` as {@link DirtyLog.window}. */
  set(log: Uint8Array | undefined, on: boolean, window = -1): void {
    this.bytes = log ?? new Uint8Array(0);
    this.on = on && log !== undefined;
    this.window = log === undefined ? -1 : window;
  }

  /** Marks the pages of guest range `[gpa, gpa + len)`. */
  mark(gpa: number, len: number): void {
    if (len <= 0) return;
    const log = this.bytes;
    const last = Math.floor((gpa + len - 1) / LOG_PAGE);
    for (let page = Math.floor(gpa / LOG_PAGE); page <= last; page++) {
      const byte = Math.floor(page / 8);
      if (byte >= log.length) return;
      Atomics.or(log, byte, 1 << page % 8);
    }
  }
}
