/**
 * Argument fuzzing of every function the addon exports (issue 23): generated argument lists
 * (wrong types, NaN, infinities, negative and huge numbers, detached and aliased buffers,
 * arrays whose getters detach buffers, closed and reused fds) in a child process
 * (`__fixtures__/fuzz/fuzz-child.mjs`, in its own network namespace), where a call may only
 * return or throw a TypeError or a NicError, a throw must leave the fds as they were, and a
 * crash, a hang (the child's watchdog names the call) or a sanitizer report fails the run.
 * `npm test` runs a short seeded pass; `npm run fuzz -w @nic/native` runs NIC_FUZZ_RUNS
 * (100 000) calls per export, in two children at once. `npm test`'s sanitizer stage
 * (scripts/test-sanitized.mjs) runs the short pass against the sanitizer build.
 */
import { describe, it } from 'vitest';
import { fuzzEveryExport } from './__fixtures__/fuzz/runner.js';
import { fuzz } from './testing/fuzz.js';

/** Calls per export in `npm test`: about 3 700 in all, a few seconds. */
const FUZZ_TEST_CALLS = 50;
/** Children at once in a long run: one per core of the CI machine. */
const PARALLEL = 2;
/**
 * `npm run fuzz`: no time limit. 10 000 calls per export (730 000) took 7 minutes in two
 * children on the shared two-core machine at load 35; 100 000 take about ten times that.
 */
const LONG_RUN = process.env['NIC_FUZZ_RUNS'] !== undefined;

describe('addon argument fuzzing', () => {
  it('every export answers generated arguments with a result, a TypeError or a NicError, and leaks no fd', async () => {
    await fuzz(
      'addon exports',
      ({ numRuns, seed }) => fuzzEveryExport(numRuns, seed, numRuns === FUZZ_TEST_CALLS ? 1 : PARALLEL),
      FUZZ_TEST_CALLS,
    );
  }, LONG_RUN ? 0 : 600_000);
});
