/**
 * @nic/test-kit — testing aids for nic packages and third-party drivers: the ethdev
 * conformance suite every PMD runs, the harness it runs on (isolated EAL instances, mbuf
 * pools, started ports, packets), the check of a PMD's static driver manifest, device
 * models of the Intel 82576 and 82599 served as vfio-pci functions, and, for drivers on
 * kernel interfaces, veth pairs, network namespaces, link state and test frames. Test code
 * only: it imports vitest (`@nic/test-kit/models` has the models without it).
 */
export { ethdevConformance, CONFORMANCE_BURST, CONFORMANCE_PACKET_LENGTH, CONFORMANCE_POOL_SIZE } from './conformance.js';
export type { ConformanceRxMode, EthdevConformanceOptions } from './conformance.js';
export {
  allocPackets,
  BASE_EAL_ARGS,
  errorCode,
  framePacket,
  framePackets,
  harnessEal,
  harnessPool,
  packetBytes,
  packetLengths,
  receiveFrames,
  startPort,
} from './harness.js';
export { disableIpv6, fuzz, fuzzSettings, FUZZ_TEST_RUNS, FUZZ_TEST_SEED, hasLink, ip, kernelTierMissing, linkState, macOf, netns, parsedOrRefused, rawSend, uniqueName, until, vethPair } from '@nic/native/testing';
export type { FuzzSettings, KernelTierNeeds, LinkState, Netns, NetnsOptions, VethPair } from '@nic/native/testing';
export { manifestDriverNames } from './manifest.js';
export * from './models.js';
