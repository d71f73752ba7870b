import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { NicError } from '@nic/native';
import { init, type Eal } from './eal.js';
import { testLcores } from './__fixtures__/lcores.js';
import { registeredDrivers } from './registry.js';
// Importing the fixture plugin registers its bus and drivers, as a PMD package would.
import { createdVdevs } from './__fixtures__/fixture-plugin/index.js';

/** Lcore 0, on a CPU this process may run on. */
const LCORE0 = testLcores();

interface FakeBusInstance {
  driversAtScan: number;
  drivers(): readonly string[];
}

const live: Eal[] = [];
let prefixSeq = 0;
async function start(args: string[] = [], prefix = `eal-test-${process.pid}-${prefixSeq++}`): Promise<Eal> {
  const { eal } = await init(['--no-pci', '--no-huge', '-m', '8', '-l', LCORE0, '--file-prefix', prefix, ...args]);
  live.push(eal);
  return eal;
}
function fakeDevices(names: string[]): void {
  (globalThis as { __nicFakeBusDevices?: string[] }).__nicFakeBusDevices = names;
}
async function rejection(p: Promise<unknown>): Promise<NicError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(NicError);
    return e as NicError;
  }
  throw new Error('expected a rejection');
}

afterEach(async () => {
  for (const eal of live.splice(0)) await eal.cleanup();
  fakeDevices([]);
});

describe('the two-level registry', () => {
  it('puts a driver in dev_driver_list at import and in its bus list only at dev init', async () => {
    expect(registeredDrivers().map((d) => d.name)).toContain('net_fixture');
    const eal = await start();
    const bus = eal.bus<FakeBusInstance & ReturnType<Eal['bus']>>('fakebus');
    expect(bus.driversAtScan).toBe(0);
    expect(bus.drivers()).toEqual(['net_fixture']);
  });

  it('gives each instance its own bus lists', async () => {
    const a = await start();
    const b = await start();
    expect(a.bus('fakebus')).not.toBe(b.bus('fakebus'));
    await a.cleanup();
    expect(b.bus('fakebus').drivers()).toEqual(['net_fixture']);
  });

  it('never lets two instances share a device', async () => {
    fakeDevices(['fake:0']);
    const a = await start();
    const b = await start();
    expect(a.probeResults()).toEqual([{ device: 'fake:0', driver: 'net_fixture', outcome: 'probed' }]);
    const [r] = b.probeResults();
    expect(r.outcome).toBe('failed');
    expect((r.error as NicError).code).toBe('NIC_EBUSY');
    await a.cleanup();
    const c = await start();
    expect(c.probeResults()[0].outcome).toBe('probed');
  });

  it('applies allow and block lists per bus', async () => {
    fakeDevices(['fake:0', 'fake:1', 'fake:2']);
    const allowed = await start(['-a', 'fake:1']);
    expect(allowed.probeResults().map((r) => r.device)).toEqual(['fake:1']);
    await allowed.cleanup();
    const blocked = await start(['-b', 'fake:1']);
    expect(blocked.probeResults().map((r) => r.device)).toEqual(['fake:0', 'fake:2']);
  });

  it('rejects -a for a device no bus recognises', async () => {
    const e = await rejection(start(['-a', 'nobus:1']));
    expect(e.code).toBe('NIC_EINVAL');
    expect(e.message).toContain('nobus:1');
  });
});

describe('vdevs', () => {
  it('creates each --vdev with the driver its name starts with, and removes it at cleanup', async () => {
    const eal = await start(['--vdev', 'net_fixv0,a=1,b=[2,3]', '--vdev', 'net_fixv1']);
    expect(createdVdevs).toEqual(['net_fixv0|a=1,b=[2,3]', 'net_fixv1|']);
    expect(eal.vdev.devices().map((d) => [d.name, d.driver])).toEqual([
      ['net_fixv0', 'net_fixv'],
      ['net_fixv1', 'net_fixv'],
    ]);
    await eal.cleanup();
    expect(createdVdevs).toEqual([]);
  });

  it('fails init for a vdev no driver serves, leaving nothing behind', async () => {
    const prefix = `eal-nodrv-${process.pid}`;
    const e = await rejection(start(['--vdev', 'net_unknown0'], prefix));
    expect(e.code).toBe('NIC_EINVAL');
    expect(e.message).toContain('net_unknown0');
    live.push((await init(['--no-pci', '--no-huge', '-m', '8', '-l', LCORE0, '--file-prefix', prefix])).eal);
  });

  it('undoes created vdevs when a later one fails', async () => {
    await rejection(start(['--vdev', 'net_fixv0', '--vdev', 'net_fixv1,fail=1']));
    expect(createdVdevs).toEqual([]);
  });
});

describe('hotplug', () => {
  it('creates and removes a vdev at run time through eal.attach / eal.detach', async () => {
    const eal = await start();
    await eal.attach('net_fixv3,x=1');
    expect(createdVdevs).toEqual(['net_fixv3|x=1']);
    const e = await rejection(eal.attach('net_fixv3'));
    expect(e.code).toBe('NIC_EEXIST');
    await eal.detach('net_fixv3');
    expect(createdVdevs).toEqual([]);
    expect((await rejection(eal.detach('net_fixv3'))).code).toBe('NIC_ENODEV');
  });

  it('refuses hotplug on a bus without it, and devargs no bus recognises', async () => {
    const eal = await start();
    const e = await rejection(eal.attach('fake:9'));
    expect(e.code).toBe('NIC_ENOTSUP');
    expect(e.message).toContain('fakebus');
    expect((await rejection(eal.attach('nothing-knows-this'))).code).toBe('NIC_EINVAL');
  });
});

describe('instance lifecycle', () => {
  it('refuses a second init with the same file prefix with NIC_EBUSY until cleanup', async () => {
    const prefix = `eal-busy-${process.pid}`;
    const eal = await start([], prefix);
    const e = await rejection(init(['--no-pci', '--no-huge', '-m', '8', '-l', LCORE0, '--file-prefix', prefix]));
    expect(e.code).toBe('NIC_EBUSY');
    await eal.cleanup();
    await start([], prefix);
  });

  it('returns how many arguments it consumed, through --', async () => {
    const argv = ['--no-pci', '--no-huge', '-m', '8', '-l', LCORE0, '--file-prefix', `eal-consumed-${process.pid}`, '--', '--forward-mode=io'];
    const { consumed, eal } = await init(argv);
    live.push(eal);
    expect(argv.slice(consumed)).toEqual(['--forward-mode=io']);
  });

  it('rejects malformed options with NIC_EINVAL naming them, and stays usable', async () => {
    const e = await rejection(init(['--bogus-option']));
    expect(e.code).toBe('NIC_EINVAL');
    expect(e.message).toContain('--bogus-option');
    await start();
  });

  it('leaks no handles or fds across init/cleanup cycles', async () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const resources = () => process.getActiveResourcesInfo().length;
    await (await start(['--vdev', 'net_fixv0'])).cleanup();
    const before = { fds: fds(), resources: resources() };
    for (let i = 0; i < 20; i++) await (await start(['--vdev', 'net_fixv0'])).cleanup();
    expect({ fds: fds(), resources: resources() }).toEqual(before);
  });
});
