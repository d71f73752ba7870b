import { describe, expect, it } from 'vitest';
import { registeredDrivers } from '@nic/eal';
import { ethdevDriver } from '@nic/ethdev/driver';
import { manifestDriverNames } from '@nic/test-kit';
import { NET_RING, netRingDriver, netRingEthdev } from './index.js';

describe('@nic/pmd-ring registration', () => {
  it('registers net_ring with EAL and ethdev on import', () => {
    expect(registeredDrivers()).toContain(netRingDriver);
    expect(ethdevDriver(NET_RING)).toBe(netRingEthdev);
    expect(netRingDriver).toMatchObject({ type: 'vdev', name: NET_RING });
  });

  it('keeps the package.json manifest equal to the registered driver', () => {
    expect(manifestDriverNames(new URL('../package.json', import.meta.url))).toEqual([netRingDriver.name]);
  });
});
