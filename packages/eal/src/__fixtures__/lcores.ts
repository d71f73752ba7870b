/**
 * `-l` values for EAL's own tests that hold on any host: lcores 0 to `count - 1` on the CPUs
 * this process may run on (test-kit's `lcoreArgs`, which EAL's tests cannot import).
 */
import { processCpus } from '../eal.js';
import { lcoresOnCpus } from '../options/lcores.js';

/** An `-l` value for `count` lcores on this process's CPUs (`0@1,1@1` under `taskset -c 1`). */
export function testLcores(count = 1): string {
  return lcoresOnCpus(count, processCpus());
}
