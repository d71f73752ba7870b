import { afterEach, describe, expect, it } from 'vitest';
import { init, lcoresOnCpus, processCpus, type Eal } from '@nic/eal';
import { closeFd, eventfd, eventfdWrite, NicError } from '@nic/native';
import { deferred, openFdCount } from './__fixtures__/fds.js';
import { alarms, devEvents, DevEvent, intr, IntrThread, ALARM_SERVICE, INTR_SERVICE } from './index.js';
import { IntrHandle, IntrHandleType } from './driver.js';

const live: Eal[] = [];
afterEach(async () => {
  for (const eal of live.splice(0)) await eal.cleanup();
});

/** One lcore, whatever the host's CPU count (without -l EAL would start one per CPU of the affinity set). */
async function start(prefix: string): Promise<Eal> {
  const { eal } = await init(['--no-pci', '--no-huge', '-m', '4', '-l', lcoresOnCpus(1, processCpus()), '--file-prefix', prefix], {});
  live.push(eal);
  return eal;
}

describe('the intr and alarm subsystems in EAL', () => {
  it('start with every EAL instance and share one interrupt thread', async () => {
    const eal = await start('intr-subsystem-a');
    expect(eal.hasService(INTR_SERVICE)).toBe(true);
    expect(eal.hasService(ALARM_SERVICE)).toBe(true);
    expect(intr(eal)).toBeInstanceOf(IntrThread);
    const fired = deferred('the alarm');
    alarms(eal).set(1_000, () => fired.resolve(), undefined);
    expect(intr(eal).sources()).toEqual([alarms(eal).handle.fd]);
    await fired.promise;
    devEvents(eal).register(0, DevEvent.INTR_LSC, () => 42, undefined);
    expect(devEvents(eal).process(0, DevEvent.INTR_LSC)).toBe(42);
  });

  it('keeps instances apart', async () => {
    const a = await start('intr-subsystem-b');
    const b = await start('intr-subsystem-c');
    expect(intr(a)).not.toBe(intr(b));
    expect(devEvents(a)).not.toBe(devEvents(b));
  });

  it('cleanup stops watching, closes the alarm timer and leaves no fd open; a new init works', async () => {
    const before = openFdCount();
    const eal = await start('intr-subsystem-d');
    const fd = eventfd(0, { nonblock: true });
    const handle = new IntrHandle({ type: IntrHandleType.VFIO_MSI, fd });
    let calls = 0;
    const first = deferred('the interrupt');
    intr(eal).register(handle, () => {
      calls++;
      first.resolve();
    }, undefined);
    alarms(eal).set(60_000_000, () => undefined, undefined);
    eventfdWrite(fd, 1);
    await first.promise;
    const thread = intr(eal);
    await eal.cleanup();
    expect(thread.sources()).toEqual([]);
    expect(() => intr(eal)).toThrow(NicError);
    expect(() => alarms(eal)).toThrow(/not running/);
    eventfdWrite(fd, 1);
    closeFd(fd);
    expect(calls).toBe(1);
    expect(openFdCount()).toBe(before);
    const again = await start('intr-subsystem-d');
    expect(intr(again).sources()).toEqual([]);
  });
});
