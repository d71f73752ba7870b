import { afterEach, describe, expect, it } from 'vitest';
import {
  findVdpaDevice,
  MANDATORY_VDPA_OPS,
  registerVdpaDevice,
  unregisterVdpaDevice,
  vdpaDevices,
  vdpaDeviceType,
  vdpaFeatures,
  vdpaProtocolFeatures,
  vdpaQueueNum,
  vdpaResetStats,
  vdpaStats,
  vdpaStatsNames,
  type VdpaDevice,
  type VdpaDeviceOps,
} from './index.js';

const registered: VdpaDevice[] = [];

afterEach(() => {
  for (const dev of registered.splice(0)) if (dev.registered) unregisterVdpaDevice(dev);
});

function ops(extra: Partial<VdpaDeviceOps> = {}): VdpaDeviceOps {
  return {
    getQueueNum: () => 2,
    getFeatures: () => 0x1_4000_0000n,
    getProtocolFeatures: () => 0x8n,
    devConf: () => undefined,
    devClose: () => undefined,
    setVringState: () => undefined,
    setFeatures: () => undefined,
    ...extra,
  };
}

function register(name: string, o: VdpaDeviceOps = ops()): VdpaDevice {
  const dev = registerVdpaDevice(name, o);
  registered.push(dev);
  return dev;
}

describe('the vDPA registry', () => {
  it('registers, finds, lists and unregisters a device', () => {
    const dev = register('0000:06:00.3');
    expect(findVdpaDevice('0000:06:00.3')).toBe(dev);
    expect(vdpaDevices().map((d) => d.name)).toContain('0000:06:00.3');
    expect([vdpaQueueNum(dev), vdpaFeatures(dev), vdpaProtocolFeatures(dev), vdpaDeviceType(dev)]).toEqual([2, 0x1_4000_0000n, 0x8n, 'net']);
    unregisterVdpaDevice(dev);
    expect(dev.registered).toBe(false);
    expect(findVdpaDevice('0000:06:00.3')).toBeUndefined();
    expect(() => unregisterVdpaDevice(dev)).toThrow(expect.objectContaining({ code: 'NIC_ENODEV', message: 'vDPA device 0000:06:00.3 is not registered' }));
  });

  it('refuses a name registered twice, and keeps the first', () => {
    const first = register('0000:06:00.4');
    expect(() => registerVdpaDevice('0000:06:00.4', ops())).toThrow(expect.objectContaining({ code: 'NIC_EEXIST', message: 'vDPA device 0000:06:00.4 is already registered' }));
    expect(findVdpaDevice('0000:06:00.4')).toBe(first);
  });

  it.each(MANDATORY_VDPA_OPS)('refuses ops without %s', (op) => {
    const o = ops() as unknown as Record<string, unknown>;
    delete o[op];
    expect(() => registerVdpaDevice('0000:06:00.5', o as unknown as VdpaDeviceOps)).toThrow(
      expect.objectContaining({ code: 'NIC_EINVAL', message: `vDPA device 0000:06:00.5: its ops lack the mandatory ${op}` }),
    );
    expect(findVdpaDevice('0000:06:00.5')).toBeUndefined();
  });

  it('refuses a mandatory op that is not a function, and bad arguments', () => {
    expect(() => registerVdpaDevice('x', { ...ops(), devConf: 1 } as unknown as VdpaDeviceOps)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
    expect(() => registerVdpaDevice('', ops())).toThrow(TypeError);
    expect(() => registerVdpaDevice('x', null as unknown as VdpaDeviceOps)).toThrow(TypeError);
  });

  it('answers statistics through the driver, NIC_ENOTSUP without them, NIC_EINVAL past the vrings', () => {
    const counts = new Map<number, bigint>([[3, 7n]]);
    const dev = register('0000:06:00.6', ops({
      getStatsNames: () => ['received_descriptors', 'completed_descriptors'],
      getStats: (_d, qid) => [{ id: 0, value: counts.get(qid) ?? 0n }],
      resetStats: (_d, qid) => void counts.delete(qid),
    }));
    expect(vdpaStatsNames(dev)).toEqual(['received_descriptors', 'completed_descriptors']);
    expect(vdpaStats(dev, 3)).toEqual([{ id: 0, value: 7n }]);
    vdpaResetStats(dev, 3);
    expect(vdpaStats(dev, 3)).toEqual([{ id: 0, value: 0n }]);
    expect(() => vdpaStats(dev, 4)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL', message: 'vDPA device 0000:06:00.6: queue 4 is not 0 to 3' }));
    const bare = register('0000:06:00.7');
    expect(() => vdpaStatsNames(bare)).toThrow(expect.objectContaining({ code: 'NIC_ENOTSUP' }));
    expect(() => vdpaStats(bare, 0)).toThrow(expect.objectContaining({ code: 'NIC_ENOTSUP' }));
  });

  it('counts blk queues one vring each, and rejects a driver reporting no queues', () => {
    const blk = register('0000:06:01.0', ops({ getDevType: () => 'blk', getStats: () => [] }));
    expect(vdpaDeviceType(blk)).toBe('blk');
    expect(() => vdpaStats(blk, 2)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL', message: 'vDPA device 0000:06:01.0: queue 2 is not 0 to 1' }));
    const none = register('0000:06:01.1', ops({ getQueueNum: () => 0 }));
    expect(() => vdpaQueueNum(none)).toThrow(expect.objectContaining({ code: 'NIC_EIO' }));
  });

  it('shares one list between copies of the package', async () => {
    const dev = register('0000:06:01.2');
    const key = Symbol.for('nic.vdpa.devices');
    expect((globalThis as unknown as Record<symbol, Map<string, VdpaDevice>>)[key].get('0000:06:01.2')).toBe(dev);
  });
});
