/**
 * Descriptor queue registers as the 82576 and the 82599 both lay them out: each queue has
 * a block of registers (base address low and high, length, head, tail, control at 0x00,
 * 0x04, 0x08, 0x10, 0x18, 0x28 of the block) wherever its chip puts the block, and the
 * same rules for what those registers hold.
 */
import type { RegisterFile } from './register-file.js';

/** Byte offsets of the ring registers of queue `q`. */
export interface RingRegisters {
  base(q: number): number;
  baseHigh(q: number): number;
  length(q: number): number;
  head(q: number): number;
  tail(q: number): number;
}

/** The ring registers and the queue control register (RXDCTL / TXDCTL) of queue `q`. */
export interface QueueBlock extends RingRegisters {
  control(q: number): number;
}

/** Bytes of one descriptor (advanced and legacy). */
export const DESC_SIZE = 16;
/** Descriptor ring base alignment (bits below are ignored) and length granularity. */
export const RING_ALIGN = 128;
/** Ring length bits of RDLEN/TDLEN (bytes, a multiple of 128, below 1 MiB). */
export const RING_LEN_MASK = 0x000fff80;
/** Head and tail registers hold 16 bits. */
export const RING_INDEX_MASK = 0xffff;
/** The enable bit of RXDCTL and TXDCTL. */
export const QUEUE_ENABLE = 0x02000000;

const BASE_HIGH = 0x04;
const LENGTH = 0x08;
const HEAD = 0x10;
const TAIL = 0x18;
const CONTROL = 0x28;

/** The registers of the queue blocks `blockOf(q)` locates. */
export function queueBlock(blockOf: (q: number) => number): QueueBlock {
  return {
    base: blockOf,
    baseHigh: (q) => blockOf(q) + BASE_HIGH,
    length: (q) => blockOf(q) + LENGTH,
    head: (q) => blockOf(q) + HEAD,
    tail: (q) => blockOf(q) + TAIL,
    control: (q) => blockOf(q) + CONTROL,
  };
}

/**
 * Gives the ring registers of rx and tx queue `q` their write rules in `regs`: the base
 * aligned to 128 bytes, the length masked, head and tail 16 bits; a tx tail write then
 * calls `kick(q)` (the doorbell).
 */
export function defineRingRegisters(regs: RegisterFile, rx: RingRegisters, tx: RingRegisters, q: number, kick: (q: number) => void): void {
  for (const base of [rx.base(q), tx.base(q)]) regs.onWrite(base, (v) => regs.set(base, (v & ~(RING_ALIGN - 1)) >>> 0));
  for (const len of [rx.length(q), tx.length(q)]) regs.onWrite(len, (v) => regs.set(len, v & RING_LEN_MASK));
  for (const index of [rx.head(q), rx.tail(q), tx.head(q)]) regs.onWrite(index, (v) => regs.set(index, v & RING_INDEX_MASK));
  const tdt = tx.tail(q);
  regs.onWrite(tdt, (v) => {
    regs.set(tdt, v & RING_INDEX_MASK);
    kick(q);
  });
}
