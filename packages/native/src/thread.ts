import { addon } from './addon.js';

/**
 * Pins the calling thread (the main thread or this worker, not the process) to `cpus`.
 * @throws NicError `NIC_EINVAL` for an empty list, a CPU number out of range, or CPUs that
 * are all offline or outside this process's cpuset.
 */
export function setAffinity(cpus: readonly number[]): void {
  addon.setAffinity(cpus);
}

/** The CPUs the calling thread may run on, ascending. */
export function getAffinity(): number[] {
  return addon.getAffinity();
}

/**
 * Names the calling thread (seen in `top -H`, `ps -L`, /proc/<pid>/task/<tid>/comm). Naming
 * the main thread renames the process in those tools too.
 * @throws NicError `NIC_EINVAL` for a name longer than 15 bytes.
 */
export function setThreadName(name: string): void {
  addon.setThreadName(name);
}

/** The calling thread's name. */
export function getThreadName(): string {
  return addon.getThreadName();
}

/** The kernel's id of the calling thread (equal to `process.pid` on the main thread). */
export function gettid(): number {
  return addon.gettid();
}

/** CPU time used by the calling thread so far, in nanoseconds (CLOCK_THREAD_CPUTIME_ID). */
export function threadCpuTimeNs(): number {
  return addon.threadCpuTimeNs();
}
