/**
 * @nic/test-kit/models — the device models of the Intel 82576 and 82599 served as vfio-pci
 * functions, the model layer they share (DMA space, cables, links to net_ring ports,
 * backends, benches), and the frame helpers, without vitest: for benchmarks, command-line
 * runs under a model (`node --import`), and servers (vfio-user) that run outside a test
 * runner.
 */
export { BROADCAST, etherFrame, etherTypeOf, isTestFrame, testFrame, TEST_ETHERTYPE } from '@nic/native/testing';
export { DmaSpace } from './model/dma.js';
export { crc32 } from './model/crc.js';
export { toeplitzHash } from './model/rss.js';
export { WIRE_MAX_FRAME, WIRE_MIN_FRAME } from './model/frame.js';
export { ModelWire } from './model/wire.js';
export type { WirePort } from './model/wire.js';
export { UdpWire, UDP_WIRE_HOST } from './model/udp-wire.js';
export type { UdpWireOptions } from './model/udp-wire.js';
export { RingLink } from './model/ring-link.js';
export type { RingLinkOptions } from './model/ring-link.js';
export { ModelBackend } from './model/backend.js';
export type { ModelDevice, ModelFactory } from './model/backend.js';
export { ModelBench, BENCH_EAL_ARGS } from './model/bench.js';
export { lcoreArgs, withDefaultLcores } from './lcores.js';
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
export { IfcvfModel } from './ifcvf/model.js';
export type { IfcvfModelOptions, IfcvfLayout, IfcvfRxOutcome } from './ifcvf/model.js';
export { IfcvfModelBackend } from './ifcvf/backend.js';
export { BlkDisk, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_S_OK, VIRTIO_BLK_S_IOERR, VIRTIO_BLK_S_UNSUPP, BLK_SECTOR_SIZE } from './ifcvf/blk.js';
export type { IfcvfModelDevice } from './ifcvf/backend.js';
export * as ifcvfLayout from './ifcvf/layout.js';
export type { ModelBarAccess } from './model/pci-model.js';
export type { ModelBackendOptions } from './model/backend.js';
