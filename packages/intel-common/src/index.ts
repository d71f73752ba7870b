/**
 * @nic/intel-common — what the base layers of Intel's igb and ixgbe drivers share, free of
 * framework imports: the register handle with its polled handshakes, and the advanced
 * descriptor formats. The ethdev glue they share (queue memory, rx and tx bursts with their
 * WebAssembly kernels, BAR views per thread, vector interrupts) is `@nic/intel-common/driver`.
 * The counterpart of DPDK's `drivers/net/intel/common`.
 */
export * from './hw.js';
export * from './desc.js';
export * from './ptype.js';
export * from './filters.js';
export * from './rss.js';
export * from './stats.js';
export * from './msix.js';
