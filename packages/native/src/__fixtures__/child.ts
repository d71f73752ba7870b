// Runs a test child process and reads what it saw: the last line of its stdout, as JSON.
import { execFile } from 'node:child_process';

export interface ChildResult {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stderr: string;
  /** The child's last line on stdout, parsed; undefined when there is none or it is not JSON. */
  readonly seen: Record<string, unknown> | undefined;
}

/** Runs `command args` (killed after `timeoutMs`, 0 for never) with `env`, in `cwd`. */
export function runChild(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number, cwd?: string): Promise<ChildResult> {
  return new Promise((resolve) => {
    execFile(command, args, { env, cwd, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const last = stdout.trim().split('\n').at(-1);
      let seen: Record<string, unknown> | undefined;
      try {
        seen = last ? (JSON.parse(last) as Record<string, unknown>) : undefined;
      } catch {
        seen = undefined;
      }
      resolve({
        code: error ? ((error as { code?: number }).code ?? null) : 0,
        signal: error ? ((error as { signal?: string }).signal ?? null) : null,
        stderr,
        seen,
      });
    });
  });
}
