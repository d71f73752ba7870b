/**
 * The device side of one split virtqueue (virtio 1.0 §2.4): reads the available ring and
 * descriptor chains from DMA space, writes used entries, and reports every byte it wrote
 * so dirty logging sees it. Chains are bounded by the ring size; a descriptor index past
 * the ring or a chain that loops is a fault that stops the queue (as a device would set
 * NEEDS_RESET), never an exception.
 */
import type { DmaSpace } from '../model/dma.js';

const DESC_SIZE = 16;
const DESC_ADDR = 0;
const DESC_LEN = 8;
const DESC_FLAGS = 12;
const DESC_NEXT = 14;
const VRING_DESC_F_NEXT = 1;
const VRING_DESC_F_WRITE = 2;
const AVAIL_IDX = 2;
const AVAIL_RING = 4;
const USED_IDX = 2;
const USED_RING = 4;
const USED_ELEM_SIZE = 8;
const U16_WRAP = 0x10000;

/** One buffer of a chain: where and how long, and whether the device writes it. */
export interface ChainPart {
  readonly iova: number;
  readonly length: number;
  readonly writable: boolean;
}

/** Where the driver put the rings, and their size. */
export interface VirtqueueConfig {
  readonly size: number;
  readonly desc: number;
  readonly avail: number;
  readonly used: number;
}

/** The device's view of a running virtqueue. */
export class Virtqueue {
  readonly config: VirtqueueConfig;
  /** Next available entry the device will take (free-running 16-bit). */
  lastAvail: number;
  /** Next used entry the device will write. */
  lastUsed: number;
  /** Why the queue stopped (a malformed ring), undefined while it is sound. */
  fault: string | undefined;
  readonly #dma: DmaSpace;
  readonly #onWrite: (iova: number, length: number) => void;
  readonly #b2 = new Uint8Array(2);
  readonly #b16 = new Uint8Array(DESC_SIZE);

  constructor(dma: DmaSpace, config: VirtqueueConfig, lastAvail: number, lastUsed: number, onWrite: (iova: number, length: number) => void) {
    this.#dma = dma;
    this.config = config;
    this.lastAvail = lastAvail;
    this.lastUsed = lastUsed;
    this.#onWrite = onWrite;
  }

  /** Entries the driver has made available and the device has not taken. */
  pending(): number {
    const idx = this.#read16(this.config.avail + AVAIL_IDX, 'avail idx');
    return idx < 0 ? 0 : (idx - this.lastAvail + U16_WRAP) % U16_WRAP;
  }

  /** Takes the next available chain: its head and parts; undefined when none or on a fault. */
  take(): { head: number; parts: ChainPart[] } | undefined {
    if (this.fault || this.pending() === 0) return undefined;
    const slot = this.lastAvail % this.config.size;
    const head = this.#read16(this.config.avail + AVAIL_RING + 2 * slot, 'avail ring');
    if (head < 0) return undefined;
    const parts: ChainPart[] = [];
    let index = head;
    for (let n = 0; ; n++) {
      if (index >= this.config.size || n >= this.config.size) {
        this.fault = `descriptor chain from ${head}: ${index >= this.config.size ? `index ${index} past the ring of ${this.config.size}` : 'loops'}`;
        return undefined;
      }
      if (!this.#dma.read(this.config.desc + DESC_SIZE * index, this.#b16, 0, DESC_SIZE, 'descriptor')) {
        this.fault = `descriptor ${index} unreachable`;
        return undefined;
      }
      const v = new DataView(this.#b16.buffer);
      const flags = v.getUint16(DESC_FLAGS, true);
      parts.push({ iova: Number(v.getBigUint64(DESC_ADDR, true)), length: v.getUint32(DESC_LEN, true), writable: (flags & VRING_DESC_F_WRITE) !== 0 });
      if ((flags & VRING_DESC_F_NEXT) === 0) break;
      index = v.getUint16(DESC_NEXT, true);
    }
    this.lastAvail = (this.lastAvail + 1) % U16_WRAP;
    return { head, parts };
  }

  /** Writes `data` into DMA space at `iova`, reporting it for dirty logging. */
  write(iova: number, data: Uint8Array, what: string): boolean {
    if (!this.#dma.write(iova, data, what)) return false;
    this.#onWrite(iova, data.length);
    return true;
  }

  /** Reads `length` bytes at `iova`; undefined when unreachable. */
  read(iova: number, length: number, what: string): Uint8Array | undefined {
    const out = new Uint8Array(length);
    return this.#dma.read(iova, out, 0, length, what) ? out : undefined;
  }

  /** Publishes chain `head` as used with `written` bytes. */
  complete(head: number, written: number): void {
    const elem = new Uint8Array(USED_ELEM_SIZE);
    const v = new DataView(elem.buffer);
    v.setUint32(0, head, true);
    v.setUint32(4, written, true);
    const slot = this.lastUsed % this.config.size;
    this.write(this.config.used + USED_RING + USED_ELEM_SIZE * slot, elem, 'used ring');
    this.lastUsed = (this.lastUsed + 1) % U16_WRAP;
    new DataView(this.#b2.buffer).setUint16(0, this.lastUsed, true);
    this.write(this.config.used + USED_IDX, this.#b2, 'used idx');
  }

  #read16(iova: number, what: string): number {
    if (!this.#dma.read(iova, this.#b2, 0, 2, what)) {
      this.fault = `${what} unreachable`;
      return -1;
    }
    return new DataView(this.#b2.buffer).getUint16(0, true);
  }
}
