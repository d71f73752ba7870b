/**
 * The MDIO master of the 82599/X540 as MSCA and MSRWD present it, clause 45 only: an
 * address cycle latches a register address per (PHY address, MMD), a write cycle writes
 * MSRWD's write data there, a read cycle (or read with post-increment) puts the register
 * in MSRWD's read data. Commands complete at once (MDI_COMMAND reads back clear). Reads
 * from an address no PHY answers return all ones; clause 22 commands find nothing.
 */
import {
  MSCA_ADDR_CYCLE,
  MSCA_DEV_TYPE_MASK,
  MSCA_DEV_TYPE_SHIFT,
  MSCA_MDI_COMMAND,
  MSCA_NP_ADDR_MASK,
  MSCA_OP_CODE_MASK,
  MSCA_PHY_ADDR_MASK,
  MSCA_PHY_ADDR_SHIFT,
  MSCA_READ_AUTOINC,
  MSCA_ST_CODE_MASK,
  MSCA_WRITE,
  MSRWD_READ_DATA_SHIFT,
  MSRWD_WRITE_DATA_MASK,
} from './regs.js';

/** A clause 45 PHY on the bus. */
export interface MdioDevice {
  read(mmd: number, reg: number): number;
  write(mmd: number, reg: number, value: number): void;
}

const NO_DEVICE = 0xffff;
const ADDRESS_MASK = 0xffff;
const MMD_SHIFT = 5;

/** One MDIO bus with at most one PHY. */
export class MdioBus {
  /** Latched register addresses by (PHY address, MMD). */
  readonly #latched = new Map<number, number>();
  #device: MdioDevice | undefined;
  #address = 0;

  /** Puts `device` at MDIO address `address` (undefined: an empty bus). */
  attach(address: number, device: MdioDevice | undefined): void {
    this.#address = address;
    this.#device = device;
    this.#latched.clear();
  }

  /**
   * Runs the command written to MSCA, with `msrwd` the current MSRWD. Returns the new MSCA
   * (MDI_COMMAND clear) and MSRWD (read data filled in after a read).
   */
  command(msca: number, msrwd: number): [msca: number, msrwd: number] {
    if ((msca & MSCA_MDI_COMMAND) === 0) return [msca, msrwd];
    const done = (msca & ~MSCA_MDI_COMMAND) >>> 0;
    const phy = (msca & MSCA_PHY_ADDR_MASK) >>> MSCA_PHY_ADDR_SHIFT;
    const mmd = (msca & MSCA_DEV_TYPE_MASK) >>> MSCA_DEV_TYPE_SHIFT;
    const slot = (phy << MMD_SHIFT) | mmd;
    const device = (msca & MSCA_ST_CODE_MASK) === 0 && phy === this.#address ? this.#device : undefined;
    const op = msca & MSCA_OP_CODE_MASK;
    if (op === MSCA_ADDR_CYCLE) {
      this.#latched.set(slot, msca & MSCA_NP_ADDR_MASK);
      return [done, msrwd];
    }
    const reg = this.#latched.get(slot) ?? 0;
    if (op === MSCA_WRITE) {
      device?.write(mmd, reg, msrwd & MSRWD_WRITE_DATA_MASK);
      return [done, msrwd];
    }
    // A read, or a read with post-increment.
    const data = device ? device.read(mmd, reg) : NO_DEVICE;
    if (op === MSCA_READ_AUTOINC) this.#latched.set(slot, (reg + 1) & ADDRESS_MASK);
    return [done, ((msrwd & MSRWD_WRITE_DATA_MASK) | (data << MSRWD_READ_DATA_SHIFT)) >>> 0];
  }
}
