/**
 * DPDK's runtime directory (`eal_create_runtime_dir`), where an instance's sockets live:
 * `$RUNTIME_DIRECTORY/dpdk/<file-prefix>` under systemd, else `/var/run/dpdk/<file-prefix>`
 * for root and `$XDG_RUNTIME_DIR/dpdk/<file-prefix>` (or `/tmp/dpdk/<file-prefix>`) for others.
 * DPDK's tools (`dpdk-telemetry.py -f <prefix>`) look there.
 */
import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { NicError } from '@nic/native';

const ROOT_RUNTIME_DIR = '/var/run';
const FALLBACK_RUNTIME_DIR = '/tmp';
const DPDK_SUBDIR = 'dpdk';
/** DPDK creates both levels readable by their owner only. */
const RUNTIME_DIR_MODE = 0o700;

/** The runtime directory of the instance with file prefix `prefix`, as DPDK computes it. */
export function runtimeDir(prefix: string, env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? 0): string {
  const base = env.RUNTIME_DIRECTORY ?? (uid === 0 ? ROOT_RUNTIME_DIR : (env.XDG_RUNTIME_DIR ?? FALLBACK_RUNTIME_DIR));
  return join(base, DPDK_SUBDIR, prefix);
}

/**
 * Creates the runtime directory of `prefix` when missing and returns it.
 * @throws NicError `NIC_EPERM` or `NIC_EIO` naming the directory when it cannot be made.
 */
export function createRuntimeDir(prefix: string): string {
  const dir = runtimeDir(prefix);
  try {
    mkdirSync(dir, { recursive: true, mode: RUNTIME_DIR_MODE });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new NicError(code === 'EACCES' || code === 'EPERM' ? 'NIC_EPERM' : 'NIC_EIO', `cannot create the runtime directory ${dir}: ${(e as Error).message}`, { cause: e });
  }
  return dir;
}

/**
 * Removes a runtime directory the instance leaves empty (DPDK leaves it; tests that name an
 * instance per run would fill `/var/run/dpdk`). A directory something else still uses stays.
 */
export function removeRuntimeDir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty (another instance's socket, DPDK's own files) or already gone: leave it.
  }
}
