// Runs fuzz-child.mjs in its own network namespace and checks what it reports. Used by
// addon.fuzz.test.ts (against the sanitizer build too, in `npm test`'s sanitizer stage).
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { runChild } from '../child.js';

const CHILD = fileURLToPath(new URL('./fuzz-child.mjs', import.meta.url));
const ADDON = fileURLToPath(new URL('../../../build/Release/nic_native.node', import.meta.url));

interface Summary {
  readonly exports: string[];
  readonly calls: number;
  readonly failures: string[];
}

/** The names of the functions of the addon the children load (NIC_ADDON, or the build from source). */
function exportedFunctions(env: NodeJS.ProcessEnv): string[] {
  const addon = createRequire(import.meta.url)(env['NIC_ADDON'] ?? ADDON) as Record<string, unknown>;
  return Object.keys(addon).filter((k) => typeof addon[k] === 'function');
}

/**
 * Fuzzes every export with `runs` calls each from `seed`, in `parallel` children (each a
 * share of the exports), and asserts that every child ended cleanly (exit 0, nothing on
 * stderr: no watchdog or sanitizer report) with no failure, and that together they called
 * every export `runs` times.
 */
export async function fuzzEveryExport(runs: number, seed: number, parallel: number, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // Each child in a directory of its own: generated paths are relative to it (unixListen
  // makes socket files, mapFile opens whatever a path names).
  const dirs = Array.from({ length: parallel }, () => mkdtempSync(join(tmpdir(), 'nic-native-fuzz-')));
  const results = await Promise.all(
    dirs.map((dir, part) =>
      runChild('unshare', ['--net', process.execPath, '--expose-gc', CHILD, String(runs), String(seed), `${part}/${parallel}`], env, 0, dir),
    ),
  );
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  const summaries = results.map((r) => r.seen as Summary | undefined);
  for (const [k, r] of results.entries()) {
    expect({ code: r.code, signal: r.signal, stderr: r.stderr, failures: summaries[k]?.failures }).toEqual({
      code: 0,
      signal: null,
      stderr: '',
      failures: [],
    });
  }
  const names = summaries.flatMap((s) => s?.exports ?? []);
  expect(names.sort()).toEqual(exportedFunctions(env).sort());
  expect(summaries.reduce((n, s) => n + (s?.calls ?? 0), 0)).toBe(names.length * runs);
}
