/** The shared ring helpers, the 82599's rx/tx enables, and a bit-banging I2C controller. */
import type { IxgbeModel } from '../model.js';
import * as R from '../regs.js';

export { BROADCAST, CMD_DEXT, CMD_EOP, CMD_IFCS, CMD_RS, CMD_VLE, DATA_CMD, DTYP_CTXT, DTYP_DATA, frameTo, PAYLEN_SHIFT, RxRing, TEST_IOVA, TestMemory, TxRing, vlanFrame } from '../../model/__fixtures__/rings.js';

/** Receive on: RXCTRL.RXEN, broadcast accepted plus `extra` FCTRL bits (CRC stripped by default). */
export function enableRx(model: IxgbeModel, extra = 0): void {
  model.write32(R.FCTRL, R.FCTRL_BAM | extra);
  model.write32(R.RXCTRL, R.RXCTRL_RXEN);
}

/** Transmit on: DMATXCTL.TE. */
export function enableTx(model: IxgbeModel): void {
  model.write32(R.DMATXCTL, model.read32(R.DMATXCTL) | R.DMATXCTL_TE);
}

/**
 * An I2C controller driving I2CCTL as the I2C specification has a controller drive the
 * bus (written from the specification, not from any driver): START, 8 data bits MSB first
 * each set while the clock is low and sampled while it is high, the 9th clock for the
 * acknowledge, STOP.
 */
export class I2cController {
  constructor(readonly model: IxgbeModel) {}

  #set(scl: boolean, sda: boolean): void {
    this.model.write32(R.I2CCTL, (scl ? R.I2C_CLK_OUT : 0) | (sda ? R.I2C_DATA_OUT : 0));
  }

  #sda(): boolean {
    return (this.model.read32(R.I2CCTL) & R.I2C_DATA_IN) !== 0;
  }

  start(): void {
    this.#set(false, true);
    this.#set(true, true);
    this.#set(true, false);
    this.#set(false, false);
  }

  stop(): void {
    this.#set(false, false);
    this.#set(true, false);
    this.#set(true, true);
  }

  /** Sends `byte`; true when the target acknowledged it. */
  writeByte(byte: number): boolean {
    for (let i = 7; i >= 0; i--) {
      const bit = ((byte >> i) & 1) === 1;
      this.#set(false, bit);
      this.#set(true, bit);
      this.#set(false, bit);
    }
    this.#set(false, true);
    this.#set(true, true);
    const ack = !this.#sda();
    this.#set(false, true);
    return ack;
  }

  /** Receives a byte, then acknowledges it (`ack`) or not. */
  readByte(ack: boolean): number {
    let byte = 0;
    for (let i = 0; i < 8; i++) {
      this.#set(false, true);
      this.#set(true, true);
      byte = (byte << 1) | (this.#sda() ? 1 : 0);
      this.#set(false, true);
    }
    this.#set(false, !ack);
    this.#set(true, !ack);
    this.#set(false, !ack);
    return byte;
  }

  /** Reads `count` bytes at `offset` of the target at 8-bit address `address`; undefined when it does not answer. */
  read(address: number, offset: number, count: number): number[] | undefined {
    this.start();
    if (!this.writeByte(address) || !this.writeByte(offset)) {
      this.stop();
      return undefined;
    }
    this.start();
    if (!this.writeByte(address | 1)) {
      this.stop();
      return undefined;
    }
    const bytes = Array.from({ length: count }, (_, i) => this.readByte(i < count - 1));
    this.stop();
    return bytes;
  }

  /** Writes `bytes` at `offset` of the target at `address`; false when it does not answer. */
  write(address: number, offset: number, bytes: readonly number[]): boolean {
    this.start();
    const ok = this.writeByte(address) && this.writeByte(offset) && bytes.every((b) => this.writeByte(b));
    this.stop();
    return ok;
  }
}
