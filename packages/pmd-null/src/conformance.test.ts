import { ethdevConformance } from '@nic/test-kit';
import { DEFAULT_PACKET_SIZE, NET_NULL, netNullDriver } from './driver.js';

ethdevConformance({
  pmd: NET_NULL,
  devargs: (i) => ['--vdev', `net_null${i}`],
  drivers: [netNullDriver],
  rx: 'source',
  sourcePacketLength: DEFAULT_PACKET_SIZE,
});

ethdevConformance({ pmd: NET_NULL, devargs: (i) => ['--vdev', `net_null${i},no-rx=1`], drivers: [netNullDriver], rx: 'none' });
