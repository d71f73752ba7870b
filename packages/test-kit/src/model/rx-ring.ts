/**
 * Writing a received frame into a receive descriptor ring, as the 82576 and the 82599 do
 * it: the frame goes by DMA into the buffers of as many descriptors as it needs, from the
 * head up to the tail (the tail excluded), and each descriptor is written back before the
 * head moves past it, its status dword last so that a poller that sees DD sees the rest.
 * The last descriptor carries EOP and the frame's facts; the others only DD.
 */
import { DmaSpace } from './dma.js';
import {
  DESC_DWORDS,
  RXD_LEGACY_LENGTH_CSUM,
  RXD_LEGACY_STATUS,
  RXD_PKT_ADDR_HI,
  RXD_PKT_ADDR_LO,
  RXD_STAT_DD,
  RXD_STAT_EOP,
  RXD_VLAN_SHIFT,
  RXD_WB_INFO,
  RXD_WB_LENGTH_VLAN,
  RXD_WB_RSS,
  RXD_WB_STATUS_ERROR,
} from './descriptors.js';
import { DESC_SIZE, type RingRegisters } from './rings.js';

/** Advanced one-buffer write-back, or the legacy format. */
export type RxDescriptorFormat = 'advanced' | 'legacy';

/** What the last descriptor of a frame reports. */
export interface RxCompletion {
  /** Advanced: pkt_info/hdr_info dword. */
  readonly info: number;
  /** Advanced: the RSS hash dword. */
  readonly rss: number;
  /** Status and error bits: the advanced status_error dword, or legacy status (7:0) and errors (15:8). EOP and DD are added. */
  readonly status: number;
  /** The stripped VLAN tag (with VP in `status`), else 0. */
  readonly vlan: number;
}

/** What became of a frame offered to a ring. */
export type RxRingOutcome = 'delivered' | 'no-descriptors' | 'dma-fault';

const REG_SHIFT = 2;
const BYTES_PER_REG = 4;
const LEGACY_STATUS_MASK = 0xffff;

/** The receive-ring side of one device. */
export class RxRingWriter {
  readonly #regs: Uint32Array;
  readonly #dma: DmaSpace;
  readonly #ring: RingRegisters;
  readonly #desc = new Uint32Array(DESC_DWORDS);
  readonly #pair = new Uint32Array(2);
  readonly #status = new Uint32Array(1);

  constructor(regs: Uint32Array, dma: DmaSpace, ring: RingRegisters) {
    this.#regs = regs;
    this.#dma = dma;
    this.#ring = ring;
  }

  /** Descriptors of queue `q` the device owns: from the head up to the tail; 0 when either is outside the ring. */
  free(q: number): number {
    const count = this.#reg(this.#ring.length(q)) / DESC_SIZE;
    const head = this.#reg(this.#ring.head(q));
    const tail = this.#reg(this.#ring.tail(q));
    return head < count && tail < count ? (tail - head + count) % count : 0;
  }

  /**
   * Writes `data` into queue `q`, `bufSize` bytes per descriptor, and writes each
   * descriptor back in `format`. Nothing is written when the frame needs more descriptors
   * than are free. A DMA fault abandons the frame where it happened.
   */
  write(q: number, data: Uint8Array, bufSize: number, format: RxDescriptorFormat, last: RxCompletion): RxRingOutcome {
    const needed = Math.max(1, Math.ceil(data.length / bufSize));
    if (needed > this.free(q)) return 'no-descriptors';
    const ring = DmaSpace.address(this.#reg(this.#ring.base(q)), this.#reg(this.#ring.baseHigh(q)));
    const count = this.#reg(this.#ring.length(q)) / DESC_SIZE;
    let head = this.#reg(this.#ring.head(q));
    for (let k = 0; k < needed; k++) {
      const at = ring + head * DESC_SIZE;
      if (!this.#dma.readDwords(at, this.#desc, 'rx descriptor', q, head)) return 'dma-fault';
      const chunk = needed === 1 ? data : data.subarray(k * bufSize, Math.min(data.length, (k + 1) * bufSize));
      const buffer = DmaSpace.address(this.#desc[RXD_PKT_ADDR_LO], this.#desc[RXD_PKT_ADDR_HI]);
      if (!this.#dma.write(buffer, chunk, 'rx buffer', q, head)) return 'dma-fault';
      const isLast = k === needed - 1;
      if (format === 'advanced') this.#advanced(at, chunk.length, isLast ? last : undefined);
      else this.#legacy(at, chunk.length, isLast ? last : undefined);
      head = (head + 1) % count;
      this.#regs[this.#ring.head(q) >>> REG_SHIFT] = head;
    }
    return 'delivered';
  }

  #advanced(at: number, length: number, last: RxCompletion | undefined): void {
    this.#desc[RXD_WB_INFO] = last ? last.info : 0;
    this.#desc[RXD_WB_RSS] = last ? last.rss : 0;
    this.#desc[RXD_WB_STATUS_ERROR] = 0;
    this.#desc[RXD_WB_LENGTH_VLAN] = (length | ((last ? last.vlan : 0) << RXD_VLAN_SHIFT)) >>> 0;
    this.#status[0] = last ? last.status | RXD_STAT_EOP | RXD_STAT_DD : RXD_STAT_DD;
    this.#dma.writeDwords(at, this.#desc, 'rx write-back');
    this.#dma.writeDwords(at + RXD_WB_STATUS_ERROR * BYTES_PER_REG, this.#status, 'rx write-back');
  }

  #legacy(at: number, length: number, last: RxCompletion | undefined): void {
    // Dwords 0-1 keep the buffer address; the length, then the status dword.
    this.#pair[0] = length;
    this.#pair[1] = last ? ((last.status & LEGACY_STATUS_MASK) | RXD_STAT_EOP | RXD_STAT_DD | (last.vlan << RXD_VLAN_SHIFT)) >>> 0 : RXD_STAT_DD;
    this.#dma.writeDwords(at + RXD_LEGACY_LENGTH_CSUM * BYTES_PER_REG, this.#pair.subarray(0, 1), 'rx write-back');
    this.#dma.writeDwords(at + RXD_LEGACY_STATUS * BYTES_PER_REG, this.#pair.subarray(1), 'rx write-back');
  }

  #reg(offset: number): number {
    return this.#regs[offset >>> REG_SHIFT];
  }
}
