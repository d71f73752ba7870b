/**
 * Lcores for test instances that hold on any host: the ids tests name (0, 1, ...) placed on
 * the CPUs the process may run on, whichever those are.
 */
import { lcoresOnCpus, processCpus } from '@nic/eal';

/** Options that choose lcores; arguments holding one of them get no default lcores. */
const LCORE_OPTIONS: readonly string[] = ['-l', '-c', '--lcores'];

/**
 * `-l` and its value for `count` lcores, ids 0 to `count - 1`, on the CPUs of this process's
 * affinity set, round again from the first when there are fewer CPUs than lcores: `-l 0@0,1@1`
 * on CPUs 0-1, `-l 0@1,1@1` under `taskset -c 1`.
 */
export function lcoreArgs(count = 1): string[] {
  return ['-l', lcoresOnCpus(count, processCpus())];
}

/** `args` with {@link lcoreArgs}`(1)` first, unless `args` choose lcores themselves (`-l`, `-c`, `--lcores`). */
export function withDefaultLcores(args: readonly string[]): string[] {
  return args.some((a) => LCORE_OPTIONS.includes(a)) ? [...args] : [...lcoreArgs(1), ...args];
}
