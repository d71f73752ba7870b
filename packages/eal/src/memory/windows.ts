/**
 * Guest memory windows: another process's memory (a vhost-user guest's RAM, shared as an fd
 * at an offset) mapped inside the arena's WebAssembly memory, past the arena, so that
 * WebAssembly kernels copy between mbufs and guest buffers with plain loads and stores. The
 * memory grows by whole WebAssembly pages for a window that fits in no freed one; a closed
 * window's range goes back to the list (its pages zeroed) for the next.
 */
import { mapFd, NicError, type MemoryMapping } from '@nic/native';
import { WASM_PAGE_SIZE, type SharedWasmMemory } from './arena.js';

/** A window: the bytes of `length` at memory byte `base`. */
export interface GuestWindow {
  /** Byte address of the window in the memory (what a kernel adds to a guest offset). */
  readonly base: number;
  readonly length: number;
  /** The mapping behind it (its `buffer` views the same bytes from JavaScript). */
  readonly mapping: MemoryMapping;
  /** Unmaps the window (idempotent); its range takes the next window. */
  close(): void;
}

/** What {@link GuestWindows.map} maps: `length` bytes of the fd from `offset` (page-aligned). */
export interface GuestWindowOptions {
  readonly offset?: number;
  readonly length: number;
  /** Default true: stores reach the file (and the guest). */
  readonly writable?: boolean;
}

/** The windows of one memory (the arena's `wasm.memory`); make one per memory, on one thread. */
export class GuestWindows {
  readonly #memory: SharedWasmMemory;
  /** Free ranges past the arena, [base, length], by base. */
  readonly #free: Array<[number, number]> = [];

  constructor(memory: SharedWasmMemory) {
    this.#memory = memory;
  }

  /**
   * Maps a window of `fd`. The fd may be closed afterwards.
   * @throws NicError as `mapFd` (`NIC_EINVAL` for a range past the file or an unaligned
   * offset); `NIC_ENOMEM` when the memory cannot grow by the window (4 GiB in all).
   */
  map(fd: number, options: GuestWindowOptions): GuestWindow {
    const { offset = 0, length, writable = true } = options;
    if (!Number.isSafeInteger(length) || length <= 0) throw new NicError('NIC_EINVAL', `guest window: length ${length} is not a positive integer`);
    const span = Math.ceil(length / WASM_PAGE_SIZE) * WASM_PAGE_SIZE;
    const base = this.#take(span);
    let mapping: MemoryMapping;
    try {
      mapping = mapFd(fd, { offset, length, writable, within: this.#memory.buffer, at: base });
    } catch (e) {
      this.#give(base, span);
      throw e;
    }
    let open = true;
    return {
      base,
      length,
      mapping,
      close: () => {
        if (!open) return;
        open = false;
        mapping.unmap();
        this.#give(base, span);
      },
    };
  }

  /** A free range of `span` bytes: the first freed one that fits, or new pages. */
  #take(span: number): number {
    const k = this.#free.findIndex(([, length]) => length >= span);
    if (k >= 0) {
      const [base, length] = this.#free[k]!;
      if (length === span) this.#free.splice(k, 1);
      else this.#free[k] = [base + span, length - span];
      return base;
    }
    // grow() gives the old size: the new pages are this window's even when another thread
    // grows the memory too (as the vhost kernels' records do).
    try {
      return this.#memory.grow(span / WASM_PAGE_SIZE) * WASM_PAGE_SIZE;
    } catch (e) {
      throw new NicError('NIC_ENOMEM', `guest window: the memory (${this.#memory.buffer.byteLength} bytes) cannot grow by ${span} bytes to hold it (4 GiB at most)`, { cause: e });
    }
  }

  /** Puts a range back, merged with its free neighbours. */
  #give(base: number, span: number): void {
    this.#free.push([base, span]);
    this.#free.sort((x, y) => x[0] - y[0]);
    for (let k = this.#free.length - 1; k > 0; k--) {
      const [prev, prevLength] = this.#free[k - 1]!;
      const [next, nextLength] = this.#free[k]!;
      if (prev + prevLength === next) this.#free.splice(k - 1, 2, [prev, prevLength + nextLength]);
    }
  }
}
