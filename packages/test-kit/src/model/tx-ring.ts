/**
 * The transmit ring engine the 82576 and the 82599 share, run synchronously when software
 * writes a queue's tail while the device lets that queue transmit: descriptors from the
 * head up to the tail are fetched by DMA. Advanced context descriptors record the VLAN tag
 * of their context slot; advanced data and legacy descriptors add their buffer to the
 * frame being gathered; at EOP the frame gets its VLAN tag (VLE), is padded when the
 * device pads, and goes to the device's sink. Descriptors with RS get DD written back;
 * the head advances past each one. Checksum offloads and TSO are not performed (the frame
 * is sent as gathered); IFCS is implied, as frames on the model's wire carry no FCS.
 */
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
import { sentFrame } from './frame.js';
import { DESC_SIZE, type RingRegisters } from './rings.js';

/** What the engine asks of its device. */
export interface TxPort {
  /** Whether queue `q` transmits now (the device's global and per-queue enables). */
  queueEnabled(q: number): boolean;
  /** Whether short frames are padded to 60 bytes. */
  padShort(): boolean;
  /** The TPID of inserted VLAN tags. */
  tpid(): number;
  /** A finished frame of queue `q`: the device counts it and puts it on the cable. */
  send(frame: Uint8Array, q: number): void;
  /** Queue `q` wrote descriptors back (RS): the device raises its interrupt. */
  wroteBack(q: number): void;
}

const REG_SHIFT = 2;
const TAG_MASK = 0xffff;
const CONTEXTS = 2;
const BYTES_PER_REG = 4;

/** A frame being gathered on one queue, across tail writes. */
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

/** The transmit rings of one device. */
export class TxRingEngine {
  readonly #regs: Uint32Array;
  readonly #dma: DmaSpace;
  readonly #ring: RingRegisters;
  readonly #port: TxPort;
  readonly #count: number;
  #queues: TxQueueState[] = [];
  #paused = false;
  readonly #desc = new Uint32Array(DESC_DWORDS);
  readonly #status = new Uint32Array(1);

  /** `queues` transmit queues whose registers `ring` locates. */
  constructor(regs: Uint32Array, dma: DmaSpace, ring: RingRegisters, queues: number, port: TxPort) {
    this.#regs = regs;
    this.#dma = dma;
    this.#ring = ring;
    this.#count = queues;
    this.#port = port;
    this.reset();
  }

  /** Forgets partly gathered frames and context slots (device reset). */
  reset(): void {
    this.#queues = Array.from({ length: this.#count }, freshQueue);
  }

  /** Forgets the partly gathered frame and context slots of queue `q` (queue disabled). */
  resetQueue(q: number): void {
    this.#queues[q] = freshQueue();
  }

  /**
   * Pauses (`true`) or resumes every queue, as the link partner's flow control does: while
   * paused, tail writes are kept and nothing is fetched; resuming processes what the queues hold.
   */
  pause(paused: boolean): void {
    this.#paused = paused;
    if (!paused) for (let q = 0; q < this.#count; q++) this.kick(q);
  }

  /** Whether {@link pause} holds the queues. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Processes queue `q` from its head up to its tail (the doorbell). */
  kick(q: number): void {
    if (this.#paused || !this.#port.queueEnabled(q)) return;
    const count = this.#reg(this.#ring.length(q)) / DESC_SIZE;
    const tail = this.#reg(this.#ring.tail(q));
    if (tail >= count) return;
    const ring = DmaSpace.address(this.#reg(this.#ring.base(q)), this.#reg(this.#ring.baseHigh(q)));
    const state = this.#queues[q];
    let head = this.#reg(this.#ring.head(q));
    let written = false;
    while (head !== tail && head < count) {
      const at = ring + head * DESC_SIZE;
      if (!this.#dma.readDwords(at, this.#desc, 'tx descriptor', q, head)) return;
      if (!this.#process(q, head, state)) return;
      const cmd = this.#desc[TXD_CMD_TYPE_LEN];
      head = (head + 1) % count;
      this.#regs[this.#ring.head(q) >>> REG_SHIFT] = head;
      if ((cmd & TXD_CMD_RS) !== 0) {
        this.#status[0] = this.#desc[TXD_OLINFO_STATUS] | TXD_STAT_DD;
        this.#dma.writeDwords(at + TXD_OLINFO_STATUS * BYTES_PER_REG, this.#status, 'tx write-back');
        written = true;
      }
    }
    if (written) this.#port.wroteBack(q);
  }

  /** Handles the descriptor in `#desc`; false when its buffer could not be read. */
  #process(q: number, head: number, state: TxQueueState): boolean {
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
    if (length > 0 && !this.#dma.read(buffer, segment, 0, length, 'tx buffer', q, head)) return false;
    state.segments.push(segment);
    if ((cmd & TXD_CMD_EOP) !== 0) {
      const frame = sentFrame(state.segments, this.#vlanTag(state), this.#port.tpid(), this.#port.padShort());
      state.segments = [];
      state.started = false;
      this.#port.send(frame, q);
    }
    return true;
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
}
