/**
 * The fuzz targets' shared settings. Each target is a fast-check property in a
 * `*.fuzz.test.ts` file: `npm test` runs a short pass with a fixed seed, so a failure there
 * reproduces; `npm run fuzz` (`NIC_FUZZ_RUNS`, 100 000 by default, and a fresh seed unless
 * `NIC_FUZZ_SEED` is set) runs many more inputs. Every target prints how many inputs it ran
 * and its seed.
 */
import fc from 'fast-check';

/** Inputs per target in `npm test`. */
export const FUZZ_TEST_RUNS = 200;
/** The seed of `npm test`'s pass. */
export const FUZZ_TEST_SEED = 0x6e6963;

/** How many inputs, and with which seed, a target runs in this process. */
export function fuzzSettings(testRuns = FUZZ_TEST_RUNS): { numRuns: number; seed: number } {
  const runs = process.env.NIC_FUZZ_RUNS;
  if (runs === undefined) return { numRuns: testRuns, seed: FUZZ_TEST_SEED };
  const seed = process.env.NIC_FUZZ_SEED;
  return { numRuns: Number(runs), seed: seed === undefined ? Date.now() ^ (Math.random() * 0x100000000) : Number(seed) };
}

/**
 * Runs `property` as fuzz target `name` and prints the count of inputs and the seed.
 * `testRuns` lowers `npm test`'s count for a target whose inputs are costly.
 * @throws the shrunk counterexample, as fast-check reports it
 */
export async function fuzz<T>(name: string, property: fc.IProperty<T> | fc.IAsyncProperty<T>, testRuns?: number): Promise<void> {
  const settings = fuzzSettings(testRuns);
  const started = performance.now();
  await fc.assert(property, settings);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`fuzz ${name}: ${settings.numRuns} inputs, seed ${settings.seed}, ${seconds} s`);
}
