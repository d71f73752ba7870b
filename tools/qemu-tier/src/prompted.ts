/**
 * An interactive program in a guest (testpmd `-i`, `nic-vdpa -i`) driven from the host:
 * the guest agent gives a command no stdin, so the program reads a FIFO that a `sleep`
 * holds open, and each command line is written into that FIFO by a short command of its own.
 * A command is done when the program's prompt comes back.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { GuestProcess } from './agent-client.js';
import type { Guest } from './guest.js';

const POLL_MS = 20;
/** How long the FIFO's writer lives: longer than any test. */
const HOLD_S = 1_000_000;

export class GuestPrompted {
  readonly process: GuestProcess;
  readonly #guest: Guest;
  readonly #fifo: string;
  readonly #prompt: string;

  /**
   * Starts `command` in `guest` reading the FIFO `/tmp/<name>.in`; the program's process id
   * is printed first (`PID <n>`: the shell execs the program).
   */
  constructor(guest: Guest, name: string, command: string, prompt: string) {
    this.#guest = guest;
    this.#fifo = `/tmp/${name}.in`;
    this.#prompt = prompt;
    this.process = guest.spawn(`rm -f ${this.#fifo} && mkfifo ${this.#fifo} && echo "PID $$" && { sleep ${HOLD_S} > ${this.#fifo} & } && exec ${command} < ${this.#fifo}`);
  }

  /** The program's process id in the guest. */
  async pid(timeoutMs: number): Promise<number> {
    return Number((await this.process.waitFor(/^PID (\d+)$/, timeoutMs))[1]);
  }

  /** Waits until the output since `from` matches `pattern`. */
  async waitFor(pattern: RegExp, timeoutMs: number, from = 0): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.process.stdout.slice(from).match(pattern);
      if (m) return m;
      const ended = await Promise.race([this.process.done.then(() => true, () => true), delay(POLL_MS).then(() => false)]);
      if (ended) throw new Error(`the guest program ended before ${pattern}; output:\n${this.process.stdout}\n${this.process.stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out (${timeoutMs} ms) waiting for ${pattern}; output:\n${this.process.stdout.slice(-4000)}\n${this.process.stderr.slice(-2000)}`);
    }
  }

  /** Waits for the first prompt. */
  async ready(timeoutMs: number): Promise<void> {
    await this.waitFor(new RegExp(escape(this.#prompt)), timeoutMs);
  }

  /** Sends `line` and waits for the next prompt; returns what the command printed. */
  async command(line: string, timeoutMs: number): Promise<string> {
    if (/['\n]/.test(line)) throw new Error(`a command line for the FIFO cannot hold a quote or a newline: ${line}`);
    const from = this.process.stdout.length;
    const written = await this.#guest.run(`printf '%s\\n' '${line}' > ${this.#fifo}`, { timeoutMs });
    if (written.code !== 0) throw new Error(`writing "${line}" into ${this.#fifo} failed: ${written.stderr}`);
    await this.waitFor(new RegExp(escape(this.#prompt)), timeoutMs, from);
    return this.process.stdout.slice(from);
  }

  /** Ends the program (and the FIFO's writer) and waits for it. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.process.kill(signal);
    await this.process.done.catch(() => undefined);
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
