/**
 * Where a net_e1000_igb port's queue records lie in its private data: the layout of
 * `@nic/intel-common/driver`, sized for the 82576's 16 queues each way.
 */
import { PrivLayout } from '@nic/intel-common/driver';
import { QUEUES_82576 } from './base/ids.js';

/** The private data layout of every igb port. */
export const IGB_LAYOUT = new PrivLayout(QUEUES_82576);
/** Bytes of the private data. */
export const IGB_PRIV_SIZE = IGB_LAYOUT.size;

/** Arena offset of rx queue `queue`'s record. */
export function rxRecord(priv: number, queue: number): number {
  return IGB_LAYOUT.rxRecord(priv, queue);
}

/** Arena offset of tx queue `queue`'s record. */
export function txRecord(priv: number, queue: number): number {
  return IGB_LAYOUT.txRecord(priv, queue);
}
