/**
 * The arena: the one large block of shared memory EAL reserves at init. Everything on the
 * data path (memzones, rings, mempools, mbufs, descriptor rings) is an integer byte offset
 * into it, read and written through the typed-array views below, which every thread
 * (lcore) builds once over the same `SharedArrayBuffer`. The arena also lies inside a shared
 * `WebAssembly.Memory`, so per-packet loops written in WebAssembly reach it with plain loads
 * and stores (see {@link wasmKernel}).
 */
import { NicError } from '@nic/native';

/** How the arena maps offsets to device-visible (IOVA) addresses. */
export interface IovaMap {
  /** `'pa'`: physical addresses per page; `'va'`: the virtual address is the IOVA. */
  readonly mode: 'pa' | 'va';
  /** Virtual address of offset 0. */
  readonly baseAddress: number;
  /** Size of the pages `pagePhys` describes (the hugepage size). */
  readonly pageSize: number;
  /** Physical address of each page, for `'pa'`. */
  readonly pagePhys?: Float64Array;
}

/** A run of the arena that is contiguous in IOVA space. */
export interface IovaWindow {
  /** Virtual address of the run's first byte. */
  readonly vaddr: number;
  /** Its device-visible address. */
  readonly iova: number;
  /** Bytes. */
  length: number;
}

/** Where the arena lies in WebAssembly's address space. */
export interface WasmPlacement {
  /** A shared memory holding the arena. */
  readonly memory: SharedWasmMemory;
  /** Byte address in {@link WasmPlacement.memory} of arena offset 0. */
  readonly base: number;
}

/** What another thread needs to rebuild an identical {@link Arena} (post it to a worker). */
export interface ArenaHandle {
  /** The arena's bytes from offset 0 (it may run past the arena's end). */
  readonly buffer: SharedArrayBuffer;
  /** Bytes of the arena. Default: the buffer's length. */
  readonly size?: number;
  readonly iova: IovaMap;
  readonly wasm: WasmPlacement;
}

/** Bytes in a WebAssembly page. */
export const WASM_PAGE_SIZE = 65536;

/**
 * A shared `WebAssembly.Memory` (one made with `shared: true`), whose buffer is a
 * `SharedArrayBuffer` any thread can be given. It is described by its shape, not as
 * `WebAssembly.Memory`, so that the published types check in a Node.js project: TypeScript
 * declares the `WebAssembly` global only in its DOM library, and `@types/node` 20 not at all.
 */
export interface SharedWasmMemory {
  readonly buffer: SharedArrayBuffer;
  /** Adds `pages` WebAssembly pages; returns the old size in pages. RangeError past the maximum. */
  grow(pages: number): number;
}

/** Most WebAssembly pages a 32-bit memory holds: 4 GiB. */
export const WASM_MAX_PAGES = 65536;

/**
 * A shared WebAssembly memory of at least `bytes` bytes, which may grow to 4 GiB: the room
 * past the arena takes guest memory windows ({@link GuestWindows}). Growth costs nothing
 * until used: V8 reserves the address space of a shared memory's maximum when it makes it.
 */
export function sharedWasmMemory(bytes: number): SharedWasmMemory {
  const pages = Math.ceil(bytes / WASM_PAGE_SIZE);
  return new WebAssembly.Memory({ initial: pages, maximum: WASM_MAX_PAGES, shared: true }) as SharedWasmMemory;
}

/** Views over the arena's shared memory, and IOVA translation. */
export class Arena {
  readonly buffer: SharedArrayBuffer;
  readonly size: number;
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly dv: DataView;
  /** The WebAssembly memory the arena lies in, and where (see {@link wasmKernel}). */
  readonly wasm: WasmPlacement;
  readonly #iova: IovaMap;

  /** @throws NicError `NIC_EINVAL` when the size is not a positive integer within the buffer */
  constructor(handle: ArenaHandle) {
    this.buffer = handle.buffer;
    this.size = handle.size ?? handle.buffer.byteLength;
    if (!(Number.isSafeInteger(this.size) && this.size > 0 && this.size <= handle.buffer.byteLength)) {
      throw new NicError('NIC_EINVAL', `arena size ${this.size} does not fit its ${handle.buffer.byteLength}-byte buffer`);
    }
    this.u8 = new Uint8Array(this.buffer, 0, this.size);
    this.u16 = new Uint16Array(this.buffer, 0, this.size >>> 1);
    this.u32 = new Uint32Array(this.buffer, 0, this.size >>> 2);
    this.i32 = new Int32Array(this.buffer, 0, this.size >>> 2);
    this.dv = new DataView(this.buffer, 0, this.size);
    this.wasm = handle.wasm;
    this.#iova = handle.iova;
  }

  /**
   * An arena over a fresh shared WebAssembly memory, with IOVA = offset unless `iova` says
   * otherwise. For tests and for code that needs no device DMA; EAL's own arena comes from
   * hugepages or locked memory.
   */
  static anonymous(size: number, iova: IovaMap = { mode: 'va', baseAddress: 0, pageSize: size }): Arena {
    const memory = sharedWasmMemory(size);
    return new Arena({ buffer: memory.buffer, size, iova, wasm: { memory, base: 0 } });
  }

  /** What to post to a worker so it can `new Arena(handle)` over the same memory. */
  handle(): ArenaHandle {
    return { buffer: this.buffer, size: this.size, iova: this.#iova, wasm: this.wasm };
  }

  /** The IOVA mode in force. */
  get iovaMode(): 'pa' | 'va' {
    return this.#iova.mode;
  }

  /** Virtual address of `offset` (0-based for anonymous arenas). */
  address(offset: number): number {
    return this.#iova.baseAddress + offset;
  }

  /** The device-visible address of `offset`; an offset outside the arena is `NIC_EINVAL`. */
  iova(offset: number): number {
    if (!(offset >= 0 && offset < this.size)) throw new NicError('NIC_EINVAL', `arena offset ${offset} is outside the arena (size ${this.size})`);
    const map = this.#iova;
    if (map.mode === 'va' || !map.pagePhys) return map.baseAddress + offset;
    const page = Math.floor(offset / map.pageSize);
    return map.pagePhys[page] + (offset - page * map.pageSize);
  }

  /**
   * The arena as IOVA-contiguous runs, for mapping it into an IOMMU: one window in VA mode,
   * one per run of physically adjacent pages in PA mode.
   */
  iovaWindows(): IovaWindow[] {
    const map = this.#iova;
    if (map.mode === 'va' || !map.pagePhys) return [{ vaddr: map.baseAddress, iova: map.baseAddress, length: this.size }];
    const windows: IovaWindow[] = [];
    const ps = map.pageSize;
    for (let page = 0; page * ps < this.size; page++) {
      const last = windows[windows.length - 1];
      const iova = map.pagePhys[page];
      if (last && last.iova + last.length === iova) last.length += ps;
      else windows.push({ vaddr: map.baseAddress + page * ps, iova, length: ps });
    }
    return windows;
  }

  /** Whether `[offset, offset + length)` lies inside one page, so it is IOVA-contiguous in PA mode. */
  iovaContiguous(offset: number, length: number): boolean {
    if (this.#iova.mode === 'va') return true;
    const ps = this.#iova.pageSize;
    return Math.floor(offset / ps) === Math.floor((offset + length - 1) / ps);
  }
}
