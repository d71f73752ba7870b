/**
 * @nic/pmd-ixgbe/driver — the net_ixgbe descriptors without registering them: the `pdev`
 * driver for `init(argv, { drivers: [netIxgbeDriver] })` and the data-path driver for
 * `registerEthdevDriver`. Lcores that poll ixgbe ports import `@nic/pmd-ixgbe`.
 */
import { pciPmd } from '@nic/pci/driver';
import { ixgbePciDriver } from './probe.js';

export { NET_IXGBE, netIxgbeEthdev } from './datapath.js';
export { ixgbePciDriver, IXGBE_ID_TABLE } from './probe.js';
export { IXGBE_DEVICE_IDS, INTEL_VENDOR_ID, mediaType, type MediaType } from './base/ids.js';
export type { SfpModule } from './base/sfp.js';
export { DEFAULT_RSS_KEY, MAX_RX_PKT_LEN } from './ethdev.js';

/** The `pdev` driver of net_ixgbe: PCI devices named with `-a` (or all, without an allow list). */
export const netIxgbeDriver = pciPmd(ixgbePciDriver);
