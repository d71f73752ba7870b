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
export class MmioRegisters implements PciRegisters {
  /** The BAR as 32-bit words. */
  readonly u32: Uint32Array;

  constructor(u32: Uint32Array) {
    this.u32 = u32;
  }

  read32(offset: number): number {
    return this.u32[offset >>> 2];
  }

  write32(offset: number, value: number): void {
    this.u32[offset >>> 2] = value;
  }
}
