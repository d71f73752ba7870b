/**
 * @nic/pmd-af-packet/driver — the net_af_packet descriptors without registering them: the
 * `vdev` driver for `init(argv, { drivers: [netAfPacketDriver] })` and the data-path driver
 * for `registerEthdevDriver`. Creating a device registers the data-path driver in the
 * calling thread; lcores that poll net_af_packet ports import `@nic/pmd-af-packet`.
 */
import { ethVdevDriver } from '@nic/ethdev/driver';
import { VALID_KEYS } from './args.js';
import { NET_AF_PACKET, netAfPacketEthdev } from './datapath.js';
import { probeAfPacketDevice } from './ports.js';

export { NET_AF_PACKET, netAfPacketEthdev } from './datapath.js';
export {
  AF_PACKET_MAX_QPAIRS,
  BLOCKSZ_KEY,
  DEFAULT_BLOCK_SIZE,
  DEFAULT_FRAME_COUNT,
  DEFAULT_FRAME_SIZE,
  FRAMECNT_KEY,
  FRAMESZ_KEY,
  IFACE_KEY,
  QDISC_BYPASS_KEY,
  QPAIRS_KEY,
} from './args.js';
export { RX_RETIRE_TIMEOUT_MS } from './ports.js';

/**
 * The `vdev` driver of net_af_packet:
 * `--vdev net_af_packet0,iface=<if>[,qpairs=<n>][,blocksz=<b>][,framesz=<b>][,framecnt=<n>][,qdisc_bypass=0|1]`.
 */
export const netAfPacketDriver = ethVdevDriver({ name: NET_AF_PACKET, validKeys: VALID_KEYS, ethdev: netAfPacketEthdev, probe: probeAfPacketDevice });
