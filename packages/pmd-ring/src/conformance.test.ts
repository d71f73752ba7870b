import { ethdevConformance } from '@nic/test-kit';
import { NET_RING, netRingDriver } from './driver.js';

ethdevConformance({ pmd: NET_RING, devargs: (i) => ['--vdev', `net_ring${i}`], drivers: [netRingDriver], rx: 'loopback' });
