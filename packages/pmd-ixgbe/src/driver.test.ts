import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkIdTable } from '@nic/pci/driver';
import { manifestDriverNames } from '@nic/test-kit';
import { IXGBE_ID_TABLE, NET_IXGBE, netIxgbeDriver } from './driver.js';

const PACKAGE_JSON = new URL('../package.json', import.meta.url);

describe('net_ixgbe descriptor', () => {
  it('has a valid id table of Intel devices', () => {
    expect(() => checkIdTable(NET_IXGBE, IXGBE_ID_TABLE)).not.toThrow();
    expect(IXGBE_ID_TABLE.every((id) => id.vendorId === 0x8086)).toBe(true);
    expect(IXGBE_ID_TABLE.map((id) => id.deviceId)).toEqual(expect.arrayContaining([0x10fb, 0x1528]));
  });

  it('keeps the package manifest equal to the driver and its id table', () => {
    expect(manifestDriverNames(PACKAGE_JSON)).toEqual([netIxgbeDriver.name]);
    const manifest = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { nic: { drivers: { pciIds: string[] }[] } };
    const fromTable = IXGBE_ID_TABLE.map((id) => `${id.vendorId.toString(16).padStart(4, '0')}:${id.deviceId.toString(16).padStart(4, '0')}`);
    expect(manifest.nic.drivers[0].pciIds).toEqual(fromTable);
  });
});
