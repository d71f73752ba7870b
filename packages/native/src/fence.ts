import { addon } from './addon.js';

// The fences are the addon's functions themselves, with no JavaScript wrapper in between:
// they are meant for once-per-burst use on the data path.

/**
 * Full barrier: every load and store before it is globally visible before any after it
 * (`mfence` on x86-64, like DPDK's `rte_mb`). On x86 this is the only one that orders a store
 * before a later load; use it when a thread publishes a value and then reads another
 * thread's flag.
 */
export const mb: () => void = addon.mb;

/**
 * Read barrier: loads before it complete before loads after it (`lfence`, like `rte_rmb`).
 * On x86 ordinary memory already keeps load order; this matters for write-combining memory
 * and non-temporal accesses.
 */
export const rmb: () => void = addon.rmb;

/**
 * Write barrier: stores before it are visible before stores after it (`sfence`, like
 * `rte_wmb`). Use it between writing descriptors and ringing a doorbell in a BAR mapped
 * write-combining; on x86 ordinary write-back memory already keeps store order.
 */
export const wmb: () => void = addon.wmb;
