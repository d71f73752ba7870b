/**
 * A device opened for userspace I/O: its mapped BARs, its interrupt facts and, under VFIO,
 * its config region. The UIO/sysfs and VFIO paths each produce one.
 */
import type { MemoryMapping } from '@nic/native';
import type { PciConfigSpace } from './config.js';
import type { PciDmaContainer } from './dma-container.js';
import type { PciIntrInfo } from './intr-info.js';
import { MmioRegisters, type PciRegisters } from './registers.js';
import type { PciBar } from './resource.js';

/** How a device's BARs are reached. */
export type PciMapMethod = 'vfio' | 'uio' | 'sysfs';

/** One mapped BAR. */
export interface PciBarMapping {
  /** BAR number. */
  readonly index: number;
  /** The BAR's memory, shared between threads. */
  readonly buffer: SharedArrayBuffer;
  /** 32-bit register view over the whole BAR (`u32[reg >> 2]`). */
  readonly u32: Uint32Array;
  /** Register access; what drivers should use, so that device models can stand in. */
  readonly regs: PciRegisters;
  /**
   * The mapping's virtual address, for another thread to view the same BAR with
   * `attach(address, length)`; undefined for a device model, whose registers only exist
   * on the thread that opened it.
   */
  readonly address: number | undefined;
  /** Bytes mapped (the BAR's size). */
  readonly length: number;
  /** The BAR's bus address. */
  readonly phys: number;
}

/** The userspace side of one opened device. */
export interface PciResources {
  readonly method: PciMapMethod;
  /** Interrupt facts; undefined when the path gives no interrupts (sysfs mapping). */
  readonly intr: PciIntrInfo | undefined;
  /** The VFIO config region; undefined when the sysfs `config` file is the way in. */
  readonly config: PciConfigSpace | undefined;
  /** The device's own DMA domain, when it was opened into a private container. */
  readonly dma?: PciDmaContainer;
  /** Maps one memory BAR (a fresh mapping each call; the device caches it). */
  mapBar(bar: PciBar): PciBarMapping;
  /** Unmaps `mapping` (its views then read zeros). */
  unmapBar(mapping: PciBarMapping): void;
  /** Closes every fd the path opened. Mappings must be unmapped first. */
  close(): void;
}

/**
 * The BAR mappings of one opened device, whichever path mapped them: builds the public
 * {@link PciBarMapping} over a native mapping and unmaps it again.
 */
export class BarMappings {
  readonly #all = new Map<PciBarMapping, MemoryMapping>();

  /** Records `memory` as BAR `index` at bus address `phys`, and returns its public view. */
  add(index: number, memory: MemoryMapping, length: number, phys: number): PciBarMapping {
    const u32 = new Uint32Array(memory.buffer);
    const mapping: PciBarMapping = { index, buffer: memory.buffer, u32, regs: new MmioRegisters(u32), address: memory.address, length, phys };
    this.#all.set(mapping, memory);
    return mapping;
  }

  /** Unmaps one mapping made by {@link add}; others are ignored. */
  unmap(mapping: PciBarMapping): void {
    this.#all.get(mapping)?.unmap();
    this.#all.delete(mapping);
  }
}
