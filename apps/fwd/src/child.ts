/**
 * A child process that speaks JSON lines on stdout (nic-fwd with `--stats-json`, the UDP
 * sender and receiver): its lines as they come, and a way to await one that matches.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A JSON object printed by the child. */
export type JsonLine = Record<string, unknown>;

/** A running child and the JSON lines it printed so far. */
export class JsonChild {
  readonly child: ChildProcess;
  /** Every JSON line of stdout so far, in order. */
  readonly lines: JsonLine[] = [];
  /** Everything that was not JSON: stderr, and stdout lines that do not parse. */
  text = '';
  /** Resolves with the exit code (or the signal's name) once the child has exited and its output is read. */
  readonly exited: Promise<number | string>;
  readonly #waiters = new Set<() => void>();
  #exitCode: number | string | undefined;

  /** Runs `command` with `args`, in this process's environment plus `env`. */
  constructor(command: string, args: readonly string[], env: Readonly<Record<string, string>> = {}) {
    this.child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    const stdoutDone = new Promise<void>((resolve) => {
      const lines = createInterface({ input: this.child.stdout as NodeJS.ReadableStream });
      lines.on('line', (line) => this.#onLine(line));
      lines.on('close', resolve);
    });
    this.child.stderr?.on('data', (chunk: Buffer) => (this.text += chunk.toString()));
    this.exited = new Promise<number | string>((resolve) => {
      this.child.on('close', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    }).then(async (code) => {
      await stdoutDone;
      this.#exitCode = code;
      this.#wake();
      return code;
    });
  }

  /**
   * The first line (already printed or to come) for which `match` holds.
   * @throws Error when the child exits first or `timeoutMs` passes; the message holds its output.
   */
  waitFor(match: (line: JsonLine) => boolean, timeoutMs: number, what = 'a matching line'): Promise<JsonLine> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.lines.find(match);
        if (found !== undefined) done(() => resolve(found));
        else if (this.#exitCode !== undefined) done(() => reject(this.#failure(`exited (${this.#exitCode}) before printing ${what}`)));
      };
      const timer = setTimeout(() => done(() => reject(this.#failure(`printed no ${what} within ${timeoutMs} ms`))), timeoutMs);
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        settle();
      };
      this.#waiters.add(check);
      check();
    });
  }

  /**
   * Resolves once the child printed nothing for `quietMs`, or `timeoutMs` passed: for a
   * child that prints only when something changes, once it settled.
   */
  idle(quietMs: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      let quiet: NodeJS.Timeout | undefined;
      const finish = (): void => {
        clearTimeout(deadline);
        clearTimeout(quiet);
        this.#waiters.delete(onLine);
        resolve();
      };
      const onLine = (): void => {
        clearTimeout(quiet);
        quiet = setTimeout(finish, quietMs);
      };
      const deadline = setTimeout(finish, timeoutMs);
      this.#waiters.add(onLine);
      onLine();
    });
  }

  /** The last line for which `match` holds, if any. */
  last(match: (line: JsonLine) => boolean): JsonLine | undefined {
    return this.lines.findLast(match);
  }

  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> {
    if (this.#exitCode === undefined) this.child.kill(signal);
    return this.exited;
  }

  #onLine(line: string): void {
    try {
      const parsed: unknown = JSON.parse(line);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        this.lines.push(parsed as JsonLine);
        this.#wake();
        return;
      }
    } catch {
      // not JSON: kept as text
    }
    this.text += `${line}\n`;
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  #failure(what: string): Error {
    return new Error(`${this.child.spawnfile} ${what}; its output:\n${this.text.slice(-4000)}`);
  }
}
