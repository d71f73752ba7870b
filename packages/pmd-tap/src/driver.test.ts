import { describe, expect, it } from 'vitest';
import { registeredDrivers } from '@nic/eal';
import { ethdevDriver } from '@nic/ethdev/driver';
import { manifestDriverNames } from '@nic/test-kit';
import { NET_TAP, netTapDriver, netTapEthdev } from './index.js';

describe('@nic/pmd-tap registration', () => {
  it('registers net_tap with EAL and ethdev on import', () => {
    expect(registeredDrivers()).toContain(netTapDriver);
    expect(ethdevDriver(NET_TAP)).toBe(netTapEthdev);
    expect(netTapDriver).toMatchObject({ type: 'vdev', name: NET_TAP });
  });

  it('keeps the package.json manifest equal to the registered driver', () => {
    expect(manifestDriverNames(new URL('../package.json', import.meta.url))).toEqual([netTapDriver.name]);
  });
});
