/** Commands run as a user outside this repository would run them. */
import { execFile } from 'node:child_process';
import { delimiter, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const REPO = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * This process's environment as a user's shell would have it: no `npm_*` variables of the
 * `npm test` that runs us, no test-runner variables, nothing of this repository on PATH.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|VITEST|NODE_OPTIONS$|NODE_ENV$|INIT_CWD$|TEST$)/i.test(key)) env[key] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !resolve(dir).startsWith(REPO))
    .join(delimiter);
  return { ...env, ...extra };
}

/** What a command printed. */
export interface Output {
  readonly stdout: string;
  readonly stderr: string;
}

/** A command that exited with a failure: its code and what it printed. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | string | null,
    readonly output: Output,
  ) {
    super(`${command} exited with ${exitCode}\n--- stdout\n${output.stdout.slice(-4000)}\n--- stderr\n${output.stderr.slice(-4000)}`);
  }
}

/** Runs `cmd args` in `cwd` and resolves with its output; a failure rejects with {@link CommandError}. */
export function run(cmd: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Output> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      cmd,
      args,
      { cwd: options.cwd, env: options.env ?? userEnv(), maxBuffer: 64 << 20, timeout: options.timeoutMs ?? 600_000 },
      (error, stdout, stderr) => {
        if (error) reject(new CommandError(`${cmd} ${args.join(' ')}`, error.code ?? error.signal ?? null, { stdout, stderr }));
        else resolvePromise({ stdout, stderr });
      },
    );
  });
}
