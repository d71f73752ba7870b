/**
 * The 82599's SFP+ I2C bus as software bit-bangs it through I2CCTL: the driver sets the
 * clock (CLK_OUT) and drives the data line (DATA_OUT, open drain), and reads both lines
 * back (CLK_IN, DATA_IN). The model is the target side of the bus: it watches every
 * I2CCTL write for START (data falling while the clock is high), STOP (data rising while
 * the clock is high), bits sampled on rising clock edges, and drives the data line low
 * (ACK, or a 0 bit of a byte it sends) from a falling edge to the next. Targets answer
 * at 7-bit addresses with byte-addressed registers: a write transaction sets the address
 * pointer (and writes bytes after it), a read returns bytes from the pointer on, the
 * pointer advancing after each. No clock stretching: CLK_IN follows CLK_OUT.
 */

/** A device on the bus. */
export interface I2cTarget {
  /** The byte at `offset` (0-255). */
  read(offset: number): number;
  /** Writes `value` at `offset`; ignored where the target has no writable byte. */
  write(offset: number, value: number): void;
}

/** Bits of a byte, and the clock of its acknowledge. */
const BYTE_BITS = 8;
const ACK_CLOCK = BYTE_BITS + 1;
const READ_BIT = 0x01;
const BYTE_MASK = 0xff;
const HIGH_BIT = 0x80;

type Phase =
  /** Ignoring the bus until the next START. */
  | 'idle'
  /** Receiving a byte from the controller (address or data). */
  | 'receive'
  /** Sending a byte to the controller. */
  | 'send';

/** The target side of one I2C bus. */
export class I2cBus {
  readonly #targets = new Map<number, I2cTarget>();
  #scl = true;
  #sdaOut = true;
  /** Whether a target holds the data line low. */
  #hold = false;
  #phase: Phase = 'idle';
  /** Clocks seen of the current byte (1-9 after each rising edge). */
  #clock = 0;
  #shift = 0;
  /** The byte just received is the address byte of a transaction. */
  #addressing = false;
  /** The addressed target, and whether this byte was acknowledged. */
  #target: I2cTarget | undefined;
  #acked = false;
  #pointer = 0;
  /** The first data byte of a write sets the pointer. */
  #pointerSet = false;
  /** The controller acknowledged the byte just sent (it wants another). */
  #more = false;

  /** Puts `target` at 7-bit address `address`; `undefined` takes it away. */
  attach(address: number, target: I2cTarget | undefined): void {
    if (target) this.#targets.set(address, target);
    else this.#targets.delete(address);
  }

  /** The clock line as the controller reads it. */
  get clock(): boolean {
    return this.#scl;
  }

  /** The data line as the controller reads it (open drain: low if anyone drives it low). */
  get data(): boolean {
    return this.#sdaOut && !this.#hold;
  }

  /** Back to an idle bus (device reset). */
  reset(): void {
    this.#scl = true;
    this.#sdaOut = true;
    this.#idle();
  }

  /** The controller drives the clock to `scl` and the data line to `sda`. */
  drive(scl: boolean, sda: boolean): void {
    const wasData = this.data;
    const wasScl = this.#scl;
    this.#sdaOut = sda;
    this.#scl = scl;
    if (wasScl && scl && wasData !== this.data) {
      if (this.data) this.#idle();
      else this.#start();
      return;
    }
    if (!wasScl && scl) this.#rise();
    else if (wasScl && !scl) this.#fall();
  }

  #idle(): void {
    this.#phase = 'idle';
    this.#hold = false;
    this.#target = undefined;
    this.#clock = 0;
  }

  #start(): void {
    this.#phase = 'receive';
    this.#hold = false;
    this.#clock = 0;
    this.#shift = 0;
    this.#addressing = true;
  }

  #rise(): void {
    if (this.#phase === 'idle') return;
    this.#clock++;
    if (this.#phase === 'receive' && this.#clock <= BYTE_BITS) this.#shift = ((this.#shift << 1) | (this.data ? 1 : 0)) & BYTE_MASK;
    if (this.#phase === 'send' && this.#clock === ACK_CLOCK) this.#more = !this.data;
  }

  #fall(): void {
    if (this.#phase === 'idle' || this.#clock === 0) return;
    if (this.#phase === 'receive') this.#fallReceiving();
    else this.#fallSending();
  }

  #fallReceiving(): void {
    if (this.#clock === BYTE_BITS) {
      this.#acked = this.#accept(this.#shift);
      this.#hold = this.#acked;
      return;
    }
    if (this.#clock < ACK_CLOCK) return;
    this.#hold = false;
    this.#clock = 0;
    if (!this.#acked) {
      this.#idle();
      return;
    }
    const read = this.#addressing && (this.#shift & READ_BIT) !== 0;
    this.#addressing = false;
    if (read) {
      this.#phase = 'send';
      this.#load();
    } else {
      this.#shift = 0;
    }
  }

  #fallSending(): void {
    if (this.#clock < BYTE_BITS) {
      this.#hold = (this.#shift & (HIGH_BIT >>> this.#clock)) === 0;
      return;
    }
    if (this.#clock === BYTE_BITS) {
      this.#hold = false;
      return;
    }
    this.#clock = 0;
    if (this.#more) this.#load();
    else this.#idle();
  }

  /** Takes a received byte: the address byte picks the target, data bytes set the pointer or write. */
  #accept(byte: number): boolean {
    if (this.#addressing) {
      this.#target = this.#targets.get(byte >>> 1);
      if ((byte & READ_BIT) === 0) this.#pointerSet = false;
      return this.#target !== undefined;
    }
    const target = this.#target;
    if (!target) return false;
    if (!this.#pointerSet) {
      this.#pointer = byte;
      this.#pointerSet = true;
    } else {
      target.write(this.#pointer, byte);
      this.#pointer = (this.#pointer + 1) & BYTE_MASK;
    }
    return true;
  }

  /** Loads the next byte to send and drives its first bit. */
  #load(): void {
    this.#shift = this.#target ? this.#target.read(this.#pointer) & BYTE_MASK : BYTE_MASK;
    this.#pointer = (this.#pointer + 1) & BYTE_MASK;
    this.#hold = (this.#shift & HIGH_BIT) === 0;
  }
}
