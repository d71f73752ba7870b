import { describe, expect, it } from 'vitest';
import type { Mempool } from '@nic/eal';
import { fakeOps } from './__fixtures__/fake-pmd.js';
import { eachFakePort } from './__fixtures__/eal.js';
import {
  allmulticastDisable,
  allmulticastEnable,
  allmulticastGet,
  configure,
  linkGet,
  linkGetNowait,
  macAddrAdd,
  setMcAddrList,
  macAddrGet,
  macAddrRemove,
  macAddrs,
  macAddrSet,
  mtuGet,
  mtuSet,
  promiscuousDisable,
  promiscuousEnable,
  promiscuousGet,
  RxOffload,
  rxQueueSetup,
  start,
  stop,
  txQueueSetup,
  vlanFilterGet,
  vlanFilterSet,
} from './index.js';

let pool: Mempool;
let port: number;

eachFakePort((fake) => ({ pool, port } = fake));

function startPort(lsc = false): void {
  configure(port, 1, 1, { intrConf: { lsc } });
  rxQueueSetup(port, 0, 0, undefined, pool);
  txQueueSetup(port, 0, 0);
  start(port);
}

describe('link', () => {
  it('is up while started and down after stop, waiting or not', async () => {
    startPort();
    expect(linkGetNowait(port)).toEqual({ up: true, speed: 10_000, fullDuplex: true, autoneg: true });
    expect(await linkGet(port)).toMatchObject({ up: true });
    expect(fakeOps(port).calls).toContain('linkUpdate(wait)');
    stop(port);
    expect(linkGetNowait(port).up).toBe(false);
  });

  it('is read from the shared data without asking the driver when LSC interrupts are on', () => {
    startPort(true);
    const ops = fakeOps(port);
    ops.calls.length = 0;
    expect(linkGetNowait(port).up).toBe(true);
    expect(ops.calls).toEqual([]);
  });
});

describe('receive modes', () => {
  it('toggle promiscuous and all-multicast through the driver, skipping no-op changes', () => {
    const ops = fakeOps(port);
    expect(promiscuousGet(port)).toBe(false);
    promiscuousEnable(port);
    promiscuousEnable(port);
    expect(promiscuousGet(port)).toBe(true);
    promiscuousDisable(port);
    expect(promiscuousGet(port)).toBe(false);
    allmulticastEnable(port);
    expect(allmulticastGet(port)).toBe(true);
    allmulticastDisable(port);
    expect(allmulticastGet(port)).toBe(false);
    expect(ops.calls).toEqual(['promiscuousEnable', 'promiscuousDisable', 'allmulticastEnable', 'allmulticastDisable']);
  });
});

describe('multicast address list', () => {
  it('checks every address before asking the driver, and says when the driver has no filter', () => {
    expect(() => setMcAddrList(port, ['01:00:5e:00:00:01', '02:00:00:00:00:01'])).toThrow(expect.objectContaining({ code: 'NIC_EINVAL', message: expect.stringContaining('02:00:00:00:00:01') }));
    expect(() => setMcAddrList(port, ['01:00:5e:zz:00:01'])).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(() => setMcAddrList(port, '01:00:5e:00:00:01' as unknown as string[])).toThrow(TypeError);
    expect(() => setMcAddrList(port, ['01:00:5e:00:00:01'])).toThrow(expect.objectContaining({ code: 'NIC_ENOTSUP' }));
  });
});

describe('MAC addresses', () => {
  it('set the primary address and add and remove others within the driver slots', () => {
    macAddrSet(port, '02:11:22:33:44:55');
    expect(macAddrGet(port)).toBe('02:11:22:33:44:55');
    macAddrAdd(port, '02:00:00:00:00:01');
    macAddrAdd(port, '02:00:00:00:00:02');
    macAddrAdd(port, '02:00:00:00:00:03');
    expect(() => macAddrAdd(port, '02:00:00:00:00:04')).toThrow(expect.objectContaining({ code: 'NIC_ENOMEM' }));
    expect(macAddrs(port)).toHaveLength(4);
    macAddrRemove(port, '02:00:00:00:00:02');
    macAddrRemove(port, '02:00:00:00:00:09');
    macAddrAdd(port, '02:00:00:00:00:04');
    expect(fakeOps(port).calls.filter((c) => c.startsWith('mac'))).toEqual([
      'macAddrSet',
      'macAddrAdd 1',
      'macAddrAdd 2',
      'macAddrAdd 3',
      'macAddrRemove 2',
      'macAddrAdd 2',
    ]);
  });

  it('refuse group, zero and malformed addresses and removing the primary one', () => {
    expect(() => macAddrSet(port, '01:00:5e:00:00:01')).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(() => macAddrSet(port, '00:00:00:00:00:00')).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(() => macAddrSet(port, 'not-a-mac')).toThrow(/is not a MAC address/);
    expect(() => macAddrAdd(port, '00:00:00:00:00:00')).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(() => macAddrRemove(port, macAddrGet(port))).toThrow(expect.objectContaining({ code: 'NIC_EBUSY' }));
    macAddrAdd(port, '02:00:00:00:00:01');
    expect(() => macAddrSet(port, '02:00:00:00:00:01')).toThrow(expect.objectContaining({ code: 'NIC_EEXIST' }));
  });
});

describe('MTU', () => {
  it('is set within the limits once configured', () => {
    expect(() => mtuSet(port, 1600)).toThrow(/must be configured first/);
    configure(port, 1, 1);
    expect(mtuGet(port)).toBe(1500);
    mtuSet(port, 9000);
    expect(mtuGet(port)).toBe(9000);
    expect(() => mtuSet(port, 9001)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(mtuGet(port)).toBe(9000);
  });
});

describe('VLAN filter', () => {
  it('needs the VLAN_FILTER offload, then tracks the ids through the driver', () => {
    configure(port, 1, 1);
    expect(() => vlanFilterSet(port, 10, true)).toThrow(expect.objectContaining({ code: 'NIC_ENOTSUP' }));
    configure(port, 1, 1, { rxMode: { offloads: RxOffload.VLAN_FILTER } });
    vlanFilterSet(port, 10, true);
    vlanFilterSet(port, 4095, true);
    vlanFilterSet(port, 10, false);
    expect(vlanFilterGet(port, 10)).toBe(false);
    expect(vlanFilterGet(port, 4095)).toBe(true);
    expect([...fakeOps(port).vlans]).toEqual([4095]);
    expect(() => vlanFilterSet(port, 4096, true)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
  });
});
