/**
 * Text arriving line by line (a console, a command's output), kept (the last `limit` lines)
 * and watched: {@link Lines.waitFor} resolves on the first kept or later line that matches.
 */
import { NicError } from '@nic/native';
import { LineSplitter } from './agent/protocol.js';

interface Waiter {
  readonly pattern: RegExp;
  readonly resolve: (match: RegExpMatchArray) => void;
  readonly reject: (error: Error) => void;
}

/** A log of lines with waiting for a line. */
export class Lines {
  private readonly kept: string[] = [];
  private readonly waiters = new Set<Waiter>();
  /** One splitter per source, so that two streams' partial lines do not mix. */
  private readonly splitters = new Map<string, LineSplitter>();
  private ended: Error | undefined;

  /** @param limit how many of the latest lines to keep */
  constructor(private readonly limit = Infinity) {}

  /** Adds a chunk of text (it may end mid-line) from `source` (e.g. `stdout`). */
  push(chunk: Buffer | string, source = ''): void {
    let splitter = this.splitters.get(source);
    if (splitter === undefined) {
      splitter = new LineSplitter((line) => this.add(line));
      this.splitters.set(source, splitter);
    }
    splitter.push(chunk);
  }

  /** The last `count` kept lines. */
  tail(count = this.limit): string[] {
    return this.kept.slice(-count);
  }

  /**
   * The first kept line matching `pattern`, or the first one added later.
   * @param signal stops the wait (it rejects with the signal's reason)
   * @throws NicError NIC_EIO when `timeoutMs` passes first, or the error given to {@link Lines.end}
   */
  waitFor(pattern: RegExp, timeoutMs: number, what = 'a line', signal?: AbortSignal): Promise<RegExpMatchArray> {
    const match = this.kept.map((line) => line.match(pattern)).find((m) => m !== null);
    if (match) return Promise.resolve(match);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => waiter.reject(new NicError('NIC_EIO', `timed out after ${timeoutMs} ms waiting for ${what} matching ${pattern}`)), timeoutMs);
      const abort = (): void => waiter.reject(signal?.reason as Error);
      const settle = <T>(f: (value: T) => void) => (value: T): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', abort);
        this.waiters.delete(waiter);
        f(value);
      };
      const waiter: Waiter = { pattern, resolve: settle(resolve), reject: settle(reject) };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', abort);
    });
  }

  /** No more lines will come: pending and later waits fail with `error`. */
  end(error: Error): void {
    this.ended = error;
    for (const waiter of this.waiters) waiter.reject(error);
  }

  private add(line: string): void {
    this.kept.push(line);
    if (this.kept.length > this.limit) this.kept.shift();
    for (const waiter of this.waiters) {
      const match = line.match(waiter.pattern);
      if (match) waiter.resolve(match);
    }
  }
}
