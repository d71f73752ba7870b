/**
 * How a family routes its interrupts, as the shared interrupt glue (`IntelInterrupts` of
 * `@nic/intel-common/driver`) drives it. In MSI-X mode (a vfio-pci function's MSI-X), the
 * "other" causes (link status) go to vector 0 and each rx queue (igb) or rx/tx queue pair
 * (ixgbe) to a vector of its own from {@link MsixRouting.queueVectorBase} up. Out of it (the
 * one interrupt of a function on UIO, or VFIO's INTx or MSI), every enabled cause raises the
 * function's single interrupt, as DPDK's drivers run a port without queue vectors. Each
 * driver's `base/msix.ts` gives one.
 */
import type { IntelHw } from './hw.js';

/** A family's interrupt routing, by the registers of its datasheet. */
export interface MsixRouting {
  /** The vector of queue 0; queue q uses `queueVectorBase + q`. */
  readonly queueVectorBase: number;
  /** Masks every cause and vector. */
  disableAll(hw: IntelHw): void;
  /** Puts the function in MSI-X mode with the "other" causes on vector 0. */
  msixEnable(hw: IntelHw): void;
  /**
   * Takes the function out of MSI-X mode (GPIE): the causes enabled in the mask register
   * then raise its one interrupt (INTx, MSI, or MSI-X vector 0).
   */
  legacyEnable(hw: IntelHw): void;
  /** Routes queue `queue`'s causes to `vector`, firing once per arming. */
  mapQueue(hw: IntelHw, queue: number, vector: number): void;
  /**
   * Lets link-status changes interrupt: on vector 0 when `msix` (after {@link msixEnable}),
   * else on the function's one interrupt (after {@link legacyEnable}).
   */
  lscEnable(hw: IntelHw, msix: boolean): void;
  /**
   * The "other" interrupt fired (vector 0, or the function's one interrupt): reads the
   * causes and clears them as the family does, leaving them masked until {@link lscEnable};
   * returns whether a link-status change is among them.
   */
  takeLinkCause(hw: IntelHw): boolean;
}
