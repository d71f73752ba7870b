/**
 * EAL's memory stage: reserve the arena (hugepages by default, locked ordinary pages with
 * `--no-huge`) and work out how devices address it (IOVA as physical or virtual addresses).
 */
import {
  allocAnonymous,
  allocHugepages,
  defaultHugepageSize,
  hugepagePool,
  hugetlbfsMounts,
  NicError,
  pageSize as systemPageSize,
  virtToPhysRange,
  type HugepageMapping,
  type MemoryMapping,
} from '@nic/native';
import { Arena, sharedWasmMemory, type IovaMap } from './memory/arena.js';
import type { EalOptions } from './options/types.js';

/** Arena size when neither `-m` nor `--socket-mem` says, MiB. */
export const DEFAULT_MEMORY_MB = 128;
const MIB = 1024 * 1024;
/**
 * Largest arena, MiB. Handles are arena offsets, and V8 keeps integers below 2^30 as small
 * integers on every path; larger offsets can be boxed into heap numbers, which would
 * allocate on the per-packet path.
 */
export const MAX_MEMORY_MB = 1024;

/** The arena of an instance and the mapping behind it. */
export interface EalMemory {
  readonly arena: Arena;
  readonly mapping: MemoryMapping;
  /** `'hugetlbfs'`, `'memfd'` or `'anonymous'` (`--no-huge`). */
  readonly source: string;
}

/** Bytes the options ask for. */
export function requestedBytes(options: EalOptions): number {
  const mb = options.memoryMb ?? options.socketMem?.reduce((a, b) => a + b, 0) ?? DEFAULT_MEMORY_MB;
  if (mb > MAX_MEMORY_MB) {
    throw new NicError('NIC_EINVAL', `-m ${mb}: the arena is limited to ${MAX_MEMORY_MB} MiB (mbuf handles must stay small integers)`);
  }
  return mb * MIB;
}

function hugepageSizeFor(options: EalOptions): number {
  if (options.hugeDir === undefined) return defaultHugepageSize();
  const mount = hugetlbfsMounts().find((m) => m.path === options.hugeDir);
  if (!mount) throw new NicError('NIC_EINVAL', `--huge-dir ${options.hugeDir}: not a hugetlbfs mount (see /proc/mounts)`);
  return mount.pageSize;
}

function reserveHugepages(options: EalOptions, bytes: number, size: number, within: SharedArrayBuffer): HugepageMapping {
  const pool = size > 0 ? hugepagePool(size) : undefined;
  const pages = Math.ceil(bytes / Math.max(size, 1));
  if (!pool || pool.free - pool.reserved < pages) {
    const knob = pool ? `${pool.sysfsDir}/nr_hugepages` : '/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages';
    const free = pool ? pool.free - pool.reserved : 0;
    throw new NicError(
      'NIC_ENOMEM',
      `cannot reserve ${bytes / MIB} MiB of hugepages: need ${pages} pages of ${size / 1024} kB, ${free} free ` +
        `(short by ${pages - free}); reserve more with 'echo ${(pool?.total ?? 0) + pages - free} > ${knob}' ` +
        'or run with --no-huge',
    );
  }
  return allocHugepages(bytes, { pageSize: size, dir: options.hugeDir, within });
}

/** Physical addresses of every page, or undefined when the kernel hides them (VA mode then). */
function physicalPages(mapping: MemoryMapping): Float64Array | undefined {
  try {
    return virtToPhysRange(mapping.address, mapping.pageSize, new Float64Array(mapping.length / mapping.pageSize));
  } catch (e) {
    if (e instanceof NicError && e.code === 'NIC_EPERM') return undefined;
    throw e;
  }
}

/**
 * Reserves the arena the options ask for, inside a shared WebAssembly memory one page larger
 * (the pages go from its first page boundary). IOVA mode: `--iova-mode` if given (PA needs
 * hugepages and visible frame numbers, else `NIC_EINVAL` / `NIC_EPERM`); otherwise PA for
 * hugepages whose frame numbers are visible, VA for the rest. `--no-huge` is always VA, as in
 * DPDK: ordinary pages, locked or not, may be migrated by the kernel, so their frames are no
 * addresses to give a device; and in VA mode the arena is one IOVA-contiguous window, so a
 * descriptor ring of any size is contiguous for the device, where 4 KiB frames would split it.
 */
export function reserveMemory(options: EalOptions): EalMemory {
  if (options.noHuge && options.iovaMode === 'pa') {
    throw new NicError('NIC_EINVAL', '--iova-mode pa with --no-huge: ordinary pages have no fixed physical address to give a device (use hugepages, or --iova-mode va)');
  }
  const bytes = requestedBytes(options);
  const hugepageSize = options.noHuge ? 0 : hugepageSizeFor(options);
  const align = hugepageSize > 0 ? hugepageSize : systemPageSize();
  const memory = sharedWasmMemory(Math.ceil(bytes / align) * align + align);
  const huge = options.noHuge ? undefined : reserveHugepages(options, bytes, hugepageSize, memory.buffer);
  const mapping = huge ?? allocAnonymous(bytes, { within: memory.buffer });
  try {
    const wantVa = options.iovaMode === 'va' || options.noHuge;
    const phys = wantVa ? undefined : physicalPages(mapping);
    if (options.iovaMode === 'pa' && !phys) {
      throw new NicError('NIC_EPERM', '--iova-mode pa: physical addresses are hidden from this process (run as root, or use --iova-mode va)');
    }
    const iova: IovaMap = phys
      ? { mode: 'pa', baseAddress: mapping.address, pageSize: mapping.pageSize, pagePhys: phys }
      : { mode: 'va', baseAddress: mapping.address, pageSize: mapping.pageSize || systemPageSize() };
    const source = huge?.method ?? 'anonymous';
    const wasm = { memory, base: mapping.hostOffset };
    return { arena: new Arena({ buffer: mapping.buffer, iova, wasm }), mapping, source };
  } catch (e) {
    mapping.unmap();
    throw e;
  }
}
