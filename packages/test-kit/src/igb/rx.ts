/**
 * The receive path of the model: a frame from the cable (no FCS) is checked (RCTL.EN,
 * length, injected errors), filtered, given a queue (RSS or queue 0), stripped of its VLAN
 * tag (CTRL.VME), given its FCS unless RCTL.SECRC, and written by DMA into the buffers of
 * as many advanced one-buffer descriptors as it needs from RDH up to RDT (RDT excluded),
 * each written back (DD, EOP on the last) before RDH moves on. Every descriptor type is
 * handled as advanced one-buffer; header split is not modelled.
 */
import { FCS_LEN, putFcs } from './crc.js';
import { DmaSpace } from './dma.js';
import {
  DESC_DWORDS,
  RXD_ERR_RXE,
  RXD_PKT_ADDR_HI,
  RXD_PKT_ADDR_LO,
  RXD_STAT_DD,
  RXD_STAT_EOP,
  RXD_STAT_VP,
  RXD_VLAN_SHIFT,
  RXD_WB_STATUS_ERROR,
} from './descriptors.js';
import { addressAccepted, destinationKind, VLAN_VID_MASK, vlanAccepted } from './filters.js';
import type { IgbInterrupts } from './interrupts.js';
import {
  CRCERRS,
  CTRL,
  CTRL_VME,
  DESC_SIZE,
  ICR_RXDW,
  ICR_RXO,
  MPC,
  MRQC,
  MRQC_MRQE_MASK,
  MRQC_MRQE_RSS,
  RCTL,
  RCTL_BSEX,
  RCTL_BSIZE_MASK,
  RCTL_BSIZE_SHIFT,
  RCTL_EN,
  RCTL_LPE,
  RCTL_SBP,
  RCTL_SECRC,
  RDBAH,
  RDBAL,
  RDH,
  RDLEN,
  RDT,
  RETA,
  RETA_ENTRIES,
  RETA_QUEUE_MASK,
  RLPML,
  RLPML_MASK,
  RNBC,
  ROC,
  RSSRK,
  RSSRK_BYTES,
  RUC,
  RXCSUM,
  RXCSUM_PCSD,
  RXDCTL,
  RXDCTL_ENABLE,
  RXERRC,
  SRRCTL,
  SRRCTL_BSIZEPKT_MASK,
  SRRCTL_BSIZEPKT_SHIFT,
  VET,
  VET_TPID_MASK,
} from './regs.js';
import { parsePacket, RSS_TYPE_NONE, rssInput, rssType, toeplitzHash } from './rss.js';
import type { IgbStats } from './stats.js';

/** What became of a frame offered to the receive path. */
export type IgbRxOutcome =
  | 'delivered'
  | 'removed'
  | 'no-link'
  | 'rx-disabled'
  | 'bad-frame'
  | 'undersize'
  | 'oversize'
  | 'filtered'
  | 'queue-disabled'
  | 'no-descriptors'
  | 'dma-fault';

/**
 * An error to inject into the next received frame: `crc` (counted in CRCERRS, FCS
 * corrupted) or `data` (a symbol/data error, counted in RXERRC). Either way the frame is
 * dropped unless RCTL.SBP keeps bad packets, then written back with RXE.
 */
export type IgbRxError = 'crc' | 'data';

const REG_SHIFT = 2;
const MIN_FRAME = 60;
const MAX_FRAME = 1514;
const VLAN_TAG = 4;
const TCI_AT = 14;
const ETHERTYPE_AT = 12;
const BITS_PER_BYTE = 8;
const BYTE_MASK = 0xff;
const BYTES_PER_REG = 4;
/** RCTL.BSIZE buffer sizes (2048, 1024, 512, 256), times 16 with RCTL.BSEX. */
const RCTL_BUFFER_SIZES = [2048, 1024, 512, 256] as const;
const BSEX_FACTOR = 16;

/** The receive logic of one device. */
export class IgbReceiver {
  readonly #regs: Uint32Array;
  readonly #dma: DmaSpace;
  readonly #stats: IgbStats;
  readonly #intr: IgbInterrupts;
  #pendingError: IgbRxError | undefined;
  readonly #desc = new Uint32Array(DESC_DWORDS);
  readonly #status = new Uint32Array(1);

  constructor(regs: Uint32Array, dma: DmaSpace, stats: IgbStats, intr: IgbInterrupts) {
    this.#regs = regs;
    this.#dma = dma;
    this.#stats = stats;
    this.#intr = intr;
  }

  /** Makes the next frame that reaches the receive path carry `kind`. */
  injectError(kind: IgbRxError): void {
    this.#pendingError = kind;
  }

  /** Forgets a pending injected error (device reset). */
  reset(): void {
    this.#pendingError = undefined;
  }

  /** Receives `frame` (destination address first, no FCS) from the cable. */
  receive(frame: Uint8Array): IgbRxOutcome {
    const rctl = this.#reg(RCTL);
    if ((rctl & RCTL_EN) === 0) return 'rx-disabled';
    const keepBad = (rctl & RCTL_SBP) !== 0;
    const tpid = this.#reg(VET) & VET_TPID_MASK;
    const tagged = frame.length >= TCI_AT + 2 && ((frame[ETHERTYPE_AT] << BITS_PER_BYTE) | frame[ETHERTYPE_AT + 1]) === tpid;

    const error = this.#pendingError;
    this.#pendingError = undefined;
    if (error !== undefined) {
      this.#stats.bump(error === 'crc' ? CRCERRS : RXERRC);
      if (!keepBad) return 'bad-frame';
    }
    if (frame.length < MIN_FRAME) {
      this.#stats.bump(RUC);
      if (!keepBad) return 'undersize';
    }
    const max = (rctl & RCTL_LPE) !== 0 ? (this.#reg(RLPML) & RLPML_MASK) - FCS_LEN : MAX_FRAME + (tagged ? VLAN_TAG : 0);
    if (frame.length > max) {
      this.#stats.bump(ROC);
      if (!keepBad) return 'oversize';
    }
    const tci = tagged ? (frame[TCI_AT] << BITS_PER_BYTE) | frame[TCI_AT + 1] : 0;
    if ((tagged && !vlanAccepted(this.#regs, tci & VLAN_VID_MASK)) || !addressAccepted(this.#regs, frame)) return 'filtered';

    const packet = parsePacket(frame, tpid);
    const mrqc = this.#reg(MRQC);
    const type = (mrqc & MRQC_MRQE_MASK) === MRQC_MRQE_RSS ? rssType(packet, mrqc) : RSS_TYPE_NONE;
    const hash = type === RSS_TYPE_NONE ? 0 : toeplitzHash(this.#rssKey(), rssInput(frame, packet, type));
    const queue = type === RSS_TYPE_NONE ? 0 : this.#retaEntry(hash % RETA_ENTRIES) & RETA_QUEUE_MASK;
    if ((this.#reg(RXDCTL(queue)) & RXDCTL_ENABLE) === 0 || this.#reg(RDLEN(queue)) === 0) {
      this.#stats.bump(MPC);
      this.#stats.bump(RNBC);
      return 'queue-disabled';
    }

    const strip = tagged && (this.#reg(CTRL) & CTRL_VME) !== 0;
    const data = this.#stored(frame, strip, (rctl & RCTL_SECRC) === 0, error === 'crc');
    const bufSize = this.#bufferSize(queue, rctl);
    const ring = DmaSpace.address(this.#reg(RDBAL(queue)), this.#reg(RDBAH(queue)));
    const count = this.#reg(RDLEN(queue)) / DESC_SIZE;
    let head = this.#reg(RDH(queue));
    const tail = this.#reg(RDT(queue));
    const free = head < count && tail < count ? (tail - head + count) % count : 0;
    const needed = Math.max(1, Math.ceil(data.length / bufSize));
    if (needed > free) {
      this.#stats.bump(MPC);
      this.#stats.bump(RNBC);
      this.#intr.raise(ICR_RXO);
      return 'no-descriptors';
    }

    const info = type | packet.packetType;
    const rss = type !== RSS_TYPE_NONE && (this.#reg(RXCSUM) & RXCSUM_PCSD) !== 0 ? hash : 0;
    const lastStatus = RXD_STAT_DD | RXD_STAT_EOP | (strip ? RXD_STAT_VP : 0) | (error !== undefined ? RXD_ERR_RXE : 0);
    for (let k = 0; k < needed; k++) {
      const at = ring + head * DESC_SIZE;
      if (!this.#dma.readDwords(at, this.#desc, `rx queue ${queue} descriptor ${head}`)) return 'dma-fault';
      const chunk = data.subarray(k * bufSize, Math.min(data.length, (k + 1) * bufSize));
      const buffer = DmaSpace.address(this.#desc[RXD_PKT_ADDR_LO], this.#desc[RXD_PKT_ADDR_HI]);
      if (!this.#dma.write(buffer, chunk, `rx queue ${queue} buffer of descriptor ${head}`)) return 'dma-fault';
      const last = k === needed - 1;
      this.#desc.set([last ? info : 0, last ? rss : 0, 0, chunk.length | ((last && strip ? tci : 0) << RXD_VLAN_SHIFT)]);
      this.#status[0] = last ? lastStatus : RXD_STAT_DD;
      // Everything but the status first, then the status: DD is the last thing a poller sees.
      this.#dma.writeDwords(at, this.#desc, 'rx write-back');
      this.#dma.writeDwords(at + RXD_WB_STATUS_ERROR * BYTES_PER_REG, this.#status, 'rx write-back');
      head = (head + 1) % count;
      this.#set(RDH(queue), head);
    }
    this.#stats.received(frame.length + FCS_LEN, destinationKind(frame));
    this.#intr.raiseExtended(this.#intr.rxQueueBit(queue));
    this.#intr.raise(ICR_RXDW);
    return 'delivered';
  }

  /** The bytes stored in host memory: the frame, VLAN tag stripped, FCS appended. */
  #stored(frame: Uint8Array, strip: boolean, withFcs: boolean, badFcs: boolean): Uint8Array {
    const body = strip ? frame.length - VLAN_TAG : frame.length;
    const out = new Uint8Array(body + (withFcs ? FCS_LEN : 0));
    if (strip) {
      out.set(frame.subarray(0, ETHERTYPE_AT));
      out.set(frame.subarray(ETHERTYPE_AT + VLAN_TAG), ETHERTYPE_AT);
    } else {
      out.set(frame);
    }
    if (withFcs) {
      // The FCS is the one the frame had on the wire, tag included.
      putFcs(frame, out, body);
      if (badFcs) for (let i = body; i < out.length; i++) out[i] ^= BYTE_MASK;
    }
    return out;
  }

  #bufferSize(queue: number, rctl: number): number {
    const pkt = this.#reg(SRRCTL(queue)) & SRRCTL_BSIZEPKT_MASK;
    if (pkt !== 0) return pkt << SRRCTL_BSIZEPKT_SHIFT;
    const size = RCTL_BUFFER_SIZES[(rctl & RCTL_BSIZE_MASK) >>> RCTL_BSIZE_SHIFT];
    return (rctl & RCTL_BSEX) !== 0 ? size * BSEX_FACTOR : size;
  }

  #rssKey(): Uint8Array {
    const key = new Uint8Array(RSSRK_BYTES);
    for (let i = 0; i < RSSRK_BYTES; i++) key[i] = this.#byteAt(RSSRK, i);
    return key;
  }

  #retaEntry(index: number): number {
    return this.#byteAt(RETA, index);
  }

  /** Byte `index` of the little-endian register array at `base`. */
  #byteAt(base: number, index: number): number {
    return (this.#reg(base + (index & ~(BYTES_PER_REG - 1))) >>> (BITS_PER_BYTE * (index % BYTES_PER_REG))) & BYTE_MASK;
  }

  #reg(offset: number): number {
    return this.#regs[offset >>> REG_SHIFT];
  }

  #set(offset: number, value: number): void {
    this.#regs[offset >>> REG_SHIFT] = value;
  }
}
