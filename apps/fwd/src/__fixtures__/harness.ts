/** What the tests of nic-fwd share: EAL instances of their own, waiting on conditions, the built CLI. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { init, type Eal } from '@nic/eal';
import type { LcoreReport } from '../lcore.js';

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

/**
 * Most the used heap may grow while forwarding: what the JIT may still add (type feedback,
 * code, a late optimisation) in a loop that allocates nothing per packet. Seen up to 297 KB
 * with no collection on a loaded machine. Every run here makes at least 62 500 bursts per
 * stream, so one 16-byte object per burst would add at least 1 MB on one stream alone.
 */
const HEAP_SLACK = 1024 * 1024;

/**
 * Every forwarding lcore ran no collection and ended with the heap it started with, within
 * `slack` bytes ({@link HEAP_SLACK} unless a caller's run needs another bound).
 */
export function expectNoAllocation(report: { readonly lcores: readonly Pick<LcoreReport, 'lcore' | 'gcs' | 'heapBefore' | 'heapAfter'>[] }, slack = HEAP_SLACK): void {
  expect(report.lcores.length).toBeGreaterThan(0);
  for (const l of report.lcores) {
    expect({ lcore: l.lcore, gcs: l.gcs }).toEqual({ lcore: l.lcore, gcs: 0 });
    expect(l.heapAfter - l.heapBefore, `lcore ${l.lcore}: heap ${l.heapBefore} -> ${l.heapAfter}`).toBeLessThan(slack);
  }
}
