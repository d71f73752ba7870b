import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addon } from './addon.js';
import { netifIndex, netifInfo, netifLink, netifLinkWait, netifSetMac, netifSetMtu, netifSetUp, NicError } from './index.js';
import * as netif from './netif.js';
import { KERNEL_TIER_MISSING } from './__fixtures__/netdev.js';
import { linkState, until, vethPair, type VethPair } from './testing/index.js';

let veth: VethPair;

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof NicError ? e.code : 'not a NicError';
  }
  return undefined;
}

function macText(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

describe('interface constants', () => {
  it('names the flag and duplex values as the headers define them', () => {
    const named = netif as unknown as Record<string, unknown>;
    for (const [name, value] of Object.entries(addon.netifConstants)) expect(named[name], name).toBe(value);
  });
});

describe.skipIf(KERNEL_TIER_MISSING !== undefined)('network interfaces', () => {
  beforeAll(async () => {
    veth = await vethPair('nif');
  });

  afterAll(() => veth.remove());

  it('reports index, MTU, MAC, flags and link settings as the kernel does', () => {
    const info = netifInfo(veth.a);
    const state = linkState(veth.a);
    expect(info.ifindex).toBe(state?.ifindex);
    expect(netifIndex(veth.a)).toBe(info.ifindex);
    expect(info.mtu).toBe(state?.mtu);
    expect(macText(info.mac)).toBe(state?.address);
    expect(info.ether).toBe(true);
    expect(info.up).toBe(true);
    expect(info.running).toBe(true);
    // veth reports a fixed 10 Gb/s full duplex link.
    expect(info.speed).toBe(10_000);
    expect(info.duplex).toBe('full');
    const lo = netifInfo('lo');
    expect(lo.ether).toBe(false);
    expect(lo.flags & netif.IFF_LOOPBACK).toBe(netif.IFF_LOOPBACK);
  });

  it('brings an interface down and up: the peer loses and regains its carrier', async () => {
    netifSetUp(veth.b, false);
    expect(netifInfo(veth.b).up).toBe(false);
    // An interface that is down resolves at once.
    expect((await netifLinkWait(veth.b, 60_000)).up).toBe(false);
    expect(linkState(veth.b).flags).not.toContain('UP');
    await until('the peer to lose its carrier', () => !netifInfo(veth.a).running);
    expect(netifLink(veth.a)).toEqual({ up: false, speed: 0, fullDuplex: true, autoneg: false });
    netifSetUp(veth.b, true);
    expect(linkState(veth.b).flags).toContain('UP');
    // Waiting resolves once the carrier is back (or the time is up: the test then fails).
    expect((await netifLinkWait(veth.a, 5000)).up).toBe(true);
    await until('the peer to regain its carrier', () => netifInfo(veth.a).running);
    expect(netifLink(veth.a)).toEqual({ up: true, speed: 10_000, fullDuplex: true, autoneg: false });
  });

  it('sets the MTU and the MAC address', () => {
    netifSetMtu(veth.a, 1400);
    expect(linkState(veth.a).mtu).toBe(1400);
    netifSetMtu(veth.a, 1500);
    const mac = Uint8Array.of(0x02, 0x6e, 0x69, 0x63, 0x00, 0x01);
    netifSetMac(veth.a, mac);
    expect(linkState(veth.a).address).toBe('02:6e:69:63:00:01');
    expect(netifInfo(veth.a).mac).toEqual(mac);
  });

  it('refuses unknown interfaces, bad names and bad values with NicErrors', () => {
    expect(code(() => netifInfo('nic-none'))).toBe('NIC_ENODEV');
    expect(code(() => netifIndex('nic-none'))).toBe('NIC_ENODEV');
    expect(code(() => netifSetUp('nic-none', true))).toBe('NIC_ENODEV');
    expect(code(() => netifInfo('a-name-of-16-byt'))).toBe('NIC_EINVAL');
    expect(code(() => netifInfo('a/b'))).toBe('NIC_EINVAL');
    expect(code(() => netifInfo(''))).toBe('NIC_EINVAL');
    expect(code(() => netifSetMac(veth.a, new Uint8Array(5)))).toBe('NIC_EINVAL');
    // A multicast address: the kernel says EADDRNOTAVAIL.
    expect(code(() => netifSetMac(veth.a, Uint8Array.of(1, 0, 0, 0, 0, 1)))).toBe('NIC_EIO');
    expect(code(() => netifSetMtu(veth.a, 1 << 30))).toBe('NIC_EINVAL');
    expect(() => netifSetUp(veth.a, 1 as unknown as boolean)).toThrow(TypeError);
  });
});
