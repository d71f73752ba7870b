import { NicError } from '@nic/native';
import { describe, expect, it } from 'vitest';
import { DevargsList, parseDevargs, splitDevargsLayers, type BusParser, type DevargsContext } from './devargs.js';
import { parseKvargs } from './kvargs.js';
import { formatPciAddr, parsePciAddr, tryParsePciAddr } from './pci-addr.js';

/** A PCI bus parser: recognises PCI addresses and spells them canonically. */
const pciBus: BusParser = {
  name: 'pci',
  parse(devName) {
    const addr = tryParsePciAddr(devName);
    return addr && formatPciAddr(addr);
  },
};

/** The vdev drivers "registered" in these tests: net_ring and its old alias eth_ring. */
const VDEV_DRIVERS = ['net_ring', 'eth_ring'];

/** A vdev bus parser: recognises names starting with a registered vdev driver name. */
const vdevBus: BusParser = {
  name: 'vdev',
  parse: (devName) => (VDEV_DRIVERS.some((d) => devName.startsWith(d)) ? devName : undefined),
};

const ctx: DevargsContext = { buses: [pciBus, vdevBus], classes: ['eth'] };

/** Number of kvargs in a layer string, 0 when the layer is absent (DPDK's test_args). */
function kvCount(layer: string | undefined): number {
  return layer === undefined ? 0 : parseKvargs(layer).count();
}

function nicError(fn: () => unknown): NicError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NicError);
    expect((e as NicError).code).toBe('NIC_EINVAL');
    return e as NicError;
  }
  throw new Error('expected a NicError');
}

describe('parseDevargs: DPDK test_valid_devargs', () => {
  // [input, bus kv, class kv, driver kv, bus, name, class]
  it.each([
    ['bus=pci', 1, 0, 0, 'pci', '', undefined],
    ['class=eth', 0, 1, 0, undefined, '', 'eth'],
    ['bus=pci,addr=1:2.3/class=eth/driver=abc,k0=v0', 2, 1, 2, 'pci', '0000:01:02.3', 'eth'],
    ['bus=vdev,name=/dev/file/name/class=eth', 2, 1, 0, 'vdev', '/dev/file/name', 'eth'],
    ['bus=vdev,name=/class/bus/path/class=eth', 2, 1, 0, 'vdev', '/class/bus/path', 'eth'],
    ['bus=vdev,name=///dblslsh/class=eth', 2, 1, 0, 'vdev', '///dblslsh', 'eth'],
    // Legacy syntax. DPDK keeps "1:2.3" as written; nic stores the canonical name.
    ['1:2.3', 0, 0, 0, 'pci', '0000:01:02.3', undefined],
    ['pci:1:2.3,k0=v0', 0, 0, 1, 'pci', '0000:01:02.3', undefined],
    // DPDK's legacy_ring_list, run when the ring vdev driver is present.
    ['net_ring0', 0, 0, 0, 'vdev', 'net_ring0', undefined],
    ['net_ring0,iface=test,path=/class/bus/,queues=1', 0, 0, 3, 'vdev', 'net_ring0', undefined],
  ] as const)('%j', (input, busKv, classKv, driverKv, bus, name, cls) => {
    const da = parseDevargs(input, ctx);
    expect(kvCount(da.busArgs)).toBe(busKv);
    expect(kvCount(da.classArgs)).toBe(classKv);
    expect(kvCount(da.driverArgs)).toBe(driverKv);
    expect(da.bus).toBe(bus);
    expect(da.name).toBe(name);
    expect(da.cls).toBe(cls);
    expect(da.raw).toBe(input);
  });
});

describe('parseDevargs: DPDK test_invalid_devargs', () => {
  it.each([
    ['bus=wrong-bus', 'unknown bus "wrong-bus"'],
    ['class=wrong-class', 'unknown class "wrong-class"'],
  ])('rejects %j', (input, fragment) => {
    const err = nicError(() => parseDevargs(input, ctx));
    expect(err.message).toContain(fragment);
    expect(err.message).toContain(input);
  });
});

describe('parseDevargs: global syntax details', () => {
  it('splits the driver layer into driver name and driver args', () => {
    const da = parseDevargs('bus=pci,addr=1:2.3/class=eth/driver=abc,k0=v0', ctx);
    expect(da.busArgs).toBe('bus=pci,addr=1:2.3');
    expect(da.classArgs).toBe('class=eth');
    expect(da.driverArgs).toBe('driver=abc,k0=v0');
    expect(da.driver).toBe('abc');
    expect(da.args).toBe('k0=v0');
    expect(da.kvargs(['k0']).get('k0')).toBe('v0');
  });

  it('accepts layers in any order', () => {
    const da = parseDevargs('class=eth/bus=pci,addr=0000:01:00.0', ctx);
    expect(da).toMatchObject({ bus: 'pci', cls: 'eth', name: '0000:01:00.0', args: '' });
  });

  it('resolves name= through the bus when it can', () => {
    expect(parseDevargs('bus=pci,name=1:0.0', ctx).name).toBe('0000:01:00.0');
    expect(parseDevargs('bus=vdev,name=net_ring3', ctx).name).toBe('net_ring3');
  });

  it('keeps a name= as written on a bus without parse', () => {
    const plain: DevargsContext = { buses: [{ name: 'auxiliary' }] };
    expect(parseDevargs('bus=auxiliary,name=mlx5_core.sf.2', plain).name).toBe('mlx5_core.sf.2');
  });

  it.each([
    ['bus=pci/class=eth/driver=a/driver=b', 'at most 3'],
    ['bus=pci/bus=vdev', 'bus layer is given twice'],
    ['driver=abc,k0=v0', 'neither a bus'],
    ['bus=pci,addr=zz:1', 'does not recognise device address "zz:1"'],
    ['bus=pci,addr', 'addr= needs a value'],
    ['bus=', 'bus= needs a value'],
    ['bus=pci/class=', 'class= needs a value'],
  ])('rejects %j', (input, fragment) => {
    expect(nicError(() => parseDevargs(input, ctx)).message).toContain(fragment);
  });

  it('treats every class as unknown when the context lists none', () => {
    nicError(() => parseDevargs('class=eth', { buses: [pciBus] }));
  });
});

describe('splitDevargsLayers', () => {
  it('cuts only before a layer key', () => {
    expect(splitDevargsLayers('bus=vdev,name=/class/bus/path/class=eth/driver=x')).toEqual([
      'bus=vdev,name=/class/bus/path',
      'class=eth',
      'driver=x',
    ]);
  });

  it('returns undefined for the legacy syntax', () => {
    expect(splitDevargsLayers('net_ring0,path=/bus=x')).toBeUndefined();
  });
});

describe('parseDevargs: legacy syntax details', () => {
  it('keeps "/layer=" text in legacy args', () => {
    const da = parseDevargs('net_ring0,path=/bus=x', ctx);
    expect(da).toMatchObject({ bus: 'vdev', name: 'net_ring0', args: 'path=/bus=x' });
  });

  it('uses options.bus for unprefixed names', () => {
    expect(parseDevargs('net_ring0,a=1', ctx, { bus: 'vdev' })).toMatchObject({ bus: 'vdev', name: 'net_ring0', args: 'a=1' });
    nicError(() => parseDevargs('0000:01:00.0', ctx, { bus: 'vdev' }));
  });

  it('keeps a prefixed name as written on a bus without parse', () => {
    expect(parseDevargs('aux:dev.1,x=2', { buses: [{ name: 'aux' }] })).toMatchObject({ bus: 'aux', name: 'dev.1', args: 'x=2' });
  });

  it.each([
    ['', 'no device name'],
    [',k=v', 'no device name'],
    ['foo', 'no bus recognises device "foo"'],
    ['pci:net_ring0', 'no bus recognises device "pci:net_ring0"'],
    ['vdev:0000:01:00.0', 'no bus recognises'],
  ])('rejects %j', (input, fragment) => {
    expect(nicError(() => parseDevargs(input, ctx)).message).toContain(fragment);
  });

  it('throws TypeError for wrong argument types', () => {
    expect(() => parseDevargs(1 as unknown as string, ctx)).toThrow(TypeError);
    expect(() => parseDevargs('x', {} as DevargsContext)).toThrow(TypeError);
  });
});

describe('DevargsList: DPDK test_devargs [2.2]', () => {
  it('counts allowed, blocked and virtual entries', () => {
    const list = new DevargsList(ctx);
    list.add('allow', '08:00.1');
    list.add('allow', '0000:5:00.0');
    list.add('block', '04:00.0,arg=val');
    list.add('block', '0000:01:00.1');
    expect(list.countType('allow')).toBe(2);
    expect(list.countType('block')).toBe(2);
    expect(list.countType('vdev')).toBe(0);
    list.add('vdev', 'eth_ring0');
    list.add('vdev', 'eth_ring1,key=val,k2=val2');
    expect(list.countType('vdev')).toBe(2);
  });

  it('splits a virtual device name from its arguments', () => {
    const list = new DevargsList(ctx);
    list.add('vdev', 'eth_ring1,k1=val,k2=val2');
    const [da] = list.list();
    expect(da.name).toBe('eth_ring1');
    expect(da.args).toBe('k1=val,k2=val2');
    expect(da.kvargs().count()).toBe(2);
  });

  it('gives a PCI device without arguments the args ""', () => {
    const list = new DevargsList(ctx);
    list.add('allow', '04:00.1');
    const [da] = list.list();
    expect(parsePciAddr(da.name)).toEqual({ domain: 0, bus: 4, devid: 0, function: 1 });
    expect(da.args).toBe('');
  });

  it.each(['08:1', '00.1', 'foo', ',', '000f:0:0'])('rejects the bad PCI string %j', (input) => {
    const list = new DevargsList(ctx);
    nicError(() => list.add('allow', input));
    expect(list.countType('allow')).toBe(0);
  });
});

describe('DevargsList: the rest', () => {
  it('sets policy from the type and the scan mode from the first entry of a bus', () => {
    const list = new DevargsList(ctx);
    expect(list.add('block', '0000:01:00.0').policy).toBe('block');
    expect(list.add('allow', '0000:02:00.0').policy).toBe('allow');
    expect(list.add('vdev', 'net_ring0')).toMatchObject({ type: 'vdev', policy: 'allow', bus: 'vdev' });
    expect(list.scanMode('pci')).toBe('blocklist');
    expect(list.scanMode('vdev')).toBe('allowlist');
    expect(list.scanMode('auxiliary')).toBeUndefined();
  });

  it('rejects a duplicate vdev name, naming it', () => {
    const list = new DevargsList(ctx);
    list.add('vdev', 'net_ring0,a=1');
    expect(nicError(() => list.add('vdev', 'net_ring0,b=2')).message).toContain('duplicate virtual device "net_ring0"');
    expect(list.countType('vdev')).toBe(1);
  });

  it('rejects the same PCI device twice, however spelled', () => {
    const list = new DevargsList(ctx);
    list.add('allow', '1:0.0');
    expect(nicError(() => list.add('block', '0000:01:00.0')).message).toContain('listed twice');
  });

  it('keeps --vdev entries on the vdev bus', () => {
    const list = new DevargsList(ctx);
    nicError(() => list.add('vdev', 'bus=pci,addr=1:0.0'));
    nicError(() => list.add('vdev', 'no_such_driver0'));
    expect(list.add('vdev', 'bus=vdev,name=net_ring9').name).toBe('net_ring9');
  });

  it('rejects entries without bus or device', () => {
    const list = new DevargsList(ctx);
    expect(nicError(() => list.add('allow', 'class=eth')).message).toContain('names no bus');
    expect(nicError(() => list.add('allow', 'bus=pci')).message).toContain('names no device');
  });

  it('finds, inserts (replacing the same bus and name), lists by bus and removes', () => {
    const list = new DevargsList(ctx);
    list.add('allow', '0000:01:00.0,a=1');
    list.add('vdev', 'net_ring0');
    expect(list.find('pci', '0000:01:00.0')?.args).toBe('a=1');
    list.insert(parseDevargs('01:00.0,a=2', ctx));
    expect(list.list()).toHaveLength(2);
    expect(list.find('pci', '0000:01:00.0')?.args).toBe('a=2');
    list.insert(parseDevargs('0000:03:00.0', ctx));
    expect(list.list('pci').map((d) => d.name)).toEqual(['0000:01:00.0', '0000:03:00.0']);
    expect(list.remove('pci', '0000:01:00.0')).toBe(true);
    expect(list.remove('pci', '0000:01:00.0')).toBe(false);
    expect(list.find('pci', '0000:01:00.0')).toBeUndefined();
    nicError(() => list.insert(parseDevargs('class=eth', ctx)));
  });

  it('rejects an unknown type with TypeError', () => {
    expect(() => new DevargsList(ctx).add('white' as 'allow', '0000:01:00.0')).toThrow(TypeError);
  });
});
