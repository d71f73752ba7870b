/**
 * A running `qemu-system-x86_64`: its exit as a promise, its own error output kept, and
 * killed when the host process ends, so that no emulator outlives the test that started it.
 * A normal exit kills it from an `exit` handler; for the ends that run no handler (SIGKILL, a
 * fatal out-of-memory abort) QEMU is started through `setpriv --pdeathsig KILL`, so the kernel
 * kills it when the thread that started it dies. `setpriv` then executes QEMU in place: the
 * child's pid is QEMU's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { qemuBinary, SETPRIV } from './host.js';

/** Characters of QEMU's error output kept for error messages. */
const STDERR_KEPT = 4000;

/** How a QEMU process ended. */
export interface QemuExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One QEMU process. */
export class QemuProcess {
  /** Resolves when the process has exited (it never rejects). */
  readonly exited: Promise<QemuExit>;
  private readonly child: ChildProcess;
  private stderr = '';
  private running = true;
  private readonly killOnExit = (): void => {
    this.child.kill('SIGKILL');
  };

  /** Starts QEMU with `args`. */
  constructor(args: readonly string[]) {
    this.child = spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', qemuBinary(), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-STDERR_KEPT);
    });
    process.on('exit', this.killOnExit);
    this.exited = new Promise((resolve) => {
      const settle = (exit: QemuExit): void => {
        this.running = false;
        process.off('exit', this.killOnExit);
        resolve(exit);
      };
      this.child.on('exit', (code, signal) => settle({ code, signal }));
      // Not started at all (e.g. no such binary): nothing to wait for.
      this.child.on('error', () => settle({ code: null, signal: null }));
    });
  }

  /** The process id (undefined when it could not start). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the process is still running. */
  get isRunning(): boolean {
    return this.running;
  }

  /** What QEMU printed to its standard error (the latest part). */
  get errorOutput(): string {
    return this.stderr.trim();
  }

  /** Kills the process (SIGKILL) unless it has exited, and waits until it has. */
  async kill(): Promise<QemuExit> {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }
}

/** `exit` in words, e.g. `exit status 1`. */
export function describeExit(exit: QemuExit): string {
  if (exit.signal !== null) return `signal ${exit.signal}`;
  return exit.code === null ? 'failure to start' : `exit status ${exit.code}`;
}
