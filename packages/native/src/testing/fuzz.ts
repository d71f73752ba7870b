/**
 * The settings fuzz targets share. Each target is a fast-check property (fast-check is a
 * devDependency of the repository) in a `*.fuzz.test.ts` file, run through {@link fuzz}:
 * `npm test` runs a short pass with a fixed seed, so a failure there reproduces; `npm run fuzz`
 * sets `NIC_FUZZ_RUNS` (100 000 per target) and gets a fresh seed unless `NIC_FUZZ_SEED` is set.
 * Every target prints how many inputs it ran and its seed.
 */
import { NicError } from '../error.js';

/** Inputs per target in `npm test`. */
export const FUZZ_TEST_RUNS = 200;
/** The seed of `npm test`'s pass. */
export const FUZZ_TEST_SEED = 0x6e6963;

/** What fast-check's `assert` takes: how many inputs, from which seed. */
export interface FuzzSettings {
  readonly numRuns: number;
  readonly seed: number;
}

/** How many inputs, and from which seed, a target runs in this process. */
export function fuzzSettings(testRuns = FUZZ_TEST_RUNS): FuzzSettings {
  const runs = process.env.NIC_FUZZ_RUNS;
  if (runs === undefined) return { numRuns: testRuns, seed: FUZZ_TEST_SEED };
  const seed = process.env.NIC_FUZZ_SEED;
  return { numRuns: Number(runs), seed: seed === undefined ? (Date.now() ^ (Math.random() * 0x7fffffff)) >>> 1 : Number(seed) };
}

/**
 * Runs fuzz target `name`: `check` runs the property with the settings it is given
 * (`(s) => fc.assert(property, s)`); then the count of inputs and the seed are printed.
 * `testRuns` lowers `npm test`'s count for a target whose inputs are costly.
 */
export async function fuzz(name: string, check: (settings: FuzzSettings) => void | Promise<void>, testRuns?: number): Promise<void> {
  const settings = fuzzSettings(testRuns);
  const started = performance.now();
  await check(settings);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`fuzz ${name}: ${settings.numRuns} inputs, seed ${settings.seed}, ${seconds} s`);
}

/**
 * Runs `parse` on outside input: its value, or undefined when it refused the input with a
 * `NicError` (a clear refusal). Anything else it throws (TypeError, RangeError, ...) is a
 * crash, and is thrown on.
 */
export function parsedOrRefused<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch (e) {
    if (e instanceof NicError) return undefined;
    throw e;
  }
}
