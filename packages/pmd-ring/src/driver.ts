/**
 * @nic/pmd-ring/driver — the net_ring descriptors without registering them: the `vdev`
 * driver for `init(argv, { drivers: [netRingDriver] })` and the data-path driver for
 * `registerEthdevDriver`. Creating a device registers the data-path driver in the calling
 * thread; lcores that poll net_ring ports import `@nic/pmd-ring`.
 */
import { ethVdevDriver } from '@nic/ethdev/driver';
import { VALID_KEYS } from './args.js';
import { NET_RING, netRingEthdev } from './datapath.js';
import { probeRingDevice } from './ports.js';

export { NET_RING, netRingEthdev } from './datapath.js';
export { RING_MAX_QUEUES, RING_SIZE, RING_NAME_PREFIX, FROM_RINGS_PREFIX } from './layout.js';

/** The `vdev` driver of net_ring: `--vdev net_ring0[,nodeaction=...|peer=...|rxrings=[...],txrings=[...]]`. */
export const netRingDriver = ethVdevDriver({ name: NET_RING, validKeys: VALID_KEYS, ethdev: netRingEthdev, probe: probeRingDevice });
