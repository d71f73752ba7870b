/**
 * @nic/test-kit/vfio-user — serves this kit's device models (or any {@link PciModel}) to a
 * QEMU guest as PCI functions, through QEMU's `vfio-user-pci` client: one unix socket per
 * function.
 */
export { VfioUserServer } from './server.js';
export { VfioUserDevice, VfioUserRequestError } from './device.js';
export { VfioUserConnection, dispatch, encodeReply, type VfioUserMessage } from './connection.js';
export { vfioUserDeviceId, vfioUserPciAddress, vfioUserQemuArgs } from './qemu-args.js';
export * as vfioUserProtocol from './protocol.js';
export type { PciModel } from '../model/pci-model.js';
