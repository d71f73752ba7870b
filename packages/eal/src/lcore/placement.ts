/**
 * Where the process's threads run while an EAL instance is up, as DPDK places them: the
 * main thread on the main lcore's CPUs, and every other thread that exists at init (V8's
 * platform workers, libuv's pool, an inspector...) on the control CPUs, so that none of
 * them takes time from a worker lcore. Worker lcores pin themselves when they start.
 * Cleanup puts each thread it moved back on the CPUs it had.
 */
import { readdirSync } from 'node:fs';
import { getAffinity, gettid, NicError, setAffinity } from '@nic/native';
import type { LcoreConfig } from './lcores.js';

const TASKS = '/proc/self/task';

/**
 * DPDK's control-thread CPUs: the CPUs the process could use at init that no lcore uses,
 * or, when the lcores take them all, the main lcore's.
 * @param allowed the CPUs the calling thread may run on before EAL places it
 */
export function controlCpus(allowed: readonly number[], lcores: readonly LcoreConfig[], main: LcoreConfig): number[] {
  const used = new Set(lcores.flatMap((l) => l.cpus));
  const free = allowed.filter((cpu) => !used.has(cpu));
  return free.length > 0 ? free : [...main.cpus];
}

/** Whether `e` says a thread is gone (it exited between listing and use). */
function gone(e: unknown): boolean {
  return e instanceof NicError && e.code === 'NIC_ENOENT';
}

/** The threads EAL moved and where they were. */
export class ThreadPlacement {
  readonly #saved = new Map<number, number[]>();
  /** The CPUs the calling thread could use before it was pinned. */
  readonly allowed: readonly number[];

  private constructor(allowed: readonly number[]) {
    this.allowed = allowed;
  }

  /**
   * Pins the calling thread (the main lcore) to `main.cpus` and every other thread of the
   * process to the control CPUs. On failure, restores what it moved and throws.
   * @throws NicError `NIC_EINVAL` when the main lcore's CPUs are not available to this process
   */
  static apply(main: LcoreConfig, lcores: readonly LcoreConfig[]): ThreadPlacement {
    const self = gettid();
    const allowed = getAffinity();
    const control = controlCpus(allowed, lcores, main);
    const placement = new ThreadPlacement(allowed);
    try {
      placement.#move(self, main.cpus);
    } catch (e) {
      throw new NicError('NIC_EINVAL', `main lcore ${main.id}: this process cannot run on CPUs ${main.cpus.join(',')} (it may use ${allowed.join(',')})`, { cause: e });
    }
    try {
      for (const name of readdirSync(TASKS)) {
        const tid = Number(name);
        if (tid !== self) placement.#move(tid, control);
      }
    } catch (e) {
      placement.restore();
      throw e;
    }
    return placement;
  }

  /** The threads moved, by kernel thread id, with the CPUs each had before. */
  get moved(): ReadonlyMap<number, readonly number[]> {
    return this.#saved;
  }

  /** Puts every moved thread that still exists back on its former CPUs. */
  restore(): void {
    for (const [tid, cpus] of this.#saved) {
      try {
        setAffinity(cpus, tid);
      } catch (e) {
        if (!gone(e)) throw e;
      }
    }
    this.#saved.clear();
  }

  #move(tid: number, cpus: readonly number[]): void {
    try {
      const before = getAffinity(tid);
      setAffinity(cpus, tid);
      this.#saved.set(tid, before);
    } catch (e) {
      if (!gone(e)) throw e;
    }
  }
}
