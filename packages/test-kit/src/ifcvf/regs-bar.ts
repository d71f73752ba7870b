/**
 * One register BAR of a model whose registers are accessed 8, 16 and 32 bits wide (virtio's
 * common configuration): every access goes to the model's handlers, the storage only backs
 * the plain views a backend hands out.
 */
import type { PciNarrowRegisters } from '@nic/pci/driver';
import type { ModelBarAccess } from '../model/pci-model.js';

/** An access of `width` bytes at `offset`. */
export interface BarHandlers {
  read(offset: number, width: 1 | 2 | 4): number;
  write(offset: number, width: 1 | 2 | 4, value: number): void;
}

const WIDTH_MASK = { 1: 0xff, 2: 0xffff, 4: 0xffffffff } as const;

/** A BAR of `size` bytes whose accesses go to `handlers`; reads past the end read all ones. */
export class HandlerBar implements PciNarrowRegisters, ModelBarAccess {
  readonly buffer: SharedArrayBuffer;
  readonly u32: Uint32Array;
  readonly #handlers: BarHandlers;
  readonly #size: number;

  constructor(size: number, handlers: BarHandlers) {
    this.buffer = new SharedArrayBuffer(size);
    this.u32 = new Uint32Array(this.buffer);
    this.#size = size;
    this.#handlers = handlers;
  }

  get regs(): PciNarrowRegisters {
    return this;
  }

  read8(offset: number): number {
    return this.#read(offset, 1);
  }

  read16(offset: number): number {
    return this.#read(offset, 2);
  }

  read32(offset: number): number {
    return this.#read(offset, 4);
  }

  write8(offset: number, value: number): void {
    this.#write(offset, 1, value);
  }

  write16(offset: number, value: number): void {
    this.#write(offset, 2, value);
  }

  write32(offset: number, value: number): void {
    this.#write(offset, 4, value);
  }

  #inside(offset: number, width: number): boolean {
    return Number.isInteger(offset) && offset >= 0 && offset + width <= this.#size && offset % width === 0;
  }

  #read(offset: number, width: 1 | 2 | 4): number {
    if (!this.#inside(offset, width)) return WIDTH_MASK[width] >>> 0;
    return (this.#handlers.read(offset, width) & WIDTH_MASK[width]) >>> 0;
  }

  #write(offset: number, width: 1 | 2 | 4, value: number): void {
    if (this.#inside(offset, width)) this.#handlers.write(offset, width, (value & WIDTH_MASK[width]) >>> 0);
  }
}

/**
 * Handlers for a block of 32-bit registers, given as what one register reads and takes. A
 * narrower access touches only its bytes of the register that holds it: a read returns them
 * (a driver's compiler may load just the half of a register it uses: DPDK's IFCVF driver reads
 * the upper 16 bits of a live-migration ring state with a 16-bit load at offset + 2), and a
 * write merges them into the register's current value.
 */
export function dwordRegisters(read: (offset: number) => number, write: (offset: number, value: number) => void): BarHandlers {
  const shift = (offset: number): number => (offset & 3) * 8;
  return {
    read: (offset, width) => (width === 4 ? read(offset) : read(offset & ~3) >>> shift(offset)),
    write(offset, width, value) {
      if (width === 4) return write(offset, value);
      const mask = (WIDTH_MASK[width] << shift(offset)) >>> 0;
      write(offset & ~3, ((read(offset & ~3) & ~mask) | (value << shift(offset))) >>> 0);
    },
  };
}
