/**
 * Test helpers that program a modelled port as a driver would: memory the model reaches by
 * DMA (at an IOVA unlike its virtual address), rx and tx descriptor rings in it, and frames.
 * The rings take the device's register module (igb's or ixgbe's: the names and bits they
 * use are the same in both datasheets, the offsets differ).
 */
import { afterEach, beforeEach } from 'vitest';
import { allocAnonymous, closeFd, eventfd, type MemoryMapping } from '@nic/native';
import { BROADCAST, etherFrame } from '@nic/native/testing';
import type { PciRegisters } from '@nic/pci/driver';
import type { DmaSpace } from '../dma.js';
import { EERD_ADDR_SHIFT, EERD_DATA_SHIFT, EERD_DONE, EERD_START } from '../nvm.js';

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
  readonly SRRCTL_DESCTYPE_ADV_ONEBUF: number;
  readonly SRRCTL_BSIZEPKT_SHIFT: number;
  readonly RXDCTL_ENABLE: number;
  readonly TXDCTL_ENABLE: number;
}

/** IOVA the test memory is mapped at. */
export const TEST_IOVA = 0x4000_0000;
/** Bytes of a descriptor. */
const DESC_BYTES = 16;
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

/** Allocates a ring of `count` descriptors and `count` buffers, and programs its base, length and head. */
function allocRing(model: RingModel, mem: TestMemory, count: number, bufSize: number, lo: number, hi: number, len: number, head: number): { descs: number; bufs: number[] } {
  const descs = mem.alloc(count * DESC_BYTES);
  const bufs = Array.from({ length: count }, () => mem.alloc(bufSize));
  model.write32(lo, mem.iova(descs) % TWO_POW_32);
  model.write32(hi, Math.floor(mem.iova(descs) / TWO_POW_32));
  model.write32(len, count * DESC_BYTES);
  model.write32(head, 0);
  return { descs, bufs };
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
    ({ descs: this.descs, bufs: this.bufs } = allocRing(model, mem, count, bufSize, R.RDBAL(queue), R.RDBAH(queue), R.RDLEN(queue), R.RDH(queue)));
    this.bufs.forEach((b, i) => this.#arm(i, b));
    model.write32(R.SRRCTL(queue), R.SRRCTL_DESCTYPE_ADV_ONEBUF | (bufSize >>> R.SRRCTL_BSIZEPKT_SHIFT));
    model.write32(R.RDT(queue), count - 1);
    model.write32(R.RXDCTL(queue), R.RXDCTL_ENABLE);
  }

  /** Gives descriptor `i` its buffer again (read format), as a driver does before moving RDT past it. */
  rearm(i: number): void {
    this.#arm(i, this.bufs[i]);
  }

  #arm(i: number, buf: number): void {
    const d = (this.descs + i * DESC_BYTES) >>> 2;
    this.mem.u32.fill(0, d, d + 4);
    this.mem.u32[d] = this.mem.iova(buf) % TWO_POW_32;
    this.mem.u32[d + 1] = Math.floor(this.mem.iova(buf) / TWO_POW_32);
  }

  dword(i: number, n: number): number {
    return this.mem.u32[((this.descs + i * DESC_BYTES) >>> 2) + n];
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
    ({ descs: this.descs, bufs: this.bufs } = allocRing(model, mem, count, bufSize, R.TDBAL(queue), R.TDBAH(queue), R.TDLEN(queue), R.TDH(queue)));
    model.write32(R.TDT(queue), 0);
    model.write32(R.TXDCTL(queue), R.TXDCTL_ENABLE);
  }

  /** Writes one descriptor (raw dwords 2 and 3) for `bytes`, without ringing the doorbell. */
  put(bytes: Uint8Array, cmd: number, olinfo = 0): number {
    const i = this.tail;
    this.mem.u8.set(bytes, this.bufs[i]);
    const d = (this.descs + i * DESC_BYTES) >>> 2;
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
    const d = (this.descs + i * DESC_BYTES) >>> 2;
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
    return this.mem.u32[((this.descs + i * DESC_BYTES) >>> 2) + 3];
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

/** `frame` with an 802.1Q tag (TCI `tci`, TPID `tpid`) after the addresses. */
export function vlanFrame(frame: Uint8Array, tci: number, tpid = 0x8100): Uint8Array {
  const out = new Uint8Array(frame.length + 4);
  out.set(frame.subarray(0, 12));
  out.set([tpid >> 8, tpid & 0xff, tci >> 8, tci & 0xff], 12);
  out.set(frame.subarray(12), 16);
  return out;
}

/** Reads NVM word `addr` through EERD (at offset `eerd`) as drivers do: START, then DONE and the data. */
export function eerdRead(model: PciRegisters, eerd: number, addr: number): number {
  model.write32(eerd, (addr << EERD_ADDR_SHIFT) | EERD_START);
  const value = model.read32(eerd);
  if ((value & EERD_DONE) === 0) throw new Error(`EERD did not report DONE for word ${addr}`);
  return value >>> EERD_DATA_SHIFT;
}

/** Non-blocking eventfds that {@link closeAll} closes. */
export class Eventfds {
  readonly #fds: number[] = [];

  /** A fresh non-blocking eventfd. */
  make(): number {
    const fd = eventfd(0, { nonblock: true });
    this.#fds.push(fd);
    return fd;
  }

  closeAll(): void {
    for (const fd of this.#fds.splice(0)) closeFd(fd);
  }
}

/** A unicast address no test port has, and the mDNS multicast address. */
export const OTHER_UNICAST = Uint8Array.of(0x02, 0, 0, 0, 0, 0x77);
export const MDNS_MULTICAST = Uint8Array.of(0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb);

/** Two ports and the memory they reach, for the tests of one suite. */
export interface PortPair<M> {
  readonly a: M;
  readonly b: M;
  readonly mem: TestMemory;
  /** A frame of `length` bytes to port b's own address, its payload starting with `tag`. */
  toB(tag: number, length?: number): Uint8Array;
}

/**
 * Ports `a` (02:00:00:00:00:0a) and `b` (…0b) made by `create`, sharing one DMA space and
 * test memory, fresh for each test of the enclosing suite (vitest hooks).
 */
export function portPair<M extends RingModel & { readonly mac: Uint8Array }>(create: (options: { mac: string; dma?: DmaSpace }) => M): PortPair<M> {
  let ports: { a: M; b: M; mem: TestMemory } | undefined;
  beforeEach(() => {
    const a = create({ mac: '02:00:00:00:00:0a' });
    const b = create({ mac: '02:00:00:00:00:0b', dma: a.dma });
    ports = { a, b, mem: new TestMemory([a, b]) };
  });
  afterEach(() => ports?.mem.release());
  const get = (): { a: M; b: M; mem: TestMemory } => {
    if (!ports) throw new Error('portPair: used outside a test');
    return ports;
  };
  return {
    get a() {
      return get().a;
    },
    get b() {
      return get().b;
    },
    get mem() {
      return get().mem;
    },
    toB: (tag, length = 64) => frameTo(get().b.mac, tag, length),
  };
}
