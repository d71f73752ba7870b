/**
 * The addon built with AddressSanitizer and UndefinedBehaviorSanitizer (scripts/build-asan.mjs:
 * gcc, the sources and flags of binding.gyp, `-fno-sanitize-recover=all`), loaded by the
 * review's safety children and the short argument-fuzzing pass through NIC_ADDON, in a Node
 * that preloads gcc's ASan runtime (the addon is dlopen'ed into an uninstrumented node, and
 * ASan must come first). Any report ends its child with a non-zero status and the report on
 * stderr, which fails the test. Leak detection is off: Node itself leaves memory to the exit.
 */
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { runChild } from './__fixtures__/child.js';
import { fuzzEveryExport } from './__fixtures__/fuzz/runner.js';
import { SAFETY_CASES, runSafetyChild } from './__fixtures__/safety/cases.js';
import { FUZZ_TEST_SEED } from './testing/fuzz.js';

/** Calls per export under the sanitizers: as many as `npm test`'s pass, from the same seed. */
const SANITIZED_CALLS = 50;
const BUILD = fileURLToPath(new URL('../scripts/build-asan.mjs', import.meta.url));

let env: NodeJS.ProcessEnv = {};

beforeAll(async () => {
  // Incremental: only sources newer than their objects are compiled (about 30 s of CPU from scratch).
  const { stdout } = await promisify(execFile)(process.execPath, [BUILD], { encoding: 'utf8' });
  const addon = stdout.trim().split('\n').at(-1) ?? '';
  const runtime = execFileSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
  env = {
    ...process.env,
    NIC_ADDON: addon,
    LD_PRELOAD: runtime,
    ASAN_OPTIONS: 'detect_leaks=0',
    UBSAN_OPTIONS: 'print_stacktrace=1',
  };
}, 1_200_000);

describe('the addon under ASan and UBSan', () => {
  it('children load the sanitized addon with the ASan runtime', async () => {
    const probe = `const maps = require('node:fs').readFileSync('/proc/self/maps', 'utf8');
      require(process.env.NIC_ADDON);
      const now = require('node:fs').readFileSync('/proc/self/maps', 'utf8');
      console.log(JSON.stringify({ runtime: maps.includes('libasan.so'), addon: now.includes(process.env.NIC_ADDON) }));`;
    const r = await runChild(process.execPath, ['-e', probe], env, 60_000);
    expect({ code: r.code, stderr: r.stderr, seen: r.seen }).toEqual({ code: 0, stderr: '', seen: { runtime: true, addon: true } });
  });

  it.each(SAFETY_CASES)('$title', async (safetyCase) => {
    const r = await runSafetyChild(safetyCase, env);
    expect({ code: r.code, signal: r.signal, stderr: r.stderr, seen: r.seen }).toEqual({ code: 0, signal: null, stderr: '', seen: safetyCase.expected });
  });

  it('argument fuzzing of every export finds nothing to report', async () => {
    await fuzzEveryExport(SANITIZED_CALLS, FUZZ_TEST_SEED, 1, env);
  }, 600_000);
});
