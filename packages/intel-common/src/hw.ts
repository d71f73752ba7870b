/**
 * The hardware handle the base layers of Intel's igb and ixgbe drivers work through:
 * register access to BAR0 and the timing helpers for polled register handshakes. Free of
 * framework imports: the ethdev glue hands in anything with the {@link Registers} shape (a
 * mapped BAR's `regs`, or a device model).
 */

/** Device Status register: at 0x8 on every igb and ixgbe part; its read posts earlier writes. */
export const STATUS = 0x00008;

/** 32-bit register access at byte offsets into BAR0. */
export interface Registers {
  read32(offset: number): number;
  write32(offset: number, value: number): void;
}

/** A link as a family's registers show it. */
export interface IntelLink {
  readonly up: boolean;
  /** Mb/s, 0 when down. */
  readonly speed: number;
  readonly fullDuplex: boolean;
}

/** What every register reads as once the device has left the bus (surprise removal). */
export const REMOVED_READ = 0xffffffff;

/** Why a polled handshake gave up. */
export class HwError extends Error {
  /** `removed`: every read returns all ones; `timeout`: the bit never came. */
  readonly kind: 'removed' | 'timeout' | 'nvm';

  constructor(kind: 'removed' | 'timeout' | 'nvm', message: string) {
    super(message);
    this.name = 'HwError';
    this.kind = kind;
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the calling thread for `ms` milliseconds (control path only: resets, PHY access). */
export function delayMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** One function's registers, with the read-modify-write helpers the base layer uses. */
export class IntelHw {
  readonly regs: Registers;

  constructor(regs: Registers) {
    this.regs = regs;
  }

  read(reg: number): number {
    return this.regs.read32(reg) >>> 0;
  }

  write(reg: number, value: number): void {
    this.regs.write32(reg, value >>> 0);
  }

  /** Sets `bits` in `reg`. */
  setBits(reg: number, bits: number): void {
    this.write(reg, this.read(reg) | bits);
  }

  /** Clears `bits` in `reg`. */
  clearBits(reg: number, bits: number): void {
    this.write(reg, this.read(reg) & ~bits);
  }

  /** Posts earlier writes by reading STATUS (PCIe writes are posted; a read flushes them). */
  flush(): number {
    return this.read(STATUS);
  }

  /**
   * Reads `reg` until `done(value)`, up to `tries` times `everyMs` apart. Returns the last
   * value. Throws {@link HwError} `removed` when the device reads all ones, `timeout` when
   * the condition never held.
   */
  poll(reg: number, done: (value: number) => boolean, tries: number, everyMs: number, what: string): number {
    for (let i = 0; i < tries; i++) {
      const value = this.read(reg);
      if (value === REMOVED_READ) throw new HwError('removed', `${what}: the device reads all ones (removed?)`);
      if (done(value)) return value;
      if (everyMs > 0) delayMs(everyMs);
    }
    throw new HwError('timeout', `${what}: no completion after ${tries} polls`);
  }

  /** Whether the device has gone from the bus (STATUS reads all ones). */
  removed(): boolean {
    return this.read(STATUS) === REMOVED_READ;
  }
}
