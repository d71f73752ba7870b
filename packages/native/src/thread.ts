import { addon } from './addon.js';

/**
 * Pins one thread (not the process) to `cpus`: the calling thread, or thread `tid` of this
 * process (an entry of /proc/self/task; `gettid()` in that thread).
 * @throws NicError `NIC_EINVAL` for an empty list, a CPU number out of range, or CPUs that
 * are all offline or outside this process's cpuset; `NIC_ENOENT` when `tid` is not (or no
 * longer) a thread of this process.
 */
export function setAffinity(cpus: readonly number[], tid?: number): void {
  addon.setAffinity(cpus, tid);
}

/**
 * The CPUs a thread may run on, ascending: the calling thread's, or thread `tid`'s of this
 * process.
 * @throws NicError `NIC_ENOENT` when `tid` is not (or no longer) a thread of this process.
 */
export function getAffinity(tid?: number): number[] {
  return addon.getAffinity(tid);
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
