/**
 * The 82599's receive path: a frame from the cable (no FCS) is checked (RXCTRL.RXEN,
 * injected errors, runts, frames longer than HLREG0.JUMBOEN / MAXFRS allow, 802.3 length
 * fields with HLREG0.RXLNGTHERREN), filtered (VLNCTRL/VFTA, FCTRL, RAR, MCSTCTRL/MTA), given
 * a queue (RSS by MRQC, RETA and RSSRK, or queue 0), stripped of its VLAN tag when the
 * queue's RXDCTL.VME says so, given its FCS unless HLREG0.RXCRCSTRP, and written into the
 * queue's ring in the descriptor format SRRCTL names (legacy, else advanced one-buffer;
 * the header-split types are written as one buffer), spanning as many buffers of
 * SRRCTL.BSIZEPACKET as it needs.
 */
import { FCS_LEN } from '../model/crc.js';
import type { DmaSpace } from '../model/dma.js';
import { RXD_STAT_VP } from '../model/descriptors.js';
import { mtaIndex, rarMatches, tableBit } from '../model/filters.js';
import { destinationKind, ETHERTYPE_AT, MAX_FRAME, MIN_FRAME, storedFrame, VLAN_TAG, VLAN_VID_MASK, vlanTci } from '../model/frame.js';
import { ReceivePath, type RxOutcome } from '../model/receive-path.js';
import { parsePacket, RSS_TYPE_NONE } from '../model/rss.js';
import type { RxDescriptorFormat } from '../model/rx-ring.js';
import type { IxgbeInterrupts } from './interrupts.js';
import {
  CRCERRS,
  EICR_RX_MISS,
  FCTRL,
  FCTRL_BAM,
  FCTRL_MPE,
  FCTRL_SBP,
  FCTRL_UPE,
  HLREG0,
  HLREG0_JUMBOEN,
  HLREG0_RXCRCSTRP,
  HLREG0_RXLNGTHERREN,
  MAXFRS,
  MAXFRS_MFS_SHIFT,
  MCSTCTRL,
  MCSTCTRL_MFE,
  MCSTCTRL_MO_MASK,
  MPC,
  MRQC,
  MRQC_MRQE_MASK,
  MRQC_RSSEN,
  MTA,
  RAH,
  RAL,
  RAR_ENTRIES,
  RLEC,
  RNBC,
  RX_RING,
  RXCSUM,
  RXCSUM_PCSD,
  RXCTRL,
  RXCTRL_RXEN,
  RXD_ERR_CE,
  RXD_ERR_LE,
  RXDADV_ERR_CE,
  RXDADV_ERR_LE,
  RXDADV_ERR_RXE,
  RXDCTL,
  RXDCTL_VME,
  SRRCTL,
  SRRCTL_BSIZEPKT_MASK,
  SRRCTL_BSIZEPKT_SHIFT,
  SRRCTL_DESCTYPE_LEGACY,
  SRRCTL_DESCTYPE_MASK,
  SRRCTL_DROP_EN,
  VFTA,
  VLNCTRL,
  VLNCTRL_VET_MASK,
  VLNCTRL_VFE,
} from './regs.js';
import type { IxgbeStats } from './stats.js';

/** What became of a frame offered to the receive path. */
export type IxgbeRxOutcome = RxOutcome;

/**
 * An error to inject into the next received frame: `crc` (counted in CRCERRS, FCS
 * corrupted) or `length` (an 802.3 length error, counted in RLEC). Either way the frame is
 * dropped unless FCTRL.SBP keeps bad packets; then it is written back with RXE and CE or LE.
 */
export type IxgbeRxError = 'crc' | 'length';

const BITS_PER_BYTE = 8;
/** EtherType values below this are 802.3 length fields. */
const ETHERTYPE_MIN = 0x0600;
/** SRRCTL.BSIZEPACKET of 0 is reserved; the model then uses the reset value, 2 KiB. */
const DEFAULT_BSIZEPKT = 2;

/** Whether queue `q` is enabled (RXDCTL.ENABLE as it reads back). */
export type RxQueueEnabled = (q: number) => boolean;

/** The receive logic of one 82599. */
export class IxgbeReceiver extends ReceivePath<IxgbeRxError> {
  readonly #stats: IxgbeStats;
  readonly #intr: IxgbeInterrupts;
  readonly #enabled: RxQueueEnabled;

  constructor(regs: Uint32Array, dma: DmaSpace, stats: IxgbeStats, intr: IxgbeInterrupts, enabled: RxQueueEnabled) {
    super(regs, dma, stats, RX_RING);
    this.#stats = stats;
    this.#intr = intr;
    this.#enabled = enabled;
  }

  /** Receives `frame` (destination address first, no FCS) from the cable. */
  receive(frame: Uint8Array): IxgbeRxOutcome {
    if ((this.reg(RXCTRL) & RXCTRL_RXEN) === 0) return 'rx-disabled';
    const hlreg0 = this.reg(HLREG0);
    const tpid = this.reg(VLNCTRL) & VLNCTRL_VET_MASK;
    const tci = vlanTci(frame, tpid);
    const tagged = tci >= 0;
    let error = this.takeError();
    if (error === undefined && (hlreg0 & HLREG0_RXLNGTHERREN) !== 0 && lengthFieldWrong(frame, tagged)) error = 'length';
    const max = ((hlreg0 & HLREG0_JUMBOEN) !== 0 ? (this.reg(MAXFRS) >>> MAXFRS_MFS_SHIFT) - FCS_LEN : MAX_FRAME) + (tagged ? VLAN_TAG : 0);
    const dropped = this.checkFrame(frame, error === undefined ? undefined : error === 'crc' ? CRCERRS : RLEC, (this.reg(FCTRL) & FCTRL_SBP) !== 0, max);
    if (dropped) return dropped;
    if ((tagged && !this.#vlanAccepted(tci & VLAN_VID_MASK)) || !this.#addressAccepted(frame)) return 'filtered';

    const packet = parsePacket(frame, tpid);
    const { type, hash, queue } = this.chooseQueue(frame, packet, (this.reg(MRQC) & MRQC_MRQE_MASK) === MRQC_RSSEN);
    if (!this.#enabled(queue)) {
      this.#stats.dropped(queue);
      return 'queue-disabled';
    }

    const strip = tagged && (this.reg(RXDCTL(queue)) & RXDCTL_VME) !== 0;
    const data = storedFrame(frame, strip, (hlreg0 & HLREG0_RXCRCSTRP) === 0, error === 'crc');
    const srrctl = this.reg(SRRCTL(queue));
    const format: RxDescriptorFormat = (srrctl & SRRCTL_DESCTYPE_MASK) === SRRCTL_DESCTYPE_LEGACY ? 'legacy' : 'advanced';
    const bufSize = ((srrctl & SRRCTL_BSIZEPKT_MASK) || DEFAULT_BSIZEPKT) << SRRCTL_BSIZEPKT_SHIFT;
    const vp = tagged ? RXD_STAT_VP : 0;
    const outcome = this.ring.write(queue, data, bufSize, format, {
      info: type | packet.packetType,
      rss: type !== RSS_TYPE_NONE && (this.reg(RXCSUM) & RXCSUM_PCSD) !== 0 ? hash : 0,
      status: format === 'advanced' ? vp | advancedErrors(error) : vp | (legacyErrors(error) << BITS_PER_BYTE),
      vlan: tagged ? tci : 0,
    });
    if (outcome === 'no-descriptors') {
      this.#stats.bump(RNBC(0));
      if ((srrctl & SRRCTL_DROP_EN) !== 0) {
        this.#stats.dropped(queue);
      } else {
        this.#stats.bump(MPC(0));
        this.#intr.cause(EICR_RX_MISS);
      }
    }
    if (outcome !== 'delivered') return outcome;
    this.#stats.delivered(queue, frame.length + FCS_LEN, destinationKind(frame), data.length);
    this.#intr.queueCause(queue, false);
    return 'delivered';
  }

  #vlanAccepted(vid: number): boolean {
    return (this.reg(VLNCTRL) & VLNCTRL_VFE) === 0 || tableBit(this.regs, VFTA, vid);
  }

  /** FCTRL's broadcast and promiscuous modes, the receive addresses, then MTA (with MCSTCTRL.MFE). */
  #addressAccepted(frame: Uint8Array): boolean {
    const fctrl = this.reg(FCTRL);
    const kind = destinationKind(frame);
    if (kind === 'broadcast') return (fctrl & FCTRL_BAM) !== 0;
    if (kind === 'unicast' && (fctrl & FCTRL_UPE) !== 0) return true;
    if (kind === 'multicast' && (fctrl & FCTRL_MPE) !== 0) return true;
    for (let n = 0; n < RAR_ENTRIES; n++) if (rarMatches(this.regs, RAL(n), RAH(n), frame)) return true;
    const mcstctrl = this.reg(MCSTCTRL);
    return kind === 'multicast' && (mcstctrl & MCSTCTRL_MFE) !== 0 && tableBit(this.regs, MTA, mtaIndex(frame, mcstctrl & MCSTCTRL_MO_MASK));
  }
}

/**
 * Whether `frame` carries an 802.3 length field that disagrees with its payload: a field
 * larger than the payload, or one smaller than a payload that is not padding up to the
 * minimum frame.
 */
function lengthFieldWrong(frame: Uint8Array, tagged: boolean): boolean {
  const at = ETHERTYPE_AT + (tagged ? VLAN_TAG : 0);
  const field = (frame[at] << BITS_PER_BYTE) | frame[at + 1];
  if (field >= ETHERTYPE_MIN) return false;
  const payload = frame.length - at - 2;
  return field > payload || (field < payload && frame.length > MIN_FRAME);
}

function advancedErrors(error: IxgbeRxError | undefined): number {
  if (error === undefined) return 0;
  return (RXDADV_ERR_RXE | (error === 'crc' ? RXDADV_ERR_CE : RXDADV_ERR_LE)) >>> 0;
}

function legacyErrors(error: IxgbeRxError | undefined): number {
  if (error === undefined) return 0;
  return error === 'crc' ? RXD_ERR_CE : RXD_ERR_LE;
}
