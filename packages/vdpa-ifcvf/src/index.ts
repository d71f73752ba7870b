/**
 * @nic/vdpa-ifcvf — net_ifcvf, the vDPA driver of Intel's IFC VF. Importing this entry
 * registers the driver (IFC parts only; the opt-in driver for QEMU's virtio-net-pci is in
 * `./driver`).
 */
import { registerDriver } from '@nic/eal/driver';
import { netIfcvfDriver } from './driver.js';

registerDriver(netIfcvfDriver);

export * from './driver.js';
