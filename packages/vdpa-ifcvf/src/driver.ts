/**
 * @nic/vdpa-ifcvf/driver — net_ifcvf's descriptors without registering them: the `pdev`
 * driver for `init(argv, { drivers: [netIfcvfDriver] })`, and the opt-in one that also
 * serves QEMU's virtio-net-pci.
 */
import { pciPmd } from '@nic/pci/driver';
import { ifcvfPciDriver, ifcvfVirtioPciDriver } from './probe.js';

export { NET_IFCVF, IFCVF_MAX_QUEUES, ifcvfPciDriver, ifcvfVirtioPciDriver, ifcvfDevice } from './probe.js';
export * from './ids.js';
export { IfcvfVdpa, IFCVF_LOG_BASE, type IfcvfFacts } from './vdpa-device.js';
export { IFCVF_MEDIATED_VRING } from './mediated.js';
export { IFCVF_STATS_NAMES } from './stats.js';
export { parseIfcvfDevargs, IFCVF_VDPA_MODE, IFCVF_SW_FALLBACK_LM, type IfcvfDevargs } from './devargs.js';

/** The `pdev` driver of net_ifcvf: IFC parts named with `-a <bdf>,vdpa=1`. */
export const netIfcvfDriver = pciPmd(ifcvfPciDriver);

/** The opt-in `pdev` driver: IFC parts and QEMU's modern virtio-net-pci, with `vdpa=1`. */
export const netIfcvfVirtioDriver = pciPmd(ifcvfVirtioPciDriver);
