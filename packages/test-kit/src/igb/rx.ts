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
import { destinationKind, MAX_FRAME, storedFrame, VLAN_TAG, VLAN_VID_MASK, vlanTci } from '../model/frame.js';
import { ReceivePath, type RxOutcome } from '../model/receive-path.js';
import { parsePacket, RSS_TYPE_NONE } from '../model/rss.js';
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
  RLPML,
  RLPML_MASK,
  RNBC,
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
export type IgbRxOutcome = RxOutcome;

/**
 * An error to inject into the next received frame: `crc` (counted in CRCERRS, FCS
 * corrupted) or `data` (a symbol/data error, counted in RXERRC). Either way the frame is
 * dropped unless RCTL.SBP keeps bad packets, then written back with RXE.
 */
export type IgbRxError = 'crc' | 'data';

/** RCTL.BSIZE buffer sizes (2048, 1024, 512, 256), times 16 with RCTL.BSEX. */
const RCTL_BUFFER_SIZES = [2048, 1024, 512, 256] as const;
const BSEX_FACTOR = 16;

/** The receive logic of one 82576. */
export class IgbReceiver extends ReceivePath<IgbRxError> {
  readonly #stats: IgbStats;
  readonly #intr: IgbInterrupts;

  constructor(regs: Uint32Array, dma: DmaSpace, stats: IgbStats, intr: IgbInterrupts) {
    super(regs, dma, stats, RX_RING);
    this.#stats = stats;
    this.#intr = intr;
  }

  /** Receives `frame` (destination address first, no FCS) from the cable. */
  receive(frame: Uint8Array): IgbRxOutcome {
    const rctl = this.reg(RCTL);
    if ((rctl & RCTL_EN) === 0) return 'rx-disabled';
    const tpid = this.reg(VET) & VET_TPID_MASK;
    const tci = vlanTci(frame, tpid);
    const tagged = tci >= 0;
    const error = this.takeError();
    const max = (rctl & RCTL_LPE) !== 0 ? (this.reg(RLPML) & RLPML_MASK) - FCS_LEN : MAX_FRAME + (tagged ? VLAN_TAG : 0);
    const dropped = this.checkFrame(frame, error === undefined ? undefined : error === 'crc' ? CRCERRS : RXERRC, (rctl & RCTL_SBP) !== 0, max);
    if (dropped) return dropped;
    if ((tagged && !vlanAccepted(this.regs, tci & VLAN_VID_MASK)) || !addressAccepted(this.regs, frame)) return 'filtered';

    const packet = parsePacket(frame, tpid);
    const { type, hash, queue } = this.chooseQueue(frame, packet, (this.reg(MRQC) & MRQC_MRQE_MASK) === MRQC_MRQE_RSS);
    if ((this.reg(RXDCTL(queue)) & RXDCTL_ENABLE) === 0 || this.reg(RDLEN(queue)) === 0) {
      this.#stats.bump(MPC);
      this.#stats.bump(RNBC);
      return 'queue-disabled';
    }

    const strip = tagged && (this.reg(CTRL) & CTRL_VME) !== 0;
    const data = storedFrame(frame, strip, (rctl & RCTL_SECRC) === 0, error === 'crc');
    const outcome = this.ring.write(queue, data, this.#bufferSize(queue, rctl), 'advanced', {
      info: type | packet.packetType,
      rss: type !== RSS_TYPE_NONE && (this.reg(RXCSUM) & RXCSUM_PCSD) !== 0 ? hash : 0,
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
    const pkt = this.reg(SRRCTL(queue)) & SRRCTL_BSIZEPKT_MASK;
    if (pkt !== 0) return pkt << SRRCTL_BSIZEPKT_SHIFT;
    const size = RCTL_BUFFER_SIZES[(rctl & RCTL_BSIZE_MASK) >>> RCTL_BSIZE_SHIFT];
    return (rctl & RCTL_BSEX) !== 0 ? size * BSEX_FACTOR : size;
  }
}
