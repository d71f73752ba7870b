import { addon, type RawRegion } from './addon.js';
import type {} from './webassembly.js';

/**
 * Memory mapped by this process through nic, seen as a `SharedArrayBuffer`.
 *
 * The buffer can be posted to worker threads and used with `Atomics` (including
 * `Atomics.wait`); every thread sees the same bytes. The pages are released when
 * {@link MemoryMapping.unmap} is called or, failing that, once every buffer over them (in any
 * thread, attached ones included) has been garbage-collected.
 */
export interface MemoryMapping {
  /** The memory. After {@link MemoryMapping.unmap} it reads as zeros and writes go nowhere. */
  readonly buffer: SharedArrayBuffer;
  /** Virtual address of the first byte, for {@link attach}, virt-to-phys and VFIO DMA maps. */
  readonly address: number;
  /** Bytes mapped (rounded up to whole pages for allocations). */
  readonly length: number;
  /** Size of the pages backing the mapping: the system page size, or the hugepage size. */
  readonly pageSize: number;
  /** Byte offset of the mapping inside the buffer it was placed `within` (see {@link Placement}); -1 when not placed. */
  readonly hostOffset: number;
  /** False once {@link MemoryMapping.unmap} has run. */
  readonly mapped: boolean;
  /**
   * Releases the pages now (the file mapping, the hugepages) without waiting for garbage
   * collection. Views stay safe to touch: they see zeroed private memory, never a fault.
   * @throws NicError `NIC_EINVAL` when the mapping was unmapped already, `NIC_EBUSY` while a
   * device holds it through `vfioIommuMapDma`.
   */
  unmap(): void;
}

/** Options of {@link mapFile} and {@link mapFd}. */
export interface MapOptions {
  /** Byte offset in the file; a multiple of {@link pageSize}. Default 0. */
  offset?: number;
  /** Bytes to map. Default: from `offset` to the end of the file (regular files only). */
  length?: number;
  /**
   * `true`: a shared read-write mapping; stores reach the file and every other mapping of it.
   * `false` (default): the file is opened and mapped so that it is never modified. Stores into
   * the buffer stay private to this process instead of faulting; pages never stored to keep
   * showing the file's current content.
   */
  writable?: boolean;
}

/** The public handle over a raw region; subclasses add what their allocator reports. */
export class Mapping implements MemoryMapping {
  readonly buffer: SharedArrayBuffer;
  readonly address: number;
  readonly length: number;
  readonly pageSize: number;
  readonly hostOffset: number;
  readonly #id: number;
  #mapped = true;

  constructor(raw: RawRegion, pageSize: number) {
    this.buffer = raw.buffer;
    this.address = raw.address;
    this.length = raw.length;
    this.pageSize = pageSize;
    this.hostOffset = raw.hostOffset;
    this.#id = raw.id;
  }

  get mapped(): boolean {
    return this.#mapped;
  }

  unmap(): void {
    addon.unmap(this.#id);
    this.#mapped = false;
  }
}

/** The size in bytes of an ordinary page of this machine. */
export function pageSize(): number {
  return addon.pageSize();
}

/**
 * Maps a file. The range must lie inside a regular file (a page past its end would fault);
 * device files need an explicit `length`. The file is opened non-blocking, so a FIFO is
 * refused at once (`NIC_EINVAL` without a length, `NIC_ENODEV` with one) instead of waiting
 * for a writer. The size is checked once: a file another process truncates afterwards raises
 * SIGBUS when the lost pages are touched (share memfds sealed against shrinking instead).
 * @throws NicError naming the path: `NIC_ENOENT`, `NIC_EPERM`, `NIC_EINVAL` (a path holding a
 * NUL, offset not page-aligned, range past the end of the file, empty range), `NIC_ENOMEM`.
 */
export function mapFile(path: string, options: MapOptions = {}): MemoryMapping {
  return new Mapping(addon.mapFile(path, options.offset ?? 0, options.length, options.writable ?? false), pageSize());
}

/**
 * Maps a range of an open file descriptor (a memfd, a vhost-user memory region, a device).
 * The descriptor may be closed afterwards; the mapping stays. As with {@link mapFile}, a file
 * that whoever else holds the fd can shrink is a SIGBUS risk; a memfd sealed with
 * `F_SEAL_SHRINK` is not.
 * With `within` the mapping is placed inside that buffer (see {@link Placement}), from byte
 * `at` of it (a multiple of {@link pageSize}; default: its first page boundary), taking whole
 * pages: a window of another process's memory (a vhost-user guest's RAM) inside the arena's
 * `WebAssembly.Memory`, where WebAssembly kernels reach it. The rules of {@link Placement}
 * hold: one live placement per range, the buffer's memory held while the mapping lives, and
 * zeroed pages put back when it is released.
 * @throws NicError as {@link mapFile}; a closed fd is `NIC_EINVAL` with errno `EBADF`; with
 * `within`: `NIC_EINVAL` for an `at` off a page boundary or a range past the buffer's end,
 * `NIC_EBUSY` when the range holds a live placement; TypeError when `within` is not a
 * SharedArrayBuffer.
 */
export function mapFd(fd: number, options: FdMapOptions = {}): MemoryMapping {
  const { offset = 0, length, writable = false, within, at } = options;
  return new Mapping(addon.mapFd(fd, offset, length, writable, within, at), pageSize());
}

/**
 * Where an allocation goes, when not at an address the kernel chooses: `within` a
 * `SharedArrayBuffer` (a shared `WebAssembly.Memory`'s buffer, so that WebAssembly code
 * reaches the memory), from the buffer's first boundary of the allocation's page size. The
 * new pages replace the buffer's own there; releasing the mapping (unmap, or its last view
 * collected) puts zeroed ordinary pages back, and the buffer's owner frees the range. The
 * mapping holds the buffer's memory until then, so its views never outlive their addresses.
 * One live placement per buffer range: a second is `NIC_EBUSY`. A buffer mapped through nic
 * (a mapping's `buffer`) cannot be a host (`NIC_EINVAL`).
 */
export interface Placement {
  /** The buffer to allocate inside. It needs the length plus up to one page of alignment. */
  readonly within?: SharedArrayBuffer;
}

/** Options of {@link mapFd}: a file range, and optionally where in a buffer to place it. */
export interface FdMapOptions extends MapOptions, Placement {
  /** Byte of `within` where the mapping starts: a multiple of {@link pageSize}. Default: the first page boundary. */
  readonly at?: number;
}

/**
 * Allocates zeroed anonymous memory, faulted in and locked with `mlock` so it is never
 * swapped (the `--no-huge` arena). The length is rounded up to whole pages.
 * @throws NicError `NIC_ENOMEM` or `NIC_EPERM` when it cannot be locked (the message gives
 * RLIMIT_MEMLOCK), `NIC_EINVAL` for a zero length or a `within` buffer without room or
 * mapped through nic, `NIC_EBUSY` when `within` holds a live placement already;
 * TypeError when `within` is not a SharedArrayBuffer.
 */
export function allocAnonymous(length: number, options: Placement = {}): MemoryMapping {
  return new Mapping(addon.allocAnonymous(length, options.within), pageSize());
}

/**
 * Another `SharedArrayBuffer` over memory this process mapped through nic: how a worker
 * thread that was given an address (not the buffer) views the same bytes. The range must
 * lie inside one live mapping; the view keeps the pages mapped until it is collected.
 * @throws NicError `NIC_EINVAL` when the range is not inside a live mapping.
 */
export function attach(address: number, length: number): SharedArrayBuffer {
  return addon.attach(address, length);
}

/**
 * The physical address behind a virtual address inside a live nic mapping (through
 * `/proc/self/pagemap`). The page must be resident; nic's allocations always are.
 * @throws NicError `NIC_EPERM` when the kernel hides frame numbers (no CAP_SYS_ADMIN),
 * `NIC_EINVAL` when the address is outside live nic memory or its page is not resident.
 */
export function virtToPhys(address: number): number {
  return addon.virtToPhys(address);
}

/**
 * Bulk {@link virtToPhys}: fills `out[i]` with the physical address of `address + i * stride`
 * for every element of `out`, in one call. With `stride` equal to the hugepage size this
 * gives one entry per hugepage. Returns `out`.
 * @throws NicError as {@link virtToPhys}, for the first address that fails.
 */
export function virtToPhysRange(address: number, stride: number, out: Float64Array): Float64Array {
  addon.virtToPhysRange(address, stride, out);
  return out;
}
