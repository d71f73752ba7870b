import { describe, expect, it } from 'vitest';
import { registeredDrivers } from '@nic/eal';
import { ethdevDriver } from '@nic/ethdev/driver';
import { manifestDriverNames } from '@nic/test-kit';
import { NET_AF_PACKET, netAfPacketDriver, netAfPacketEthdev } from './index.js';

describe('@nic/pmd-af-packet registration', () => {
  it('registers net_af_packet with EAL and ethdev on import', () => {
    expect(registeredDrivers()).toContain(netAfPacketDriver);
    expect(ethdevDriver(NET_AF_PACKET)).toBe(netAfPacketEthdev);
    expect(netAfPacketDriver).toMatchObject({ type: 'vdev', name: NET_AF_PACKET });
  });

  it('keeps the package.json manifest equal to the registered driver', () => {
    expect(manifestDriverNames(new URL('../package.json', import.meta.url))).toEqual([netAfPacketDriver.name]);
  });
});
