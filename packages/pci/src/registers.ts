/**
 * 32-bit register access to a memory BAR. Drivers program their device through this
 * contract so that the same driver code runs against a mapped BAR and against a device
 * model in @nic/test-kit, whose registers have side effects (clear-on-read, self-clearing
 * bits, doorbells) that plain memory cannot have.
 */

/** Reads and writes of 32-bit registers at byte offsets into one BAR. */
export interface PciRegisters {
  /** The register at byte `offset` (a multiple of 4). */
  read32(offset: number): number;
  /** Writes `value` (as an unsigned 32-bit number) to the register at byte `offset`. */
  write32(offset: number, value: number): void;
}

/**
 * Registers of a BAR mapped into this process: each access is one load or store through a
 * `Uint32Array` over the mapping. x86 keeps stores in program order (TSO) and uncached
 * MMIO stores are not combined, so a doorbell written after descriptor stores reaches the
 * device after them without a fence.
 */
export class MmioRegisters implements PciNarrowRegisters {
  /** The BAR as 32-bit words. */
  readonly u32: Uint32Array;
  readonly #u16: Uint16Array;
  readonly #u8: Uint8Array;

  constructor(u32: Uint32Array) {
    this.u32 = u32;
    this.#u16 = new Uint16Array(u32.buffer, u32.byteOffset, u32.length * 2);
    this.#u8 = new Uint8Array(u32.buffer, u32.byteOffset, u32.byteLength);
  }

  read8(offset: number): number {
    return this.#u8[offset];
  }

  write8(offset: number, value: number): void {
    this.#u8[offset] = value;
  }

  read16(offset: number): number {
    return this.#u16[offset >>> 1];
  }

  write16(offset: number, value: number): void {
    this.#u16[offset >>> 1] = value;
  }

  read32(offset: number): number {
    return this.u32[offset >>> 2];
  }

  write32(offset: number, value: number): void {
    this.u32[offset >>> 2] = value;
  }
}

/**
 * Registers that can also be read and written 8 and 16 bits wide, as virtio's common
 * configuration must be (a wider access there would also write the neighbouring field).
 */
export interface PciNarrowRegisters extends PciRegisters {
  read8(offset: number): number;
  write8(offset: number, value: number): void;
  read16(offset: number): number;
  write16(offset: number, value: number): void;
}

/** Whether `regs` offers 8- and 16-bit access. */
export function hasNarrowAccess(regs: PciRegisters): regs is PciNarrowRegisters {
  const r = regs as Partial<PciNarrowRegisters>;
  return typeof r.read8 === 'function' && typeof r.write8 === 'function' && typeof r.read16 === 'function' && typeof r.write16 === 'function';
}
