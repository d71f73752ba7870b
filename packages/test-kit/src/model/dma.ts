/**
 * What a modelled device reaches by DMA: the windows of process memory the PCI bus mapped
 * (IOVA → virtual address), each viewed once through `attach`. An access no single window
 * covers is a fault: counted and described, never thrown at the device's caller.
 */
import { attach } from '@nic/native';
import type { DmaWindow } from '@nic/pci/driver';

const U32_BYTES = 4;
const U32_SHIFT = 2;
const TWO_POW_32 = 2 ** 32;

interface MappedWindow extends DmaWindow {
  u8?: Uint8Array;
  u32?: Uint32Array;
}


/**
 * The device-visible memory of one or more modelled devices. Windows come from the bus
 * (`dmaMap`/`dmaUnmap` of a PCI backend) or from tests ({@link map}).
 */
export class DmaSpace {
  readonly #windows: MappedWindow[] = [];
  #faults = 0;
  #lastFault: string | undefined;
  /** The views of the window the last access found. */
  #u8: Uint8Array = new Uint8Array(0);
  #u32: Uint32Array = new Uint32Array(0);

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
   * memory must be mapped by this process through nic (it is viewed with `attach`).
   * @throws TypeError for a window that is not three non-negative safe integers.
   */
  map(window: DmaWindow): void {
    for (const [what, v] of [['vaddr', window.vaddr], ['iova', window.iova], ['length', window.length]] as const) {
      if (!Number.isSafeInteger(v) || v < 0) throw new TypeError(`DmaSpace.map: ${what} must be a non-negative safe integer`);
    }
    this.#windows.push({ vaddr: window.vaddr, iova: window.iova, length: window.length });
  }

  /** The windows mapped now, in mapping order. */
  get windows(): readonly DmaWindow[] {
    return this.#windows.map((w) => ({ vaddr: w.vaddr, iova: w.iova, length: w.length }));
  }

  /** Forgets every window. */
  clear(): void {
    this.#windows.length = 0;
  }

  /** Forgets the window at `iova`; returns whether there was one. */
  unmap(iova: number): boolean {
    const at = this.#windows.findIndex((w) => w.iova === iova);
    if (at >= 0) this.#windows.splice(at, 1);
    return at >= 0;
  }

  /** The IOVA of a 64-bit address given as two dwords; NaN (unreachable) beyond 2^53. */
  static address(lo: number, hi: number): number {
    const iova = hi * TWO_POW_32 + lo;
    return Number.isSafeInteger(iova) ? iova : Number.NaN;
  }

  /** Copies `length` bytes at `iova` into `out[outAt ..]`; false (and a fault) when unreachable. */
  read(iova: number, out: Uint8Array, outAt: number, length: number, what: string, queue = -1, index = -1): boolean {
    const at = this.#locate(iova, length, what, queue, index);
    if (at < 0) return false;
    out.set(this.#u8.subarray(at, at + length), outAt);
    return true;
  }

  /** Copies `data` to `iova`; false (and a fault) when unreachable. */
  write(iova: number, data: Uint8Array, what: string, queue = -1, index = -1): boolean {
    const at = this.#locate(iova, data.length, what, queue, index);
    if (at < 0) return false;
    this.#u8.set(data, at);
    return true;
  }

  /**
   * Reads `out.length` little-endian dwords at `iova` (4-byte aligned) into `out`; false
   * (and a fault) when unreachable.
   */
  readDwords(iova: number, out: Uint32Array, what: string, queue = -1, index = -1): boolean {
    const at = this.#locate(iova, out.length * U32_BYTES, what, queue, index);
    if (at < 0) return false;
    const first = at >>> U32_SHIFT;
    for (let i = 0; i < out.length; i++) out[i] = Atomics.load(this.#u32, first + i);
    return true;
  }

  /**
   * Writes `values` as little-endian dwords at `iova` (4-byte aligned), in order, each with
   * a sequentially consistent store: a poller on another thread that sees the last dword
   * (the descriptor's status) sees the ones before it. False (and a fault) when unreachable.
   */
  writeDwords(iova: number, values: Uint32Array, what: string, queue = -1, index = -1): boolean {
    const at = this.#locate(iova, values.length * U32_BYTES, what, queue, index);
    if (at < 0) return false;
    const first = at >>> U32_SHIFT;
    for (let i = 0; i < values.length; i++) Atomics.store(this.#u32, first + i, values[i]);
    return true;
  }

  /**
   * The byte offset of `iova` in the window that holds all `length` bytes, whose views it
   * leaves in `#u8`/`#u32`; -1 (and a fault) when none does.
   */
  #locate(iova: number, length: number, what: string, queue: number, index: number): number {
    let w: MappedWindow | undefined;
    if (Number.isSafeInteger(iova)) {
      for (const x of this.#windows) {
        if (iova >= x.iova && iova + length <= x.iova + x.length) {
          w = x;
          break;
        }
      }
    }
    if (!w) {
      this.#faults++;
      const where = queue < 0 ? what : `${what} of queue ${queue}, descriptor ${index}`;
      this.#lastFault = `${where}: ${length} bytes at IOVA 0x${iova.toString(16)} are in no DMA window`;
      return -1;
    }
    if (!w.u8 || !w.u32) {
      const buffer = attach(w.vaddr, w.length);
      w.u8 = new Uint8Array(buffer);
      w.u32 = new Uint32Array(buffer, 0, w.length >>> U32_SHIFT);
    }
    this.#u8 = w.u8;
    this.#u32 = w.u32;
    return iova - w.iova;
  }
}
