/**
 * Per-vring descriptor counters of an IFC VF. DPDK's IFCVF driver has no statistics; these
 * use the names of DPDK's vDPA statistics (`received_descriptors`, `completed_descriptors`,
 * as mlx5's vDPA driver reports them) for the two counts a virtio device's ring state
 * gives: descriptors the device took from the available ring and those it returned on the
 * used ring. The device keeps 16-bit ring indices, so the counts advance by the index
 * difference at every sample (hardware start and stop, and every read): exact as long as
 * a ring is sampled at least once every 65 535 descriptors. A third count is this process's
 * share of the data path: `relayed_notifications`, the kicks of the vring the notify relay
 * turned into doorbell writes (each a wake-up of the relay; kicks that arrive together are
 * one), while the frontend has not mapped the doorbells itself.
 */
import type { IfcvfRingState } from './base/hw.js';

/** Counter names, by id. */
export const IFCVF_STATS_NAMES: readonly string[] = ['received_descriptors', 'completed_descriptors', 'relayed_notifications'];
export const IFCVF_STAT_RECEIVED = 0;
export const IFCVF_STAT_COMPLETED = 1;
export const IFCVF_STAT_RELAYED = 2;
const INDEX_MASK = 0xffff;

interface RingCount {
  received: bigint;
  completed: bigint;
  relayed: bigint;
  /** The ring state last sampled while the ring ran; undefined while stopped. */
  last: IfcvfRingState | undefined;
}

/** The counters of every vring of one function. */
export class RingCounters {
  readonly #rings: RingCount[] = [];

  /** The ring starts at `state` (its bases): later samples count from there. */
  start(qid: number, state: IfcvfRingState): void {
    this.#ring(qid).last = state;
  }

  /** Adds what the ring did since the last sample; `stopped` ends counting until {@link start}. */
  sample(qid: number, state: IfcvfRingState, stopped = false): void {
    const ring = this.#ring(qid);
    if (ring.last) {
      ring.received += BigInt((state.lastAvail - ring.last.lastAvail) & INDEX_MASK);
      ring.completed += BigInt((state.lastUsed - ring.last.lastUsed) & INDEX_MASK);
    }
    ring.last = stopped ? undefined : state;
  }

  /** One doorbell write the notify relay made for vring `qid`. */
  relayed(qid: number): void {
    this.#ring(qid).relayed++;
  }

  /** Whether vring `qid` is being counted (it runs). */
  running(qid: number): boolean {
    return this.#ring(qid).last !== undefined;
  }

  /** The counts of vring `qid`, by id. */
  values(qid: number): [bigint, bigint, bigint] {
    const ring = this.#ring(qid);
    return [ring.received, ring.completed, ring.relayed];
  }

  /** Zeroes vring `qid`'s counts (a running ring keeps counting from its current state). */
  reset(qid: number): void {
    const ring = this.#ring(qid);
    ring.received = 0n;
    ring.completed = 0n;
    ring.relayed = 0n;
  }

  #ring(qid: number): RingCount {
    return (this.#rings[qid] ??= { received: 0n, completed: 0n, relayed: 0n, last: undefined });
  }
}
