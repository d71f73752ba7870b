/**
 * The parts of a receive path the 82576 and the 82599 share: an injected error waiting for
 * the next frame, the MAC's checks (an errored frame, a runt under 60 bytes, a frame over
 * the maximum length: each counted, and dropped unless the device stores bad packets),
 * the RSS queue choice, and the ring writer. Each device adds its enables, filters,
 * descriptor fields and counters.
 */
import type { DmaSpace } from './dma.js';
import { MIN_FRAME } from './frame.js';
import { ROC, RUC, type StatCounters } from './mac-stats.js';
import { rssChoose, RSSRK_BYTES, type ParsedPacket, type RssChoice } from './rss.js';
import { RxRingWriter } from './rx-ring.js';
import type { RingRegisters } from './rings.js';

/** What became of a frame offered to a port. */
export type RxOutcome =
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

/** What the MAC's checks drop. */
export type MacCheckOutcome = 'bad-frame' | 'undersize' | 'oversize';

/** The shared part of a device's receive path. */
export abstract class ReceivePath<RxError extends string> {
  protected readonly regs: Uint32Array;
  protected readonly ring: RxRingWriter;
  readonly #stats: StatCounters;
  readonly #key = new Uint8Array(RSSRK_BYTES);
  readonly #rss: RssChoice = { type: 0, hash: 0, queue: 0 };
  #pendingError: RxError | undefined;

  constructor(regs: Uint32Array, dma: DmaSpace, stats: StatCounters, ring: RingRegisters) {
    this.regs = regs;
    this.#stats = stats;
    this.ring = new RxRingWriter(regs, dma, ring);
  }

  /** Makes the next frame that reaches the receive path carry `kind`. */
  injectError(kind: RxError): void {
    this.#pendingError = kind;
  }

  /** Forgets a pending injected error (device reset). */
  reset(): void {
    this.#pendingError = undefined;
  }

  /** The injected error for this frame, if any (it applies once). */
  protected takeError(): RxError | undefined {
    const error = this.#pendingError;
    this.#pendingError = undefined;
    return error;
  }

  /**
   * The MAC's checks of `frame`: an error (`errorCounter` is its counter, undefined when
   * none), a runt (RUC), a frame longer than `maxLength` (ROC). Each is counted; the frame
   * is dropped unless `keepBad`. Returns why it was dropped, or undefined.
   */
  protected checkFrame(frame: Uint8Array, errorCounter: number | undefined, keepBad: boolean, maxLength: number): MacCheckOutcome | undefined {
    if (errorCounter !== undefined) {
      this.#stats.bump(errorCounter);
      if (!keepBad) return 'bad-frame';
    }
    if (frame.length < MIN_FRAME) {
      this.#stats.bump(RUC);
      if (!keepBad) return 'undersize';
    }
    if (frame.length > maxLength) {
      this.#stats.bump(ROC);
      if (!keepBad) return 'oversize';
    }
    return undefined;
  }

  /** The queue, hash and RSS type of `frame` (see {@link rssChoose}); valid until the next call. */
  protected chooseQueue(frame: Uint8Array, packet: ParsedPacket, rssOn: boolean): RssChoice {
    return rssChoose(this.regs, frame, packet, rssOn, this.#key, this.#rss);
  }

  protected reg(offset: number): number {
    return this.regs[offset >>> 2];
  }
}
