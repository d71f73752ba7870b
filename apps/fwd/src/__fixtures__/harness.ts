/** What the tests of nic-fwd share: EAL instances of their own, waiting on conditions, the built CLI. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { init, type Eal } from '@nic/eal';

/** The built CLI (`npm test` builds first; worker lcores load dist too). */
export const CLI = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
/** Whether the CLI is built. */
export const BUILT = existsSync(CLI);
/** How often {@link until} looks. */
const POLL_MS = 10;

let instances = 0;

/** An EAL instance with its own file prefix, no hugepages, no PCI, and `args`. */
export async function testEal(tag: string, args: readonly string[]): Promise<Eal> {
  const { eal } = await init(['--no-pci', '--no-huge', '-m', '128', '--file-prefix', `fwd-${tag}-${process.pid}-${instances++}`, ...args]);
  return eal;
}

/** Resolves once `condition` holds, looking every `pollMs`; rejects naming `what` after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what: string, pollMs = POLL_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
