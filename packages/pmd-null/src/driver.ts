/**
 * @nic/pmd-null/driver — the net_null descriptors without registering them: the `vdev`
 * driver for `init(argv, { drivers: [netNullDriver] })` and the data-path driver for
 * `registerEthdevDriver`. Creating a device registers the data-path driver in the calling
 * thread; lcores that poll net_null ports import `@nic/pmd-null`.
 */
import { ethVdevDriver } from '@nic/ethdev/driver';
import { VALID_KEYS } from './args.js';
import { NET_NULL, netNullEthdev } from './datapath.js';
import { probeNullDevice } from './ports.js';

export { NET_NULL, netNullEthdev } from './datapath.js';
export { DEFAULT_PACKET_SIZE } from './args.js';

/** The `vdev` driver of net_null: `--vdev net_null0[,size=<bytes>][,copy=0|1][,no-rx=0|1]`. */
export const netNullDriver = ethVdevDriver({ name: NET_NULL, validKeys: VALID_KEYS, ethdev: netNullEthdev, probe: probeNullDevice });
