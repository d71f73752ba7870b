/**
 * The two-wire (I2C) bus to an SFP+ module, bit-banged through I2CCTL as DPDK's
 * `ixgbe_read_i2c_byte_generic` does: start, the device address with the write bit, the
 * byte offset, a repeated start, the address with the read bit, eight bits in, a NACK,
 * stop. Each line change waits a quarter of a 100 kHz clock period.
 */
import { delayMs, HwError, type IntelHw } from '@nic/intel-common';
import { I2C_CLK_IN, I2C_CLK_OUT, I2C_DATA_IN, I2C_DATA_OUT, I2CCTL } from './regs.js';

/** Two-wire address of the module's serial ID EEPROM (SFF-8472 A0h). */
export const SFP_EEPROM_ADDR = 0xa0;
const READ_BIT = 1;
const BITS_PER_BYTE = 8;
const MSB = 0x80;
/** Milliseconds per line change (5 us: 100 kHz with margin). */
const EDGE_MS = 0.005;
/** Polls of the clock line while the module stretches it. */
const STRETCH_POLLS = 500;

class Bus {
  readonly #hw: IntelHw;
  #ctl: number;

  constructor(hw: IntelHw) {
    this.#hw = hw;
    this.#ctl = hw.read(I2CCTL);
  }

  #set(bit: number, high: boolean): void {
    this.#ctl = high ? this.#ctl | bit : this.#ctl & ~bit;
    this.#hw.write(I2CCTL, this.#ctl);
    this.#hw.flush();
    delayMs(EDGE_MS);
  }

  data(high: boolean): void {
    this.#set(I2C_DATA_OUT, high);
  }

  /** Raises the clock and waits while the module holds it low. */
  clockHigh(): void {
    this.#set(I2C_CLK_OUT, true);
    for (let i = 0; i < STRETCH_POLLS && (this.#hw.read(I2CCTL) & I2C_CLK_IN) === 0; i++) delayMs(EDGE_MS);
  }

  clockLow(): void {
    this.#set(I2C_CLK_OUT, false);
  }

  readData(): boolean {
    return (this.#hw.read(I2CCTL) & I2C_DATA_IN) !== 0;
  }

  start(): void {
    this.data(true);
    this.clockHigh();
    this.data(false);
    this.clockLow();
  }

  stop(): void {
    this.data(false);
    this.clockHigh();
    this.data(true);
  }

  /** Clocks `byte` out, MSB first; returns whether the module acknowledged it. */
  writeByte(byte: number): boolean {
    for (let bit = MSB; bit !== 0; bit >>>= 1) {
      this.data((byte & bit) !== 0);
      this.clockHigh();
      this.clockLow();
    }
    this.data(true);
    this.clockHigh();
    const ack = !this.readData();
    this.clockLow();
    return ack;
  }

  /** Clocks a byte in, MSB first, and answers NACK (the last byte of a read). */
  readByte(): number {
    let byte = 0;
    this.data(true);
    for (let i = 0; i < BITS_PER_BYTE; i++) {
      this.clockHigh();
      byte = (byte << 1) | (this.readData() ? 1 : 0);
      this.clockLow();
    }
    this.data(true);
    this.clockHigh();
    this.clockLow();
    return byte;
  }
}

/**
 * Reads byte `offset` of the two-wire device at `address`. Throws `HwError` (`timeout`)
 * when the device does not acknowledge (no module plugged in), `removed` when the function
 * reads all ones.
 */
export function readI2cByte(hw: IntelHw, address: number, offset: number): number {
  if (hw.removed()) throw new HwError('removed', 'I2C: the device reads all ones (removed?)');
  const bus = new Bus(hw);
  try {
    bus.start();
    if (!bus.writeByte(address)) throw new HwError('timeout', `I2C: no device acknowledges address 0x${address.toString(16)}`);
    if (!bus.writeByte(offset)) throw new HwError('timeout', `I2C: device 0x${address.toString(16)} does not acknowledge offset ${offset}`);
    bus.start();
    if (!bus.writeByte(address | READ_BIT)) throw new HwError('timeout', `I2C: device 0x${address.toString(16)} does not acknowledge the read`);
    return bus.readByte();
  } finally {
    bus.stop();
  }
}
