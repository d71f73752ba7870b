/**
 * How a family routes its interrupts in MSI-X mode, as the shared interrupt glue
 * (`IntelInterrupts` of `@nic/intel-common/driver`) drives it: the "other" causes (link
 * status) on vector 0, each rx queue (igb) or rx/tx queue pair (ixgbe) on a vector of its
 * own from {@link MsixRouting.queueVectorBase} up. Each driver's `base/msix.ts` gives one.
 */
import type { IntelHw } from './hw.js';

/** A family's MSI-X routing, by the registers of its datasheet. */
export interface MsixRouting {
  /** The vector of queue 0; queue q uses `queueVectorBase + q`. */
  readonly queueVectorBase: number;
  /** Masks every cause and vector. */
  disableAll(hw: IntelHw): void;
  /** Puts the function in MSI-X mode with the "other" causes on vector 0. */
  msixEnable(hw: IntelHw): void;
  /** Routes queue `queue`'s causes to `vector`, firing once per arming. */
  mapQueue(hw: IntelHw, queue: number, vector: number): void;
  /** Lets link-status changes interrupt on vector 0. */
  lscEnable(hw: IntelHw): void;
  /**
   * Vector 0 fired: reads the "other" causes and clears them as the family does, leaving
   * them masked until {@link lscEnable}; returns whether a link-status change is among them.
   */
  takeLinkCause(hw: IntelHw): boolean;
}
