import { afterEach, describe, expect, it } from 'vitest';
import { NicError } from '@nic/native';
import { registerBus, registerDriver, registeredDrivers, unregisterDriver, registeredBuses } from './registry.js';
import type { DriverDescriptor } from './types.js';

const made: DriverDescriptor[] = [];
function pdev(name: string): DriverDescriptor {
  const d: DriverDescriptor = { type: 'pdev', name, init: () => undefined };
  made.push(d);
  return d;
}

afterEach(() => {
  for (const d of made.splice(0)) unregisterDriver(d);
});

describe('dev_driver_list', () => {
  it('appends drivers in registration order', () => {
    const a = pdev('net_reg_a');
    const b = pdev('net_reg_b');
    registerDriver(a);
    registerDriver(b);
    const names = registeredDrivers().map((d) => d.name);
    expect(names.indexOf('net_reg_a')).toBeLessThan(names.indexOf('net_reg_b'));
  });

  it('treats the same descriptor twice as a no-op', () => {
    const a = pdev('net_reg_twice');
    registerDriver(a);
    registerDriver(a);
    expect(registeredDrivers().filter((d) => d.name === 'net_reg_twice')).toHaveLength(1);
  });

  it('refuses another driver with a taken name with NIC_EEXIST', () => {
    registerDriver(pdev('net_reg_clash'));
    const err = (() => {
      try {
        registerDriver(pdev('net_reg_clash'));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(NicError);
    expect((err as NicError).code).toBe('NIC_EEXIST');
    expect((err as NicError).message).toContain('net_reg_clash');
  });

  it('rejects malformed descriptors with TypeError', () => {
    const bad: unknown[] = [
      null,
      { type: 'pdev', init: () => undefined },
      { type: 'pdev', name: '', init: () => undefined },
      { type: 'xdev', name: 'x', init: () => undefined },
      { type: 'vdev', name: 'x' },
    ];
    for (const d of bad) expect(() => registerDriver(d as DriverDescriptor)).toThrow(TypeError);
  });
});

describe('bus registry', () => {
  it('rejects a bus without a factory and refuses a name clash', () => {
    expect(() => registerBus({ name: 'nofactory' } as never)).toThrow(TypeError);
    const bus = { name: 'clashbus', create: () => ({}) as never };
    registerBus(bus);
    registerBus(bus);
    expect(registeredBuses().filter((b) => b.name === 'clashbus')).toHaveLength(1);
    expect(() => registerBus({ name: 'clashbus', create: () => ({}) as never })).toThrow(/already registered/);
  });
});
