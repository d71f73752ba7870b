/**
 * @nic/test-kit — testing aids for nic packages and third-party drivers: the ethdev
 * conformance suite every PMD runs, the harness it runs on (isolated EAL instances, mbuf
 * pools, packets), and the check of a PMD's static driver manifest. Test code only: it
 * imports vitest.
 */
export { ethdevConformance, CONFORMANCE_BURST, CONFORMANCE_PACKET_LENGTH, CONFORMANCE_POOL_SIZE } from './conformance.js';
export type { ConformanceRxMode, EthdevConformanceOptions } from './conformance.js';
export { allocPackets, BASE_EAL_ARGS, DEFAULT_LCORE_ARGS, errorCode, harnessEal, harnessPool, packetLengths } from './harness.js';
export { manifestDriverNames } from './manifest.js';
