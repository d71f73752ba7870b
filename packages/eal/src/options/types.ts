/**
 * The result of parsing EAL's command line: what each option asked for, validated, with
 * defaults filled in where EAL's defaults do not depend on the machine's memory. Types only.
 */

/** One lcore (EAL thread) and the CPUs its thread may run on. */
export interface LcoreAssignment {
  /** The lcore id, below `MAX_LCORE` (128, DPDK's `RTE_MAX_LCORE`). */
  readonly id: number;
  /** CPU ids the lcore's thread is pinned to, ascending, at least one. */
  readonly cpus: readonly number[];
}

/** How IO virtual addresses are chosen: physical addresses or process virtual addresses. */
export type IovaMode = 'pa' | 'va';

/**
 * One `--log-level` setting. Without `pattern` it sets the global level; with one it sets the
 * level of every logtype the pattern matches, as a shell-style glob (`pmd.net.*:debug`) or,
 * in the older `regex,level` form, a regular expression.
 */
export interface LogLevelSetting {
  /** The logtype pattern; undefined for the global level. */
  readonly pattern?: string;
  /** How `pattern` matches logtype names (`glob` for the global level too). */
  readonly kind: 'glob' | 'regex';
  /** DPDK's numbering: 1 emergency, 2 alert, 3 critical, 4 error, 5 warning, 6 notice, 7 info, 8 debug. */
  readonly level: number;
}

/** Everything EAL's command line says, as {@link parseEalArgs} returns it. */
export interface EalOptions {
  /**
   * The lcores to run, ascending by id (`-l`/`--lcores` or `-c`), on CPUs of the process's
   * affinity set. Default: one lcore per CPU of that set, lcore `n` on CPU `n`.
   */
  readonly lcores: readonly LcoreAssignment[];
  /** The lcore the main thread plays (`--main-lcore`); default the lowest lcore id. */
  readonly mainLcore: number;
  /** Memory channels per socket (`-n`); undefined lets EAL decide. */
  readonly memoryChannels?: number;
  /** Memory to reserve at start, MiB (`-m`); undefined lets EAL pick its default. */
  readonly memoryMb?: number;
  /** Memory to reserve per NUMA socket, MiB, socket 0 first (`--socket-mem`). */
  readonly socketMem?: readonly number[];
  /** `-a`/`--allow` devargs strings as given, in order: only these devices are used. */
  readonly allow: readonly string[];
  /** `-b`/`--block` devargs strings as given, in order: these devices are left alone. */
  readonly block: readonly string[];
  /** `--vdev` devargs strings as given, in order; device names are unique. */
  readonly vdevs: readonly string[];
  /** `--no-pci`: do not scan or use PCI devices. */
  readonly noPci: boolean;
  /** `--no-huge`: back the memory arena with ordinary locked pages instead of hugepages. */
  readonly noHuge: boolean;
  /** `--huge-dir`: the hugetlbfs mount to use; undefined lets EAL find one. */
  readonly hugeDir?: string;
  /** `--file-prefix`: names this instance's runtime files and tells live instances apart. Default `nic`. */
  readonly filePrefix: string;
  /** `--in-memory`: create no shared files on disk (no secondary processes). */
  readonly inMemory: boolean;
  /**
   * Whether the instance serves DPDK's telemetry socket (the default; `--telemetry` asks for
   * it, `--no-telemetry` turns it off).
   */
  readonly telemetry: boolean;
  /** `--iova-mode`; undefined lets EAL choose from the devices and the IOMMU. */
  readonly iovaMode?: IovaMode;
  /** `--log-level` settings, in the order given (later ones win where they overlap). */
  readonly logLevels: readonly LogLevelSetting[];
  /** `-d` values as given: driver packages or paths to load, in order. */
  readonly plugins: readonly string[];
  /** `-v`: report the version at start. */
  readonly version: boolean;
  /** `-h`/`--help`: the user asked for the usage text. */
  readonly help: boolean;
}

/** Facts about the machine that option parsing checks against. */
export interface EalEnvironment {
  /**
   * The CPUs this process may run on: its CPU affinity set (`sched_getaffinity`), at least
   * one, any order. Lcores number from it, and may run on no other CPU.
   */
  readonly cpus: readonly number[];
}

/** What {@link parseEalArgs} returns. */
export interface ParsedEalArgs {
  /**
   * How many leading arguments EAL took, a closing `--` included; `argv.slice(consumed)` are
   * exactly the application's arguments.
   */
  readonly consumed: number;
  readonly options: EalOptions;
}
