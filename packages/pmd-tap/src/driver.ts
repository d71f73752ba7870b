/**
 * @nic/pmd-tap/driver — the net_tap descriptors without registering them: the `vdev` driver
 * for `init(argv, { drivers: [netTapDriver] })` and the data-path driver for
 * `registerEthdevDriver`. Creating a device registers the data-path driver in the calling
 * thread; lcores that poll net_tap ports import `@nic/pmd-tap`.
 */
import { ethVdevDriver } from '@nic/ethdev/driver';
import { VALID_KEYS } from './args.js';
import { NET_TAP, netTapEthdev } from './datapath.js';
import { probeTapDevice } from './ports.js';

export { NET_TAP, netTapEthdev } from './datapath.js';
export { DEFAULT_TAP_NAME, IFACE_KEY, MAC_FIXED, MAC_KEY } from './args.js';
export { RX_STASH_SIZE, TAP_MAX_QUEUES, TX_BURST_MAX } from './layout.js';
export { tapInterface } from './ports.js';

/** The `vdev` driver of net_tap: `--vdev net_tap0[,iface=<name>][,mac=<xx:xx:xx:xx:xx:xx>|fixed]`. */
export const netTapDriver = ethVdevDriver({ name: NET_TAP, validKeys: VALID_KEYS, ethdev: netTapEthdev, probe: probeTapDevice });
