/**
 * The transmit path of net_af_packet: each packet is copied (all its segments) into the
 * next free frame of the socket's TPACKET_V3 tx ring, which is marked
 * `TP_STATUS_SEND_REQUEST`; the mbufs are freed and ONE kick per burst
 * (`sendto(fd, NULL, 0, MSG_DONTWAIT)`) has the kernel send every requested frame. The
 * kernel marks a frame available again once it is gone. A full ring ends the burst early;
 * the caller keeps the packets not taken. A kick that fails (interface down, socket buffer
 * full) leaves its frames requested and is owed: the next burst kicks even with nothing new.
 *
 * Ordering: frames are written with plain stores. The kernel reads tx frames only inside
 * the kick, a system call, which orders everything written before it.
 */
import { MbufView } from '@nic/eal';
import { MBUF_DATA_LEN, MBUF_NEXT, MBUF_PKT_LEN } from '@nic/eal/layout';
import { TxQueueCounters, type PortData, type TxQueue } from '@nic/ethdev/driver';
import { packetTxKick, TP3_LEN, TP3_STATUS, TP_STATUS_AVAILABLE, TP_STATUS_SEND_REQUEST, TPACKET3_TX_DATA_OFFSET } from '@nic/native';
import { copyBytes, type ByteViews } from './copy.js';
import { AP_TX_MAX_LEN, QP_TX_FRAME, QP_TX_OWED } from './layout.js';
import type { QpairRing } from './ring.js';

/** Bytes of an Ethernet header: the kernel refuses shorter frames. */
export const ETHER_HDR_LEN = 14;

/** One thread's view of a tx queue. */
export class AfPacketTxQueue implements TxQueue {
  readonly #ring: QpairRing;
  readonly #arena: ByteViews;
  readonly #a16: Uint16Array;
  readonly #a32: Uint32Array;
  readonly #mbufs: MbufView;
  readonly #counters: TxQueueCounters;
  /** Word index in the arena of the queue pair's `QP_TX_FRAME`. */
  readonly #state: number;
  /** Word index in the arena of the port's `AP_TX_MAX_LEN`. */
  readonly #maxLen: number;

  constructor(data: PortData, queue: number, ring: QpairRing) {
    const { arena } = data;
    this.#ring = ring;
    this.#arena = arena;
    this.#a16 = arena.u16;
    this.#a32 = arena.u32;
    this.#mbufs = new MbufView(arena);
    this.#counters = new TxQueueCounters(data, queue);
    this.#state = (ring.record + QP_TX_FRAME) >>> 2;
    this.#maxLen = (data.privOffset + AP_TX_MAX_LEN) >>> 2;
  }

  txBurst(handles: Uint32Array, n: number, offset: number): number {
    const ring = this.#ring;
    const r32 = ring.u32;
    const frames = ring.txFrames;
    const frameCount = ring.frameCount;
    const a16 = this.#a16;
    const a32 = this.#a32;
    const maxLen = a32[this.#maxLen];
    let frame = a32[this.#state];
    let taken = 0;
    let sent = 0;
    let bytes = 0;
    let errors = 0;
    for (; taken < n; taken++) {
      const slot = frames[frame];
      if (r32[(slot + TP3_STATUS) >>> 2] !== TP_STATUS_AVAILABLE) break;
      const h = handles[offset + taken];
      const len = a32[(h + MBUF_PKT_LEN) >>> 2];
      if (len > maxLen || len < ETHER_HDR_LEN) {
        errors++;
        continue;
      }
      let to = slot + TPACKET3_TX_DATA_OFFSET;
      for (let seg = h; seg !== 0; seg = a32[(seg + MBUF_NEXT) >>> 2]) {
        const segLen = a16[(seg + MBUF_DATA_LEN) >>> 1];
        copyBytes(ring, to, this.#arena, this.#mbufs.mtod(seg), segLen);
        to += segLen;
      }
      r32[(slot + TP3_LEN) >>> 2] = len;
      r32[(slot + TP3_STATUS) >>> 2] = TP_STATUS_SEND_REQUEST;
      frame = frame + 1 === frameCount ? 0 : frame + 1;
      sent++;
      bytes += len;
    }
    a32[this.#state] = frame;
    // Kick when this burst queued frames, or when the last kick failed (the interface was
    // down, the socket's buffer full) and frames still wait.
    const owed = this.#state + ((QP_TX_OWED - QP_TX_FRAME) >>> 2);
    if (sent !== 0 || a32[owed] !== 0) a32[owed] = packetTxKick(ring.fd) < 0 ? 1 : 0;
    this.#counters.add(sent, bytes);
    if (errors !== 0) this.#counters.errors(errors);
    this.#mbufs.freeBulk(handles, taken, offset);
    return taken;
  }
}
