/**
 * Test helpers that program a modelled port as a driver would: memory the model reaches by
 * DMA (at an IOVA unlike its virtual address), rx and tx descriptor rings in it, and frames.
 * The rings take the device's register module (igb's or ixgbe's: the names and bits they
 * use are the same in both datasheets, the offsets differ).
 */
import { allocAnonymous, type MemoryMapping } from '@nic/native';
import { BROADCAST, etherFrame } from '@nic/native/testing';
import type { PciRegisters } from '@nic/pci/driver';
import type { DmaSpace } from '../dma.js';

/** A model the helpers program: registers and the DMA space. */
export interface RingModel extends PciRegisters {
  readonly dma: DmaSpace;
}

/** The ring registers and bits the helpers use, by datasheet name. */
export interface QueueRegs {
  RDBAL(q: number): number;
  RDBAH(q: number): number;
  RDLEN(q: number): number;
  SRRCTL(q: number): number;
  RDH(q: number): number;
  RDT(q: number): number;
  RXDCTL(q: number): number;
  TDBAL(q: number): number;
  TDBAH(q: number): number;
  TDLEN(q: number): number;
  TDH(q: number): number;
  TDT(q: number): number;
  TXDCTL(q: number): number;
  readonly DESC_SIZE: number;
  readonly SRRCTL_DESCTYPE_ADV_ONEBUF: number;
  readonly SRRCTL_BSIZEPKT_SHIFT: number;
  readonly RXDCTL_ENABLE: number;
  readonly TXDCTL_ENABLE: number;
}

/** IOVA the test memory is mapped at. */
export const TEST_IOVA = 0x4000_0000;
const TWO_POW_32 = 2 ** 32;

/** Locked memory mapped into a model's DMA space, with a bump allocator. */
export class TestMemory {
  readonly mapping: MemoryMapping;
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
  #next = 0;

  constructor(models: readonly RingModel[], size = 1 << 20) {
    this.mapping = allocAnonymous(size);
    this.u8 = new Uint8Array(this.mapping.buffer);
    this.u32 = new Uint32Array(this.mapping.buffer);
    for (const dma of new Set(models.map((m) => m.dma))) dma.map({ vaddr: this.mapping.address, iova: TEST_IOVA, length: this.mapping.length });
  }

  /** `bytes` bytes aligned to `align`; returns the offset. */
  alloc(bytes: number, align = 128): number {
    const at = Math.ceil(this.#next / align) * align;
    this.#next = at + bytes;
    if (this.#next > this.u8.length) throw new Error('test memory exhausted');
    return at;
  }

  iova(offset: number): number {
    return TEST_IOVA + offset;
  }

  release(): void {
    this.mapping.unmap();
  }
}

function setAddress(model: RingModel, lo: number, hi: number, iova: number): void {
  model.write32(lo, iova % TWO_POW_32);
  model.write32(hi, Math.floor(iova / TWO_POW_32));
}

/** An rx ring of `count` descriptors with `bufSize`-byte buffers, owned by the device up to RDT = count - 1. */
export class RxRing {
  readonly descs: number;
  readonly bufs: number[];

  constructor(
    readonly R: QueueRegs,
    readonly model: RingModel,
    readonly mem: TestMemory,
    readonly queue = 0,
    readonly count = 32,
    readonly bufSize = 2048,
  ) {
    this.descs = mem.alloc(count * R.DESC_SIZE);
    this.bufs = Array.from({ length: count }, () => mem.alloc(bufSize));
    this.bufs.forEach((b, i) => this.#arm(i, b));
    setAddress(model, R.RDBAL(queue), R.RDBAH(queue), mem.iova(this.descs));
    model.write32(R.RDLEN(queue), count * R.DESC_SIZE);
    model.write32(R.SRRCTL(queue), R.SRRCTL_DESCTYPE_ADV_ONEBUF | (bufSize >>> R.SRRCTL_BSIZEPKT_SHIFT));
    model.write32(R.RDH(queue), 0);
    model.write32(R.RDT(queue), count - 1);
    model.write32(R.RXDCTL(queue), R.RXDCTL_ENABLE);
  }

  /** Gives descriptor `i` its buffer again (read format), as a driver does before moving RDT past it. */
  rearm(i: number): void {
    this.#arm(i, this.bufs[i]);
  }

  #arm(i: number, buf: number): void {
    const d = (this.descs + i * this.R.DESC_SIZE) >>> 2;
    this.mem.u32.fill(0, d, d + 4);
    this.mem.u32[d] = this.mem.iova(buf) % TWO_POW_32;
    this.mem.u32[d + 1] = Math.floor(this.mem.iova(buf) / TWO_POW_32);
  }

  dword(i: number, n: number): number {
    return this.mem.u32[((this.descs + i * this.R.DESC_SIZE) >>> 2) + n];
  }

  status(i: number): number {
    return this.dword(i, 2);
  }

  length(i: number): number {
    return this.dword(i, 3) & 0xffff;
  }

  vlan(i: number): number {
    return this.dword(i, 3) >>> 16;
  }

  /** The bytes descriptor `i` holds. */
  data(i: number): Uint8Array {
    return this.mem.u8.slice(this.bufs[i], this.bufs[i] + this.length(i));
  }
}

/** A tx ring of `count` descriptors; frames are copied into per-descriptor buffers. */
export class TxRing {
  readonly descs: number;
  readonly bufs: number[];
  tail = 0;

  constructor(
    readonly R: QueueRegs,
    readonly model: RingModel,
    readonly mem: TestMemory,
    readonly queue = 0,
    readonly count = 32,
    bufSize = 2048,
  ) {
    this.descs = mem.alloc(count * R.DESC_SIZE);
    this.bufs = Array.from({ length: count }, () => mem.alloc(bufSize));
    setAddress(model, R.TDBAL(queue), R.TDBAH(queue), mem.iova(this.descs));
    model.write32(R.TDLEN(queue), count * R.DESC_SIZE);
    model.write32(R.TDH(queue), 0);
    model.write32(R.TDT(queue), 0);
    model.write32(R.TXDCTL(queue), R.TXDCTL_ENABLE);
  }

  /** Writes one descriptor (raw dwords 2 and 3) for `bytes`, without ringing the doorbell. */
  put(bytes: Uint8Array, cmd: number, olinfo = 0): number {
    const i = this.tail;
    this.mem.u8.set(bytes, this.bufs[i]);
    const d = (this.descs + i * this.R.DESC_SIZE) >>> 2;
    this.mem.u32[d] = this.mem.iova(this.bufs[i]) % TWO_POW_32;
    this.mem.u32[d + 1] = Math.floor(this.mem.iova(this.bufs[i]) / TWO_POW_32);
    this.mem.u32[d + 2] = (cmd | bytes.length) >>> 0;
    this.mem.u32[d + 3] = olinfo >>> 0;
    this.tail = (i + 1) % this.count;
    return i;
  }

  /** Writes raw dwords (a context descriptor). */
  putRaw(dwords: readonly number[]): number {
    const i = this.tail;
    const d = (this.descs + i * this.R.DESC_SIZE) >>> 2;
    dwords.forEach((v, k) => (this.mem.u32[d + k] = v >>> 0));
    this.tail = (i + 1) % this.count;
    return i;
  }

  /** Queues `frames` as single-descriptor advanced data packets with RS and rings the doorbell. */
  send(frames: readonly Uint8Array[]): void {
    for (const f of frames) this.put(f, DATA_CMD, f.length << PAYLEN_SHIFT);
    this.doorbell();
  }

  doorbell(): void {
    this.model.write32(this.R.TDT(this.queue), this.tail);
  }

  status(i: number): number {
    return this.mem.u32[((this.descs + i * this.R.DESC_SIZE) >>> 2) + 3];
  }
}

export const DTYP_DATA = 0x00300000;
export const DTYP_CTXT = 0x00200000;
export const CMD_EOP = 0x01000000;
export const CMD_IFCS = 0x02000000;
export const CMD_RS = 0x08000000;
export const CMD_DEXT = 0x20000000;
export const CMD_VLE = 0x40000000;
export const PAYLEN_SHIFT = 14;
/** An advanced data descriptor's command for a whole packet. */
export const DATA_CMD = DTYP_DATA | CMD_DEXT | CMD_IFCS | CMD_EOP | CMD_RS;

/** A frame to `dst` of `length` bytes whose payload starts with `tag`. */
export function frameTo(dst: Uint8Array, tag: number, length = 64, etherType = 0x88b5): Uint8Array {
  const payload = new Uint8Array(length - 14);
  payload[0] = tag;
  return etherFrame(dst, Uint8Array.of(0x02, 0, 0, 0, 0, 0xaa), etherType, payload);
}

export { BROADCAST };
