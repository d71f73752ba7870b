/**
 * Where a net_ixgbe port's queue records lie in its private data: the layout of
 * `@nic/intel-common/driver`, sized for the 128 queues each way of the 82599 and X540.
 */
import { PrivLayout } from '@nic/intel-common/driver';
import { MAX_QUEUES } from './base/ids.js';

/** The private data layout of every ixgbe port. */
export const IXGBE_LAYOUT = new PrivLayout(MAX_QUEUES);
