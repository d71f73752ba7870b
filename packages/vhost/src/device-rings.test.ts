/**
 * What a device (vDPA) that serves the rings itself needs from the library: with
 * `deviceRings` the used rings are never written (no USED_F_NO_NOTIFY, even after logging
 * starts and the rings are set up again), the dirty log's address, and used-ring logging
 * on the device's behalf. Without the option the software path sets NO_NOTIFY: the control.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '@nic/native/testing';
import { VhostUserSocket } from './socket.js';
import { VhostTestFrontend } from './testing/index.js';

const USED_F_NO_NOTIFY = 1;
let socket: VhostUserSocket | undefined;
let frontend: VhostTestFrontend | undefined;
let serial = 0;

afterEach(() => {
  frontend?.close();
  socket?.close();
  frontend = socket = undefined;
});

async function running(deviceRings: boolean): Promise<{ s: VhostUserSocket; f: VhostTestFrontend }> {
  const path = `/tmp/nic-vhost-devrings-${process.pid}-${serial++}.sock`;
  socket = new VhostUserSocket(path, { queuePairs: 1, deviceRings });
  frontend = await VhostTestFrontend.connect(path, 1, true, true);
  const s = socket;
  await until('the device to run', () => s.device.running);
  return { s, f: frontend };
}

describe('rings served by a device (deviceRings)', () => {
  it('never sets USED_F_NO_NOTIFY, before or after logging starts; the software path does (control)', async () => {
    const { f } = await running(true);
    expect([f.usedFlags(0), f.usedFlags(1)]).toEqual([0, 0]);
    await f.startLogging();
    expect([f.usedFlags(0), f.usedFlags(1)]).toEqual([0, 0]);
    f.close();
    socket?.close();
    const control = await running(false);
    expect(control.f.usedFlags(1) & USED_F_NO_NOTIFY).toBe(USED_F_NO_NOTIFY);
  });

  it('gives the log address once SET_LOG_BASE mapped it, and logs a used ring on request', async () => {
    const { s, f } = await running(true);
    expect(s.device.logAddress).toBeUndefined();
    await f.startLogging();
    expect(f.loggedPages()).toEqual([]);
    expect(s.device.logAddress).toBeGreaterThan(0);
    s.device.vrings[1].logUsed(0, 8);
    // vring 1's used ring is at region offset 0x4000 + 0x2000: page 6.
    expect(f.loggedPages()).toEqual([6]);
  });
});
