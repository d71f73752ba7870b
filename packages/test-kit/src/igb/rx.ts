/**
 * The receive path of the model: a frame from the cable (no FCS) is checked (RCTL.EN,
 * length, injected errors), filtered, given a queue (RSS or queue 0), stripped of its VLAN
 * tag (CTRL.VME), given its FCS unless RCTL.SECRC, and written by DMA into the buffers of
 * as many advanced one-buffer descriptors as it needs from RDH up to RDT (RDT excluded),
 * each written back (DD, EOP on the last) before RDH moves on. Every descriptor type is
 * handled as advanced one-buffer; header split is not modelled.
 */
import { FCS_LEN } from '../model/crc.js';
import type { DmaSpace } from '../model/dma.js';
import { RXD_STAT_VP } from '../model/descriptors.js';
import { destinationKind, MAX_FRAME, MIN_FRAME, storedFrame, VLAN_TAG, VLAN_VID_MASK, vlanTci } from '../model/frame.js';
import { parsePacket, readRssKey, registerByte, RETA_ENTRIES, RSS_TYPE_NONE, RSSRK_BYTES, rssInput, rssType, toeplitzHash } from '../model/rss.js';
import { RxRingWriter } from '../model/rx-ring.js';
import { addressAccepted, vlanAccepted } from './filters.js';
import type { IgbInterrupts } from './interrupts.js';
import {
  CRCERRS,
  CTRL,
  CTRL_VME,
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
  RDLEN,
  RETA,
  RETA_QUEUE_MASK,
  RLPML,
  RLPML_MASK,
  RNBC,
  ROC,
  RSSRK,
  RUC,
  RX_RING,
  RXCSUM,
  RXCSUM_PCSD,
  RXD_ERR_RXE,
  RXDCTL,
  RXDCTL_ENABLE,
  RXERRC,
  SRRCTL,
  SRRCTL_BSIZEPKT_MASK,
  SRRCTL_BSIZEPKT_SHIFT,
  VET,
  VET_TPID_MASK,
} from './regs.js';
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
/** RCTL.BSIZE buffer sizes (2048, 1024, 512, 256), times 16 with RCTL.BSEX. */
const RCTL_BUFFER_SIZES = [2048, 1024, 512, 256] as const;
const BSEX_FACTOR = 16;

/** The receive logic of one device. */
export class IgbReceiver {
  readonly #regs: Uint32Array;
  readonly #stats: IgbStats;
  readonly #intr: IgbInterrupts;
  readonly #ring: RxRingWriter;
  readonly #key = new Uint8Array(RSSRK_BYTES);
  #pendingError: IgbRxError | undefined;

  constructor(regs: Uint32Array, dma: DmaSpace, stats: IgbStats, intr: IgbInterrupts) {
    this.#regs = regs;
    this.#stats = stats;
    this.#intr = intr;
    this.#ring = new RxRingWriter(regs, dma, RX_RING);
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
    const tci = vlanTci(frame, tpid);
    const tagged = tci >= 0;

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
    if ((tagged && !vlanAccepted(this.#regs, tci & VLAN_VID_MASK)) || !addressAccepted(this.#regs, frame)) return 'filtered';

    const packet = parsePacket(frame, tpid);
    const mrqc = this.#reg(MRQC);
    const type = (mrqc & MRQC_MRQE_MASK) === MRQC_MRQE_RSS ? rssType(packet, mrqc) : RSS_TYPE_NONE;
    const hash = type === RSS_TYPE_NONE ? 0 : toeplitzHash(readRssKey(this.#regs, RSSRK, this.#key), rssInput(frame, packet, type));
    const queue = type === RSS_TYPE_NONE ? 0 : registerByte(this.#regs, RETA, hash % RETA_ENTRIES) & RETA_QUEUE_MASK;
    if ((this.#reg(RXDCTL(queue)) & RXDCTL_ENABLE) === 0 || this.#reg(RDLEN(queue)) === 0) {
      this.#stats.bump(MPC);
      this.#stats.bump(RNBC);
      return 'queue-disabled';
    }

    const strip = tagged && (this.#reg(CTRL) & CTRL_VME) !== 0;
    const data = storedFrame(frame, strip, (rctl & RCTL_SECRC) === 0, error === 'crc');
    const outcome = this.#ring.write(queue, data, this.#bufferSize(queue, rctl), 'advanced', {
      info: type | packet.packetType,
      rss: type !== RSS_TYPE_NONE && (this.#reg(RXCSUM) & RXCSUM_PCSD) !== 0 ? hash : 0,
      status: (strip ? RXD_STAT_VP : 0) | (error !== undefined ? RXD_ERR_RXE : 0),
      vlan: strip ? tci : 0,
    });
    if (outcome === 'no-descriptors') {
      this.#stats.bump(MPC);
      this.#stats.bump(RNBC);
      this.#intr.raise(ICR_RXO);
    }
    if (outcome !== 'delivered') return outcome;
    this.#stats.received(frame.length + FCS_LEN, destinationKind(frame));
    this.#intr.raiseExtended(this.#intr.rxQueueBit(queue));
    this.#intr.raise(ICR_RXDW);
    return 'delivered';
  }

  #bufferSize(queue: number, rctl: number): number {
    const pkt = this.#reg(SRRCTL(queue)) & SRRCTL_BSIZEPKT_MASK;
    if (pkt !== 0) return pkt << SRRCTL_BSIZEPKT_SHIFT;
    const size = RCTL_BUFFER_SIZES[(rctl & RCTL_BSIZE_MASK) >>> RCTL_BSIZE_SHIFT];
    return (rctl & RCTL_BSEX) !== 0 ? size * BSEX_FACTOR : size;
  }

  #reg(offset: number): number {
    return this.#regs[offset >>> REG_SHIFT];
  }
}
