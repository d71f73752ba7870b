/**
 * The 82599's statistics: the MAC counters both Intel datasheets share, the flow-control
 * and missed-packet counters around them, and sixteen sets of per-queue counters (QPRC,
 * QBRC, QPRDC, QPTC, QBTC) each counting the queues RQSMR / TQSM map to it (all queues to
 * set 0 after reset). All are clear-on-read; GORC, GOTC, TOR, QBRC and QBTC are 64-bit
 * pairs. Received octets (GORC, QBRC) leave the FCS out when HLREG0 strips it, as the
 * hardware does; GOTC counts the FCS, QBTC does not.
 */
import { FCS_LEN } from '../model/crc.js';
import type { DestinationKind } from '../model/frame.js';
import { StatCounters } from '../model/mac-stats.js';
import {
  GORCH,
  GORCL,
  GOTCH,
  GOTCL,
  QBRC_H,
  QBRC_L,
  QBTC_H,
  QBTC_L,
  QPRC,
  QPRDC,
  QPTC,
  QSM_ENTRY_MASK,
  QUEUE_STATS,
  RQSMR,
  STATS_FIRST,
  STATS_LAST,
  STATS_POST_FIRST,
  STATS_POST_LAST,
  STATS_PRE_FIRST,
  STATS_PRE_LAST,
  TORH,
  TORL,
  TQSM,
} from './regs.js';

const REG_SHIFT = 2;
const QUEUES_PER_MAP = 4;
const MAP_ENTRY_BITS = 8;

/** Byte offsets of every per-queue counter. */
const QUEUE_COUNTERS = new Set(
  Array.from({ length: QUEUE_STATS }, (_, n) => [QPRC(n), QBRC_L(n), QBRC_H(n), QPRDC(n), QPTC(n), QBTC_L(n), QBTC_H(n)]).flat(),
);

function isCounter(offset: number): boolean {
  return (
    (offset >= STATS_FIRST && offset <= STATS_LAST) ||
    (offset >= STATS_PRE_FIRST && offset <= STATS_PRE_LAST) ||
    (offset >= STATS_POST_FIRST && offset <= STATS_POST_LAST) ||
    QUEUE_COUNTERS.has(offset)
  );
}

const PAIRS: ReadonlyArray<readonly [number, number]> = [
  [GORCH, GORCL],
  [GOTCH, GOTCL],
  [TORH, TORL],
  ...Array.from({ length: QUEUE_STATS }, (_, n) => [QBRC_H(n), QBRC_L(n)] as const),
  ...Array.from({ length: QUEUE_STATS }, (_, n) => [QBTC_H(n), QBTC_L(n)] as const),
];

/** The statistics counters of one 82599, in its register file. */
export class IxgbeStats extends StatCounters {
  readonly #regs: Uint32Array;

  constructor(regs: Uint32Array) {
    super(regs, isCounter, PAIRS);
    this.#regs = regs;
  }

  /** The statistics set rx queue `queue` counts in (RQSMR). */
  rxSet(queue: number): number {
    return this.#mapped(RQSMR, queue);
  }

  /** The statistics set tx queue `queue` counts in (TQSM). */
  txSet(queue: number): number {
    return this.#mapped(TQSM, queue);
  }

  /** Counts a frame of `wireSize` bytes (FCS included) delivered to rx queue `queue` as `stored` bytes. */
  delivered(queue: number, wireSize: number, kind: DestinationKind, stored: number): void {
    this.received(wireSize, kind, stored);
    const set = this.rxSet(queue);
    this.bump(QPRC(set));
    this.add64(QBRC_L(set), stored);
  }

  /** Counts a frame of `length` bytes (no FCS) sent from tx queue `queue`. */
  sent(queue: number, length: number, kind: DestinationKind): void {
    this.transmitted(length + FCS_LEN, kind);
    const set = this.txSet(queue);
    this.bump(QPTC(set));
    this.add64(QBTC_L(set), length);
  }

  /** Counts a frame rx queue `queue` dropped (no descriptor with SRRCTL.DROP_EN, or the queue disabled). */
  dropped(queue: number): void {
    this.bump(QPRDC(this.rxSet(queue)));
  }

  #mapped(map: (n: number) => number, queue: number): number {
    const reg = this.#regs[map(Math.floor(queue / QUEUES_PER_MAP)) >>> REG_SHIFT];
    return (reg >>> (MAP_ENTRY_BITS * (queue % QUEUES_PER_MAP))) & QSM_ENTRY_MASK;
  }
}
