import { describe, expect, it } from 'vitest';
import { registeredDrivers } from '@nic/eal';
import { ethdevDriver } from '@nic/ethdev/driver';
import { manifestDriverNames } from '@nic/test-kit';
import { NET_NULL, netNullDriver, netNullEthdev } from './index.js';

describe('@nic/pmd-null registration', () => {
  it('registers net_null with EAL and ethdev on import', () => {
    expect(registeredDrivers()).toContain(netNullDriver);
    expect(ethdevDriver(NET_NULL)).toBe(netNullEthdev);
    expect(netNullDriver).toMatchObject({ type: 'vdev', name: NET_NULL });
  });

  it('keeps the package.json manifest equal to the registered driver', () => {
    expect(manifestDriverNames(new URL('../package.json', import.meta.url))).toEqual([netNullDriver.name]);
  });
});
