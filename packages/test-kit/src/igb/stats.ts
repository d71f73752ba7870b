/**
 * The 82576's statistics block (0x4000-0x40FC): every register in it is a clear-on-read
 * counter; GORC, GOTC, TOR and TOT are 64-bit pairs. Beyond the counters both Intel
 * datasheets share, the 82576 counts transmitted octets in TOT too.
 */
import { StatCounters } from '../model/mac-stats.js';
import type { DestinationKind } from '../model/frame.js';
import { GORCH, GORCL, GOTCH, GOTCL, STATS_FIRST, STATS_LAST, TORH, TORL, TOTH, TOTL } from './regs.js';

/** The statistics counters of one 82576, in its register file. */
export class IgbStats extends StatCounters {
  constructor(regs: Uint32Array) {
    super(regs, (offset) => offset >= STATS_FIRST && offset <= STATS_LAST, [
      [GORCH, GORCL],
      [GOTCH, GOTCL],
      [TORH, TORL],
      [TOTH, TOTL],
    ]);
  }

  /** Counts a transmitted frame of `size` bytes (FCS included), TOT included. */
  override transmitted(size: number, kind: DestinationKind): void {
    super.transmitted(size, kind);
    this.add64(TOTL, size);
  }
}
