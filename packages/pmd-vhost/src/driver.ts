/**
 * @nic/pmd-vhost/driver — the net_vhost descriptors without registering them: the `vdev`
 * driver for `init(argv, { drivers: [netVhostDriver] })` and the data-path driver for
 * `registerEthdevDriver`.
 */
import { ethVdevDriver } from '@nic/ethdev/driver';
import { VALID_KEYS } from './args.js';
import { NET_VHOST, netVhostEthdev } from './datapath.js';
import { probeVhostDevice } from './ports.js';

export { NET_VHOST, netVhostEthdev, rxVring, txVring } from './datapath.js';
export { CLIENT_KEY, IFACE_KEY, QUEUES_KEY, VHOST_MAX_QUEUE_PAIRS } from './args.js';
export { LINK_DOWN, LINK_UP, type VhostQueueEvent } from './ops.js';
export { vhostSocket } from './ports.js';

/** The `vdev` driver of net_vhost: `--vdev net_vhost0,iface=<socket>[,queues=<n>][,client=1]`. */
export const netVhostDriver = ethVdevDriver({ name: NET_VHOST, validKeys: VALID_KEYS, ethdev: netVhostEthdev, probe: probeVhostDevice });
