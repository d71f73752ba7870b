/**
 * @nic/pmd-igb/driver — the net_e1000_igb descriptors without registering them: the `pdev`
 * driver for `init(argv, { drivers: [netE1000IgbDriver] })` and the data-path driver for
 * `registerEthdevDriver`. Lcores that poll igb ports import `@nic/pmd-igb`.
 */
import { pciPmd } from '@nic/pci/driver';
import { igbPciDriver } from './probe.js';

export { NET_E1000_IGB, netE1000IgbEthdev } from './datapath.js';
export { igbPciDriver, IGB_ID_TABLE } from './probe.js';
export { IGB_DEVICE_IDS, INTEL_VENDOR_ID } from './base/ids.js';
export { DEFAULT_RSS_KEY, MAX_RX_PKT_LEN } from './ethdev.js';
/** The write-back error bits that make igb drop a received frame. */
export { RXDEXT_ERR_FRAME } from './base/desc.js';
export { RX_FREE_THRESH, TX_RS_THRESH } from '@nic/intel-common/driver';

/** The `pdev` driver of net_e1000_igb: PCI devices named with `-a` (or all, without an allow list). */
export const netE1000IgbDriver = pciPmd(igbPciDriver);
