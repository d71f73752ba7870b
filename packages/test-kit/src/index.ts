/**
 * @nic/test-kit — testing aids for nic packages and third-party drivers: the ethdev
 * conformance suite every PMD runs, the harness it runs on (isolated EAL instances, mbuf
 * pools, started ports, packets), the check of a PMD's static driver manifest, device
 * models of the Intel 82576 and 82599 served as vfio-pci functions, and, for drivers on
 * kernel interfaces, veth pairs, network namespaces, link state and test frames. Test code
 * only: it imports vitest.
 */
export { ethdevConformance, CONFORMANCE_BURST, CONFORMANCE_PACKET_LENGTH, CONFORMANCE_POOL_SIZE } from './conformance.js';
export type { ConformanceRxMode, EthdevConformanceOptions } from './conformance.js';
export {
  allocPackets,
  BASE_EAL_ARGS,
  DEFAULT_LCORE_ARGS,
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
export { BROADCAST, etherFrame, etherTypeOf, isTestFrame, testFrame, TEST_ETHERTYPE } from '@nic/native/testing';
export { disableIpv6, hasLink, ip, kernelTierMissing, linkState, macOf, netns, uniqueName, until, vethPair } from '@nic/native/testing';
export type { KernelTierNeeds, LinkState, Netns, NetnsOptions, VethPair } from '@nic/native/testing';
export { manifestDriverNames } from './manifest.js';
export { DmaSpace } from './model/dma.js';
export { crc32 } from './model/crc.js';
export { toeplitzHash } from './model/rss.js';
export { WIRE_MAX_FRAME, WIRE_MIN_FRAME } from './model/frame.js';
export { ModelWire } from './model/wire.js';
export type { WirePort } from './model/wire.js';
export { RingLink } from './model/ring-link.js';
export type { RingLinkOptions } from './model/ring-link.js';
export { ModelBackend } from './model/backend.js';
export type { ModelDevice, ModelFactory } from './model/backend.js';
export { ModelBench, BENCH_EAL_ARGS } from './model/bench.js';
export type { ModelBenchOptions } from './model/bench.js';
export type { ModelBar, ModelPciSpec, PciModel } from './model/pci-model.js';
export { PortModel } from './model/port.js';
export type { PortLayout, PortModelOptions, PortNvm, PortRxOutcome } from './model/port.js';
export type { RxOutcome } from './model/receive-path.js';
export type { SetIrqsAction } from './model/vfio-irqs.js';
export { IgbModel } from './igb/model.js';
export type { IgbModelOptions, IgbSetIrqsAction } from './igb/model.js';
export type { IgbRxError, IgbRxOutcome } from './igb/rx.js';
export { IgbWire } from './igb/wire.js';
export { IgbRingLink } from './igb/ring-link.js';
export type { IgbRingLinkOptions } from './igb/ring-link.js';
export { IgbModelBackend } from './igb/backend.js';
export type { IgbModelDevice } from './igb/backend.js';
export { IgbModelBench } from './igb/bench.js';
export type { IgbModelBenchOptions } from './igb/bench.js';
export * as igbRegs from './igb/regs.js';
export { IxgbeModel } from './ixgbe/model.js';
export type { IxgbeDevice, IxgbeModelOptions } from './ixgbe/model.js';
export type { IxgbeRxError, IxgbeRxOutcome } from './ixgbe/rx.js';
export { SfpModule } from './ixgbe/sfp.js';
export type { SfpKind } from './ixgbe/sfp.js';
export { IxgbeModelBackend } from './ixgbe/backend.js';
export type { IxgbeModelDevice } from './ixgbe/backend.js';
export { IxgbeModelBench } from './ixgbe/bench.js';
export type { IxgbeModelBenchOptions } from './ixgbe/bench.js';
export * as ixgbeRegs from './ixgbe/regs.js';
