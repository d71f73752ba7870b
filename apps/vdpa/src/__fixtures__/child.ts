/** nic-vdpa as a child process of a test, with modelled IFC VFs in its process. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI (`npm test` builds first). */
export const CLI = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
export const BUILT = existsSync(CLI);
const PRELOAD = fileURLToPath(new URL('./ifcvf-vfs.mjs', import.meta.url));

/** One modelled function as the preload reports it. */
export interface ModelVf {
  readonly address: string;
  /** Where its incoming frames go (with a UDP peer). */
  readonly udp: number | undefined;
}

export class VdpaChild {
  readonly #child: ChildProcessWithoutNullStreams;
  #out = '';
  #err = '';
  #exit: number | null | undefined;

  /** Starts nic-vdpa with `args`; `env` adds NIC_IFCVF_* settings for the preload. */
  constructor(args: readonly string[], env: Record<string, string> = {}) {
    this.#child = spawn(process.execPath, ['--import', PRELOAD, CLI, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
    this.#child.stdout.on('data', (d: Buffer) => (this.#out += d.toString()));
    this.#child.stderr.on('data', (d: Buffer) => (this.#err += d.toString()));
    this.#child.on('exit', (code) => (this.#exit = code));
  }

  get output(): string {
    return this.#out;
  }

  get errors(): string {
    return this.#err;
  }

  /** The exit status once it ended, else undefined. */
  get exitCode(): number | null | undefined {
    return this.#exit;
  }

  /** Waits until the output from `from` matches `pattern`; returns the match. */
  async waitFor(pattern: RegExp, from = 0, timeoutMs = 20000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.#out.slice(from).match(pattern);
      if (m) return m;
      if (this.#exit !== undefined) throw new Error(`nic-vdpa exited (${this.#exit}); output:\n${this.#out}\n${this.#err}`);
      if (Date.now() > deadline) throw new Error(`nic-vdpa: timed out waiting for ${pattern}; output:\n${this.#out}\n${this.#err}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** The modelled functions the preload made. */
  async vfs(): Promise<ModelVf[]> {
    const m = await this.waitFor(/^(\{"event":"ifcvf-vfs".*\})$/m);
    return (JSON.parse(m[1]) as { vfs: ModelVf[] }).vfs;
  }

  /** Sends an interactive command and returns what it printed up to the next prompt. */
  async command(line: string): Promise<string> {
    const from = this.#out.length;
    this.#child.stdin.write(`${line}\n`);
    await this.waitFor(/vdpa> $/, from);
    return this.#out.slice(from, this.#out.length - 'vdpa> '.length);
  }

  /** Writes `text` to its stdin. */
  write(text: string): void {
    this.#child.stdin.write(text);
  }

  /** Sends `signal`. */
  kill(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** Waits for the exit status (killing it after `timeoutMs`). */
  async exited(timeoutMs = 20000): Promise<number | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.#exit === undefined) {
      if (Date.now() > deadline) {
        this.#child.kill('SIGKILL');
        throw new Error(`nic-vdpa did not exit; output:\n${this.#out}\n${this.#err}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.#exit;
  }

  /** Ends it if it still runs. */
  async close(): Promise<void> {
    if (this.#exit === undefined) {
      this.#child.kill('SIGKILL');
      await this.exited().catch(() => undefined);
    }
  }
}
