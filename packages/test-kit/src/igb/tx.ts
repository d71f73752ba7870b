/**
 * The transmit path of the model, run synchronously when software writes TDT of an
 * enabled queue (TCTL.EN and TXDCTL.ENABLE): descriptors from TDH up to TDT are fetched by
 * DMA. Advanced context descriptors record the VLAN tag of their context slot; advanced
 * data and legacy descriptors add their buffer to the frame being gathered; at EOP the
 * frame gets its VLAN tag (VLE, TPID from VET), is padded to 60 bytes (TCTL.PSP) and goes
 * to the wire. Descriptors with RS get DD written back; TDH advances past each one.
 * Checksum offloads and TSO are not performed (the frame is sent as gathered); IFCS is
 * implied, as frames on the model's wire carry no FCS.
 */
import { FCS_LEN } from './crc.js';
import { DmaSpace } from './dma.js';
import {
  DESC_DWORDS,
  TXD_ADDR_HI,
  TXD_ADDR_LO,
  TXD_CMD_DEXT,
  TXD_CMD_EOP,
  TXD_CMD_RS,
  TXD_CMD_TYPE_LEN,
  TXD_CMD_VLE,
  TXD_CTX_MSS_L4LEN_IDX,
  TXD_CTX_VLAN_MACIP_LENS,
  TXD_CTX_VLAN_SHIFT,
  TXD_DTYP_CTXT,
  TXD_DTYP_DATA,
  TXD_DTYP_MASK,
  TXD_IDX_MASK,
  TXD_IDX_SHIFT,
  TXD_LEGACY_SPECIAL_SHIFT,
  TXD_LENGTH_MASK,
  TXD_OLINFO_STATUS,
  TXD_STAT_DD,
} from './descriptors.js';
import { destinationKind } from './filters.js';
import type { IgbInterrupts } from './interrupts.js';
import { DESC_SIZE, ICR_TXDW, NUM_QUEUES, TCTL, TCTL_EN, TCTL_PSP, TDBAH, TDBAL, TDH, TDLEN, TDT, TXDCTL, TXDCTL_ENABLE, VET, VET_TPID_MASK } from './regs.js';
import type { IgbStats } from './stats.js';

const REG_SHIFT = 2;
const MIN_FRAME = 60;
const ETHERTYPE_AT = 12;
const VLAN_TAG = 4;
const BITS_PER_BYTE = 8;
const BYTE_MASK = 0xff;
const TAG_MASK = 0xffff;
const CONTEXTS = 2;
const BYTES_PER_REG = 4;

/** Where finished frames go (the model hands them to the wire). */
export type FrameSink = (frame: Uint8Array) => void;

/** A frame being gathered on one queue, across TDT writes. */
interface TxQueueState {
  segments: Uint8Array[];
  /** cmd_type_len and olinfo_status of the frame's first data descriptor. */
  firstCmd: number;
  firstStatus: number;
  started: boolean;
  /** VLAN tags of the two context slots. */
  readonly contextVlan: number[];
}

function freshQueue(): TxQueueState {
  return { segments: [], firstCmd: 0, firstStatus: 0, started: false, contextVlan: new Array<number>(CONTEXTS).fill(0) };
}

/** The transmit logic of one device. */
export class IgbTransmitter {
  readonly #regs: Uint32Array;
  readonly #dma: DmaSpace;
  readonly #stats: IgbStats;
  readonly #intr: IgbInterrupts;
  readonly #sink: FrameSink;
  #queues: TxQueueState[] = [];
  readonly #desc = new Uint32Array(DESC_DWORDS);
  readonly #status = new Uint32Array(1);

  /** `sink` receives every frame sent (the caller decides whether the link carries it). */
  constructor(regs: Uint32Array, dma: DmaSpace, stats: IgbStats, intr: IgbInterrupts, sink: FrameSink) {
    this.#regs = regs;
    this.#dma = dma;
    this.#stats = stats;
    this.#intr = intr;
    this.#sink = sink;
    this.reset();
  }

  /** Forgets partly gathered frames and context slots (device reset). */
  reset(): void {
    this.#queues = Array.from({ length: NUM_QUEUES }, freshQueue);
  }

  /** Processes queue `queue` from TDH up to TDT (the doorbell). */
  kick(queue: number): void {
    if ((this.#reg(TCTL) & TCTL_EN) === 0 || (this.#reg(TXDCTL(queue)) & TXDCTL_ENABLE) === 0) return;
    const count = this.#reg(TDLEN(queue)) / DESC_SIZE;
    const tail = this.#reg(TDT(queue));
    if (tail >= count) return;
    const ring = DmaSpace.address(this.#reg(TDBAL(queue)), this.#reg(TDBAH(queue)));
    const state = this.#queues[queue];
    let head = this.#reg(TDH(queue));
    let written = false;
    while (head !== tail && head < count) {
      const at = ring + head * DESC_SIZE;
      if (!this.#dma.readDwords(at, this.#desc, `tx queue ${queue} descriptor ${head}`)) return;
      if (!this.#process(queue, state)) return;
      const cmd = this.#desc[TXD_CMD_TYPE_LEN];
      head = (head + 1) % count;
      this.#set(TDH(queue), head);
      if ((cmd & TXD_CMD_RS) !== 0) {
        this.#status[0] = this.#desc[TXD_OLINFO_STATUS] | TXD_STAT_DD;
        this.#dma.writeDwords(at + TXD_OLINFO_STATUS * BYTES_PER_REG, this.#status, 'tx write-back');
        written = true;
      }
    }
    if (written) {
      this.#intr.raiseExtended(this.#intr.txQueueBit(queue));
      this.#intr.raise(ICR_TXDW);
    }
  }

  /** Handles the descriptor in `#desc`; false when its buffer could not be read. */
  #process(queue: number, state: TxQueueState): boolean {
    const cmd = this.#desc[TXD_CMD_TYPE_LEN];
    const advanced = (cmd & TXD_CMD_DEXT) !== 0;
    if (advanced && (cmd & TXD_DTYP_MASK) === TXD_DTYP_CTXT) {
      const slot = (this.#desc[TXD_CTX_MSS_L4LEN_IDX] >>> TXD_IDX_SHIFT) & TXD_IDX_MASK;
      state.contextVlan[slot] = this.#desc[TXD_CTX_VLAN_MACIP_LENS] >>> TXD_CTX_VLAN_SHIFT;
      return true;
    }
    if (advanced && (cmd & TXD_DTYP_MASK) !== TXD_DTYP_DATA) return true;
    if (!state.started) {
      state.started = true;
      state.firstCmd = cmd;
      state.firstStatus = this.#desc[TXD_OLINFO_STATUS];
    }
    const length = cmd & TXD_LENGTH_MASK;
    const segment = new Uint8Array(length);
    const buffer = DmaSpace.address(this.#desc[TXD_ADDR_LO], this.#desc[TXD_ADDR_HI]);
    if (length > 0 && !this.#dma.read(buffer, segment, 0, length, `tx queue ${queue} buffer`)) return false;
    state.segments.push(segment);
    if ((cmd & TXD_CMD_EOP) !== 0) this.#finish(state);
    return true;
  }

  #finish(state: TxQueueState): void {
    const tag = this.#vlanTag(state);
    const body = state.segments.reduce((n, s) => n + s.length, 0) + (tag === undefined ? 0 : VLAN_TAG);
    const pad = (this.#reg(TCTL) & TCTL_PSP) !== 0 ? Math.max(0, MIN_FRAME - body) : 0;
    const frame = new Uint8Array(body + pad);
    let at = 0;
    for (const s of state.segments) {
      frame.set(s, at);
      at += s.length;
    }
    if (tag !== undefined) {
      frame.copyWithin(ETHERTYPE_AT + VLAN_TAG, ETHERTYPE_AT, at);
      const tpid = this.#reg(VET) & VET_TPID_MASK;
      frame.set([tpid >>> BITS_PER_BYTE, tpid & BYTE_MASK, tag >>> BITS_PER_BYTE, tag & BYTE_MASK], ETHERTYPE_AT);
    }
    state.segments = [];
    state.started = false;
    this.#stats.transmitted(frame.length + FCS_LEN, destinationKind(frame));
    this.#sink(frame);
  }

  /** The tag to insert (VLE on the first descriptor), undefined when none. */
  #vlanTag(state: TxQueueState): number | undefined {
    if ((state.firstCmd & TXD_CMD_VLE) === 0) return undefined;
    if ((state.firstCmd & TXD_CMD_DEXT) === 0) return (state.firstStatus >>> TXD_LEGACY_SPECIAL_SHIFT) & TAG_MASK;
    return state.contextVlan[(state.firstStatus >>> TXD_IDX_SHIFT) & TXD_IDX_MASK] & TAG_MASK;
  }

  #reg(offset: number): number {
    return this.#regs[offset >>> REG_SHIFT];
  }

  #set(offset: number, value: number): void {
    this.#regs[offset >>> REG_SHIFT] = value;
  }
}
