import { describe, expect, it, vi } from 'vitest';
import { registeredSubsystems } from '@nic/eal/driver';

describe('two copies of @nic/intr in one thread', () => {
  it('register the same descriptors, so the second loads instead of failing NIC_EEXIST', async () => {
    const first = await import('./driver.js');
    await import('./index.js');
    vi.resetModules(); // what follows is evaluated anew: another copy of the package
    const second = await import('./driver.js');
    await expect(import('./index.js')).resolves.toBeDefined();
    expect(second.ALARM_SUBSYSTEM).toBe(first.ALARM_SUBSYSTEM);
    expect(second.INTR_SUBSYSTEM).toBe(first.INTR_SUBSYSTEM);
    expect(registeredSubsystems().map((s) => s.name).sort()).toEqual(['alarm', 'intr']);
  });
});
