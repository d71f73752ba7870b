import { readdirSync, readFileSync } from 'node:fs';
import { addon, type RawHugepageRegion } from './addon.js';
import { NicError } from './error.js';
import { Mapping, type MemoryMapping, type Placement } from './memory.js';

/** 2 MiB, the x86-64 default hugepage size. */
export const HUGEPAGE_2M = 2 * 1024 * 1024;
/** 1 GiB, the x86-64 gigantic page size. */
export const HUGEPAGE_1G = 1024 * 1024 * 1024;

const SYSFS_HUGEPAGES = '/sys/kernel/mm/hugepages';

/** The hugepage pool of one page size, from `/sys/kernel/mm/hugepages/hugepages-<kB>kB/`. */
export interface HugepagePool {
  /** Page size in bytes. */
  readonly pageSize: number;
  /** `nr_hugepages`: pages in the pool. */
  readonly total: number;
  /** `free_hugepages`: pages not faulted in by anyone. */
  readonly free: number;
  /** `resv_hugepages`: free pages already promised to existing mappings. */
  readonly reserved: number;
  /** `surplus_hugepages`: pages above `nr_hugepages`, from overcommit. */
  readonly surplus: number;
  /** The sysfs directory; write `nr_hugepages` there to grow or shrink the pool. */
  readonly sysfsDir: string;
}

/** A mounted hugetlbfs. */
export interface HugetlbfsMount {
  readonly path: string;
  /** Page size in bytes (`pagesize=` option, else the default hugepage size). */
  readonly pageSize: number;
}

/** How {@link allocHugepages} obtains pages. */
export type HugepageMethod = 'hugetlbfs' | 'memfd';

/** Options of {@link allocHugepages}. */
export interface HugepageOptions extends Placement {
  /** Hugepage size in bytes. Default: {@link defaultHugepageSize}. */
  pageSize?: number;
  /**
   * `'hugetlbfs'`: a file in a hugetlbfs mount of that page size; `'memfd'`: `memfd_create`
   * with `MFD_HUGETLB`, no mount needed. Default: hugetlbfs when such a mount exists, else memfd.
   */
  method?: HugepageMethod;
  /** The hugetlbfs mount to create the backing file in (EAL's `--huge-dir`); implies `'hugetlbfs'`. */
  dir?: string;
  /** Keep the backing file descriptor open and return it in `fd` (to share the memory with
   * another process, e.g. a vhost-user peer). Default false: it is closed. A memfd is sealed
   * (`F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL`), so no holder of the fd can change its size
   * and turn a touch of this mapping into a SIGBUS; a hugetlbfs file cannot be sealed, so a
   * peer given that fd must be trusted not to truncate it. */
  keepFd?: boolean;
}

/** Memory from {@link allocHugepages}. */
export interface HugepageMapping extends MemoryMapping {
  readonly method: HugepageMethod;
  /** The backing fd when `keepFd` was set (the caller closes it), else -1. */
  readonly fd: number;
}

class HugepageRegion extends Mapping implements HugepageMapping {
  readonly method: HugepageMethod;
  readonly fd: number;

  constructor(raw: RawHugepageRegion, pageSize: number) {
    super(raw, pageSize);
    this.method = raw.method;
    this.fd = raw.fd;
  }
}

function readCounter(dir: string, name: string): number {
  return Number(readFileSync(`${dir}/${name}`, 'utf8').trim());
}

/**
 * The hugepage pools this kernel offers, one per page size, smallest first. Empty when the
 * kernel has no hugetlb support.
 */
export function hugepagePools(): HugepagePool[] {
  let names: string[];
  try {
    names = readdirSync(SYSFS_HUGEPAGES);
  } catch {
    return [];
  }
  const pools: HugepagePool[] = [];
  for (const name of names) {
    const match = /^hugepages-(\d+)kB$/.exec(name);
    if (!match) continue;
    const sysfsDir = `${SYSFS_HUGEPAGES}/${name}`;
    pools.push({
      pageSize: Number(match[1]) * 1024,
      total: readCounter(sysfsDir, 'nr_hugepages'),
      free: readCounter(sysfsDir, 'free_hugepages'),
      reserved: readCounter(sysfsDir, 'resv_hugepages'),
      surplus: readCounter(sysfsDir, 'surplus_hugepages'),
      sysfsDir,
    });
  }
  return pools.sort((a, b) => a.pageSize - b.pageSize);
}

/** The pool of one page size, or undefined when the kernel does not offer that size. */
export function hugepagePool(pageSize: number): HugepagePool | undefined {
  return hugepagePools().find((pool) => pool.pageSize === pageSize);
}

/** The default hugepage size (`Hugepagesize:` of `/proc/meminfo`), or 0 without hugetlb. */
export function defaultHugepageSize(): number {
  return parseDefaultHugepageSize(readFileSync('/proc/meminfo', 'utf8'));
}

/** The `Hugepagesize:` of a `/proc/meminfo` text in bytes, 0 when absent. */
export function parseDefaultHugepageSize(meminfo: string): number {
  const match = /^Hugepagesize:\s+(\d+)\s*kB/m.exec(meminfo);
  return match ? Number(match[1]) * 1024 : 0;
}

const SIZE_SUFFIX: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Decodes the octal escapes (`\040` for a space) that /proc/mounts uses in paths. */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The hugetlbfs mounts listed in a `/proc/mounts` text. */
export function parseHugetlbfsMounts(mounts: string, defaultPageSize: number): HugetlbfsMount[] {
  const found: HugetlbfsMount[] = [];
  for (const line of mounts.split('\n')) {
    const [, path, type, options] = line.split(' ');
    if (type !== 'hugetlbfs' || path === undefined) continue;
    let pageSize = defaultPageSize;
    for (const option of (options ?? '').split(',')) {
      const match = /^pagesize=(\d+)([kKmMgG]?)$/.exec(option);
      if (match) pageSize = Number(match[1]) * SIZE_SUFFIX[match[2].toLowerCase()];
    }
    found.push({ path: unescapeMountPath(path), pageSize });
  }
  return found;
}

/** The hugetlbfs mounts of this system (`/proc/mounts`). */
export function hugetlbfsMounts(): HugetlbfsMount[] {
  return parseHugetlbfsMounts(readFileSync('/proc/mounts', 'utf8'), defaultHugepageSize());
}

/**
 * Allocates hugepage memory: physically contiguous inside each page, never swapped, zeroed,
 * faulted in. The length is rounded up to whole pages. Pages come from the pool of their
 * size, which someone must have filled (`nr_hugepages` in the pool's sysfs directory).
 * @throws NicError `NIC_ENOMEM` when the pool has too few free pages (the message names the
 * shortfall and the sysfs knob), `NIC_ENOTSUP` for a page size the kernel does not offer,
 * `NIC_ENOENT` for `method: 'hugetlbfs'` without a mount of that size, `NIC_EPERM` (syscall
 * `unlink`) when the hugetlbfs file cannot be removed once open (the message names the file,
 * which keeps its pages until someone removes it).
 */
export function allocHugepages(length: number, options: HugepageOptions = {}): HugepageMapping {
  const pageSize = options.pageSize ?? defaultHugepageSize();
  if (typeof pageSize !== 'number') throw new TypeError('allocHugepages pageSize must be a number');
  if (hugepagePool(pageSize) === undefined) {
    throw new NicError(
      'NIC_ENOTSUP',
      `hugepages of ${pageSize} bytes are not offered by this kernel (no ${SYSFS_HUGEPAGES}/hugepages-${pageSize / 1024}kB)`,
    );
  }
  let dir = '';
  if (options.dir !== undefined) {
    const mount = hugetlbfsMounts().find((m) => m.path === options.dir);
    if (!mount) throw new NicError('NIC_EINVAL', `${options.dir} is not a hugetlbfs mount (see /proc/mounts)`);
    if (mount.pageSize !== pageSize) {
      throw new NicError('NIC_EINVAL', `${options.dir} holds ${mount.pageSize / 1024} kB pages, not ${pageSize / 1024} kB`);
    }
    dir = mount.path;
  } else if (options.method !== 'memfd') {
    const mount = hugetlbfsMounts().find((m) => m.pageSize === pageSize);
    if (mount) dir = mount.path;
    else if (options.method === 'hugetlbfs') {
      throw new NicError(
        'NIC_ENOENT',
        `no hugetlbfs mount with pagesize=${pageSize / 1024}k in /proc/mounts (mount -t hugetlbfs -o pagesize=${pageSize / 1024}k nodev <dir>)`,
      );
    }
  }
  return new HugepageRegion(addon.allocHugepages(length, pageSize, dir, options.keepFd ?? false, options.within), pageSize);
}
