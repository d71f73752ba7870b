/**
 * What a modelled device reaches by DMA: the windows of process memory the PCI bus mapped
 * (IOVA → virtual address), as an IOMMU translates them. Windows never overlap and are found
 * by binary search ({@link IovaRanges}); an access that runs from one window into the next
 * IOVA (a buffer across two guest pages a vIOMMU mapped apart) is split between them, as the
 * IOMMU splits it. An access some byte of which no window covers is a fault: counted and
 * described, never thrown at the device's caller.
 */
import { attach, NicError } from '@nic/native';
import type { DmaWindow } from '@nic/pci/driver';
import { IovaRanges } from './iova-ranges.js';

const U32_BYTES = 4;
const TWO_POW_32 = 2 ** 32;

/**
 * Memory mapped once that many windows point into (a vfio-user client's guest RAM): a window
 * given with it is viewed through its buffer, not attached on its own. A `MemoryMapping` is one.
 */
export interface DmaMemory {
  /** Virtual address of the buffer's first byte. */
  readonly address: number;
  readonly buffer: SharedArrayBuffer;
}

interface Views {
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
}

interface MappedWindow extends DmaWindow {
  readonly memory: DmaMemory | undefined;
  /** The views the window is reached through, once touched, and the offset of its first byte in them. */
  views?: Views;
  base: number;
}

/**
 * The longest typed array V8 makes (2^32 elements): a memory larger than this is viewed window
 * by window instead of whole.
 */
const MAX_VIEW_BYTES = 2 ** 32;

/** Views of `length` bytes of a buffer from `offset` (a 4 GiB guest's RAM too: no 32-bit operators on sizes). */
function viewsOf(buffer: SharedArrayBuffer, offset = 0, length = buffer.byteLength): Views {
  return { u8: new Uint8Array(buffer, offset, length), u32: new Uint32Array(buffer, offset, Math.floor(length / U32_BYTES)) };
}

/**
 * The device-visible memory of one or more modelled devices. Windows come from the bus
 * (`dmaMap`/`dmaUnmap` of a PCI backend, a vfio-user client's DMA_MAP) or from tests ({@link map}).
 */
export class DmaSpace {
  readonly #windows = new IovaRanges<MappedWindow>();
  /** Views of every {@link DmaMemory} in use, made once. */
  readonly #memoryViews = new WeakMap<DmaMemory, Views>();
  #faults = 0;
  #lastFault: string | undefined;
  /** The window the last access found (accesses cluster: rings, then their buffers). */
  #last: MappedWindow | undefined;
  /** The views of the window the last access found. */
  #u8: Uint8Array = new Uint8Array(0);
  #u32: Uint32Array = new Uint32Array(0);
  /** The windows of an access that spans several, reused. */
  readonly #span: MappedWindow[] = [];

  /** DMA accesses that hit no window since creation. */
  get faults(): number {
    return this.#faults;
  }

  /** What the last fault was, for messages and tests; undefined before the first. */
  get lastFault(): string | undefined {
    return this.#lastFault;
  }

  /**
   * Lets devices reach `window.length` bytes at `window.vaddr` through `window.iova`. The
   * memory must be mapped by this process through nic: it is viewed through `memory`'s buffer
   * when given (the window must lie inside it), else with `attach`.
   * @throws TypeError for a window that is not three non-negative safe integers (length
   * positive) or lies outside `memory`; NicError `NIC_EEXIST` when it overlaps a window mapped
   * already (as VFIO refuses it).
   */
  map(window: DmaWindow, memory?: DmaMemory): void {
    for (const [what, v] of [['vaddr', window.vaddr], ['iova', window.iova], ['length', window.length]] as const) {
      if (!Number.isSafeInteger(v) || v < 0) throw new TypeError(`DmaSpace.map: ${what} must be a non-negative safe integer`);
    }
    if (window.length === 0) throw new TypeError('DmaSpace.map: length must be positive');
    if (memory !== undefined && (window.vaddr < memory.address || window.vaddr + window.length > memory.address + memory.buffer.byteLength)) {
      throw new TypeError(`DmaSpace.map: the window at 0x${window.vaddr.toString(16)} is outside its memory`);
    }
    const w: MappedWindow = { vaddr: window.vaddr, iova: window.iova, length: window.length, memory, base: 0 };
    if (!this.#windows.add(w)) throw new NicError('NIC_EEXIST', `DmaSpace.map: IOVA 0x${w.iova.toString(16)}+0x${w.length.toString(16)} overlaps a mapped window`);
  }

  /** The windows mapped now, by IOVA. */
  get windows(): readonly DmaWindow[] {
    return this.#windows.all.map((w) => ({ vaddr: w.vaddr, iova: w.iova, length: w.length }));
  }

  /** How many windows are mapped. */
  get windowCount(): number {
    return this.#windows.size;
  }

  /** Forgets every window. */
  clear(): void {
    this.#windows.clear();
    this.#forget();
  }

  /** Forgets the window that starts at `iova`; returns whether there was one. */
  unmap(iova: number): boolean {
    const w = this.#windows.at(iova);
    if (w === undefined || w.iova !== iova) return false;
    this.#windows.remove(w);
    this.#forget();
    return true;
  }

  /** The IOVA of a 64-bit address given as two dwords; NaN (unreachable) beyond 2^53. */
  static address(lo: number, hi: number): number {
    const iova = hi * TWO_POW_32 + lo;
    return Number.isSafeInteger(iova) ? iova : Number.NaN;
  }

  /** Copies `length` bytes at `iova` into `out[outAt ..]`; false (and a fault) when unreachable. */
  read(iova: number, out: Uint8Array, outAt: number, length: number, what: string, queue = -1, index = -1): boolean {
    const at = this.#locate(iova, length);
    if (at >= 0) {
      out.set(this.#u8.subarray(at, at + length), outAt);
      return true;
    }
    if (!this.#spans(iova, length)) return this.#fault(iova, length, what, queue, index);
    let done = 0;
    for (const w of this.#span) {
      const from = this.#viewed(w) + Math.max(0, iova - w.iova);
      const n = Math.min(length - done, w.length - Math.max(0, iova - w.iova));
      out.set(this.#u8.subarray(from, from + n), outAt + done);
      done += n;
    }
    return true;
  }

  /** Copies `data` to `iova`; false (and a fault) when unreachable. */
  write(iova: number, data: Uint8Array, what: string, queue = -1, index = -1): boolean {
    const at = this.#locate(iova, data.length);
    if (at >= 0) {
      this.#u8.set(data, at);
      return true;
    }
    if (!this.#spans(iova, data.length)) return this.#fault(iova, data.length, what, queue, index);
    let done = 0;
    for (const w of this.#span) {
      const from = this.#viewed(w) + Math.max(0, iova - w.iova);
      const n = Math.min(data.length - done, w.length - Math.max(0, iova - w.iova));
      this.#u8.set(data.subarray(done, done + n), from);
      done += n;
    }
    return true;
  }

  /**
   * Reads `out.length` little-endian dwords at `iova` (4-byte aligned, inside one window: a
   * descriptor never crosses a page) into `out`; false (and a fault) when unreachable.
   */
  readDwords(iova: number, out: Uint32Array, what: string, queue = -1, index = -1): boolean {
    const at = this.#locate(iova, out.length * U32_BYTES);
    if (at < 0) return this.#fault(iova, out.length * U32_BYTES, what, queue, index);
    const first = Math.floor(at / U32_BYTES);
    for (let i = 0; i < out.length; i++) out[i] = Atomics.load(this.#u32, first + i);
    return true;
  }

  /**
   * Writes `values` as little-endian dwords at `iova` (4-byte aligned, inside one window), in
   * order, each with a sequentially consistent store: a poller on another thread that sees the
   * last dword (the descriptor's status) sees the ones before it. False (and a fault) when
   * unreachable.
   */
  writeDwords(iova: number, values: Uint32Array, what: string, queue = -1, index = -1): boolean {
    const at = this.#locate(iova, values.length * U32_BYTES);
    if (at < 0) return this.#fault(iova, values.length * U32_BYTES, what, queue, index);
    const first = Math.floor(at / U32_BYTES);
    for (let i = 0; i < values.length; i++) Atomics.store(this.#u32, first + i, values[i]);
    return true;
  }

  /**
   * The offset of `iova` in the views (left in `#u8`/`#u32`) of the one window holding all
   * `length` bytes; -1 when no single window does.
   */
  #locate(iova: number, length: number): number {
    let w = this.#last;
    if (w === undefined || !(iova >= w.iova && iova + length <= w.iova + w.length)) {
      if (!Number.isSafeInteger(iova)) return -1;
      w = this.#windows.at(iova);
      if (w === undefined || iova + length > w.iova + w.length) return -1;
      this.#last = w;
    }
    return this.#viewed(w) + (iova - w.iova);
  }

  /**
   * Whether `length` bytes at `iova` lie in windows that follow each other in IOVA without a
   * gap; they are left in `#span`.
   */
  #spans(iova: number, length: number): boolean {
    this.#span.length = 0;
    if (!Number.isSafeInteger(iova) || !Number.isSafeInteger(length)) return false;
    for (let at = iova; at < iova + length; ) {
      const w = this.#windows.at(at);
      if (w === undefined) return false;
      this.#span.push(w);
      at = w.iova + w.length;
    }
    return true;
  }

  /** Makes `w`'s views current; returns the offset of its first byte in them. */
  #viewed(w: MappedWindow): number {
    if (w.views === undefined) {
      if (w.memory === undefined) {
        w.views = viewsOf(attach(w.vaddr, w.length));
      } else if (w.memory.buffer.byteLength > MAX_VIEW_BYTES) {
        w.views = viewsOf(w.memory.buffer, w.vaddr - w.memory.address, w.length);
      } else {
        let views = this.#memoryViews.get(w.memory);
        if (views === undefined) {
          views = viewsOf(w.memory.buffer);
          this.#memoryViews.set(w.memory, views);
        }
        w.views = views;
        w.base = w.vaddr - w.memory.address;
      }
    }
    this.#u8 = w.views.u8;
    this.#u32 = w.views.u32;
    return w.base;
  }

  #fault(iova: number, length: number, what: string, queue: number, index: number): false {
    this.#faults++;
    const where = queue < 0 ? what : `${what} of queue ${queue}, descriptor ${index}`;
    this.#lastFault = `${where}: ${length} bytes at IOVA 0x${iova.toString(16)} are in no DMA window`;
    return false;
  }

  /** Drops the last-access cache (its window may be gone). */
  #forget(): void {
    this.#last = undefined;
    this.#u8 = new Uint8Array(0);
    this.#u32 = new Uint32Array(0);
  }
}
