import { readlinkSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSysfs, memBar } from '@nic/pci/testing';
import { FakeKernel, type FakeKernelOptions } from './__fixtures__/fake-kernel.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, runDevbind } from './cli.js';

const PCI_IDS = ['8086  Intel Corporation', '\t10fb  82599ES 10-Gigabit SFI/SFP+ Network Connection', '\t1521  I350 Gigabit Network Connection', '1af4  Red Hat, Inc.', '\t1042  Virtio 1.0 block device', 'C 02  Network controller', '\t00  Ethernet controller', ''].join('\n');

let fake: FakeSysfs;
beforeEach(() => {
  fake = new FakeSysfs();
  fake.addModule('vfio_pci');
  fake.addDriver('vfio-pci');
  // An 82599 port on vfio-pci, an I350 port on igb (eno1, routed), a second I350 port on igb
  // (eno2, up but not routed), a third with no driver, a virtio block device, a host bridge.
  fake.addDevice({ address: '0000:82:00.0', vendorId: 0x8086, deviceId: 0x10fb, driver: 'vfio-pci', iommuGroup: 30, numaNode: 1, bars: [memBar(0xfb000000, 0x80000)] });
  fake.addDevice({ address: '0000:04:00.0', vendorId: 0x8086, deviceId: 0x1521, driver: 'igb', interfaces: [{ name: 'eno1', up: true }] });
  fake.addDevice({ address: '0000:04:00.1', vendorId: 0x8086, deviceId: 0x1521, driver: 'igb', interfaces: [{ name: 'eno2', up: true }] });
  fake.addDevice({ address: '0000:04:00.2', vendorId: 0x8086, deviceId: 0x1521, driver: 'igb', interfaces: [{ name: 'eno3' }] });
  fake.addDevice({ address: '0000:04:00.3', vendorId: 0x8086, deviceId: 0x1521 });
  fake.addDevice({ address: '0000:00:02.0', vendorId: 0x1af4, deviceId: 0x1042, classId: 0x010000, driver: 'virtio-pci' });
  fake.addDevice({ address: '0000:00:00.0', vendorId: 0x8086, deviceId: 0x0d57, classId: 0x060000 });
});
afterEach(() => fake.remove());

/** Runs nic-devbind on the fake tree, named by the hidden --sysfs option (usage errors: by NIC_SYSFS_ROOT). */
function run(args: string[], options: FakeKernelOptions = {}) {
  const kernel = new FakeKernel(fake, { routes: ['eno1'], pciIds: PCI_IDS, nativeDrivers: { '0000:04:00.2': 'igb', '0000:82:00.0': 'ixgbe' }, ...options });
  const code = runDevbind([...args, '--sysfs', fake.root], kernel.system, { NIC_SYSFS_ROOT: fake.root });
  return { code, out: kernel.out.join(''), err: kernel.err.join(''), writes: kernel.writes };
}

function driverOf(slot: string): string | undefined {
  try {
    return basename(readlinkSync(join(fake.devicesPath, slot, 'driver')));
  } catch {
    return undefined;
  }
}

describe('--status', () => {
  it('groups devices as dpdk-devbind does', () => {
    const { code, out } = run(['--status']);
    expect(code).toBe(EXIT_OK);
    expect(out).toContain(
      [
        '',
        'Network devices using DPDK-compatible driver',
        '============================================',
        "0000:82:00.0 '82599ES 10-Gigabit SFI/SFP+ Network Connection 10fb' drv=vfio-pci unused=",
        '',
        'Network devices using kernel driver',
        '===================================',
        "0000:04:00.0 'I350 Gigabit Network Connection 1521' if=eno1 drv=igb unused=vfio-pci *Active*",
        "0000:04:00.1 'I350 Gigabit Network Connection 1521' if=eno2 drv=igb unused=vfio-pci ",
        "0000:04:00.2 'I350 Gigabit Network Connection 1521' if=eno3 drv=igb unused=vfio-pci ",
        '',
        'Other Network devices',
        '=====================',
        "0000:04:00.3 'I350 Gigabit Network Connection 1521' unused=vfio-pci",
        '',
        "No 'Baseband' devices detected",
        '==============================',
        '',
      ].join('\n'),
    );
    expect(out).toContain("Misc (rawdev) devices using kernel driver\n=========================================\n0000:00:02.0 'Virtio 1.0 block device 1042' drv=virtio-pci unused=vfio-pci \n");
    expect(out).not.toContain('0000:00:00.0');
  });

  it('reports one group with --status-dev, and JSON with --json', () => {
    const { out } = run(['--status-dev', 'net']);
    expect(out).not.toContain('Baseband');
    const json = JSON.parse(run(['--status-dev=net', '--json']).out) as { groups: { key: string; userspace: { slot: string; numaNode: number; iommuGroup: number }[]; kernel: { slot: string; active: boolean; up: boolean }[]; other: unknown[] }[] };
    expect(json.groups).toHaveLength(1);
    const [net] = json.groups;
    expect(net.key).toBe('net');
    expect(net.userspace).toMatchObject([{ slot: '0000:82:00.0', numaNode: 1, iommuGroup: 30, vendor: 'Intel Corporation', driver: 'vfio-pci' }]);
    expect(net.kernel.map((d) => `${d.slot} ${d.active} ${d.up}`)).toEqual(['0000:04:00.0 true true', '0000:04:00.1 false true', '0000:04:00.2 false false']);
    expect(net.other).toHaveLength(1);
  });

  it('warns about a device whose sysfs files are broken, naming the file', () => {
    fake.addDevice({ address: '0000:05:00.0', vendorId: 0x8086, deviceId: 0x1521, resourceText: 'junk\n' });
    const { code, err } = run(['-s']);
    expect(code).toBe(EXIT_OK);
    expect(err).toContain(`Warning: skipping 0000:05:00.0: ${join(fake.devicesPath, '0000:05:00.0', 'resource')}`);
  });
});

describe('--bind and --unbind', () => {
  it('binds through driver_override and drivers_probe, then clears the override', () => {
    const { code, err, writes } = run(['--bind=vfio-pci', '04:00.2']);
    expect(err).toBe('');
    expect(code).toBe(EXIT_OK);
    expect(driverOf('0000:04:00.2')).toBe('vfio-pci');
    expect(writes).toEqual([
      'bus/pci/drivers/igb/unbind <- "0000:04:00.2"',
      'bus/pci/devices/0000:04:00.2/driver_override <- "vfio-pci"',
      'bus/pci/drivers_probe <- "0000:04:00.2"',
      'bus/pci/devices/0000:04:00.2/driver_override <- "\\n"',
    ]);
    expect(readFileSync(join(fake.devicesPath, '0000:04:00.2', 'driver_override'), 'utf8')).toBe('(null)\n');
  });

  it('binds a device given by interface name and one with no driver', () => {
    expect(run(['-b', 'vfio-pci', 'eno3', '0000:04:00.3']).code).toBe(EXIT_OK);
    expect(driverOf('0000:04:00.2')).toBe('vfio-pci');
    expect(driverOf('0000:04:00.3')).toBe('vfio-pci');
  });

  it('refuses a routed or up interface unless forced, and still handles the others', () => {
    const refused = run(['-b', 'vfio-pci', '0000:04:00.0', '0000:04:00.1', '0000:04:00.2']);
    expect(refused.code).toBe(EXIT_FAILURE);
    expect(refused.err).toContain('Warning: routing table indicates that interface eno1 of 0000:04:00.0 is active; not modifying it (use --force to override)');
    expect(refused.err).toContain('Warning: interface eno2 of 0000:04:00.1 is up');
    expect(driverOf('0000:04:00.0')).toBe('igb');
    expect(driverOf('0000:04:00.1')).toBe('igb');
    expect(driverOf('0000:04:00.2')).toBe('vfio-pci');
    expect(refused.writes.some((w) => w.includes('04:00.0') || w.includes('04:00.1'))).toBe(false);
    expect(run(['-u', 'eno1']).code).toBe(EXIT_FAILURE);
    expect(driverOf('0000:04:00.0')).toBe('igb');
    const forced = run(['-b', 'vfio-pci', '--force', '0000:04:00.0']);
    expect(forced.code).toBe(EXIT_OK);
    expect(driverOf('0000:04:00.0')).toBe('vfio-pci');
  });

  it('unbinds, and notes a device that has no driver', () => {
    const { code, writes } = run(['-u', '0000:82:00.0']);
    expect(code).toBe(EXIT_OK);
    expect(writes).toEqual(['bus/pci/drivers/vfio-pci/unbind <- "0000:82:00.0"']);
    expect(driverOf('0000:82:00.0')).toBeUndefined();
    const again = run(['--bind=none', '0000:82:00.0']);
    expect(again.code).toBe(EXIT_OK);
    expect(again.err).toContain('Notice: 0000:82:00.0');
    expect(again.err).toContain('is not currently managed by any driver');
  });

  it('skips a device already bound to the driver', () => {
    const { code, err, writes } = run(['-b', 'vfio-pci', '82:00.*']);
    expect(code).toBe(EXIT_OK);
    expect(err).toContain('Notice: 0000:82:00.0 already bound to driver vfio-pci, skipping');
    expect(writes).toEqual([]);
  });

  it('hands a device back when the new driver does not take it', () => {
    const { code, err } = run(['-b', 'vfio-pci', '0000:04:00.2'], { refusing: ['vfio-pci'] });
    expect(code).toBe(EXIT_FAILURE);
    expect(err).toMatch(/Error: bind of 0000:04:00\.2 to vfio-pci failed: vfio-pci did not take it \(see dmesg\); now igb/);
    expect(driverOf('0000:04:00.2')).toBe('igb');
  });

  it('reports an unknown device, a driver that is not loaded, and a device given as the driver', () => {
    const unknown = run(['-b', 'vfio-pci', '0000:09:00.0']);
    expect(unknown.code).toBe(EXIT_FAILURE);
    expect(unknown.err).toContain('Unknown device: 0000:09:00.0');
    const hostBridge = run(['-u', '0000:00:00.0']);
    expect(hostBridge.code).toBe(EXIT_FAILURE);
    const notLoaded = run(['-b', 'igb_uio', '0000:04:00.2']);
    expect(notLoaded.code).toBe(EXIT_FAILURE);
    expect(notLoaded.err).toContain("Driver 'igb_uio' is not loaded");
    const swapped = run(['-b', '0000:04:00.2', '0000:04:00.3']);
    expect(swapped.code).toBe(EXIT_USAGE);
    expect(swapped.err).toContain('Did you forget to specify the driver');
    expect([unknown, hostBridge, notLoaded, swapped].flatMap((r) => r.writes)).toEqual([]);
  });

  it('reports what it did as JSON', () => {
    const { out } = run(['-b', 'vfio-pci', '--json', '0000:04:00.2', '0000:04:00.0']);
    const json = JSON.parse(out) as { actions: { device: string; result: string }[] };
    expect(json.actions.map((a) => `${a.device} ${a.result}`)).toEqual(['0000:04:00.2 done', '0000:04:00.0 refused']);
  });

  it('protects interfaces that are up when the routing table cannot be read', () => {
    const { err, code } = run(['-b', 'vfio-pci', '0000:04:00.1'], { routes: 'ip: command not found' });
    expect(code).toBe(EXIT_FAILURE);
    expect(err).toContain('Warning: ip: command not found; only interfaces that are up are protected');
  });
});

describe('the command line', () => {
  it.each([
    [[], /No action specified/],
    [['-b', 'vfio-pci'], /No devices specified/],
    [['-b', 'vfio-pci', '-u', '0000:04:00.2'], /cannot be used together/],
    [['--status-dev', 'gpu'], /invalid choice "gpu"/],
    [['--frobnicate'], /unknown option --frobnicate/],
    [['--bind'], /needs a value/],
  ])('rejects %j with exit status 2', (args, message) => {
    const { code, err } = run(args);
    expect(code).toBe(EXIT_USAGE);
    expect(err).toMatch(message);
  });

  it('finds the sysfs root in NIC_SYSFS_ROOT', () => {
    const kernel = new FakeKernel(fake, { pciIds: PCI_IDS });
    expect(runDevbind(['--status-dev', 'net'], kernel.system, { NIC_SYSFS_ROOT: fake.root })).toBe(EXIT_OK);
    expect(kernel.out.join('')).toContain('0000:82:00.0');
  });

  it('prints help', () => {
    const { code, out } = run(['--help']);
    expect(code).toBe(EXIT_OK);
    expect(out).toContain('--bind DRIVER');
  });
});
