// The hardware-model tier: net_e1000_igb inside a QEMU guest, on QEMU's own 82576 model
// (`-device igb`) bound to vfio-pci behind an emulated VT-d IOMMU. The host exchanges
// frames with the guest's NICs over loopback UDP and drives link state and hot-unplug
// through the QEMU monitor.
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testFrame, TEST_ETHERTYPE } from '@nic/test-kit';
import { bootGuest, INSTALL_COMMAND, qemuTierMissing, type Guest, type GuestProcess } from '@nic/qemu-tier';

const MISSING = qemuTierMissing();
if (MISSING !== undefined) console.warn(`[pmd-igb] hardware-model tier skipped: ${MISSING} (install with: ${INSTALL_COMMAND})`);

/** Frames each step moves. */
const FRAMES = 64;
/** The boot's deadline; the hook's is longer, so that a slow boot fails with bootGuest's own error. */
const BOOT_MS = 240_000;
const STEP_MS = 90_000;
const SCENARIO = 'packages/pmd-igb/src/__fixtures__/guest-scenario.mjs';

const isTest = (f: Uint8Array): boolean => ((f[12] << 8) | f[13]) === TEST_ETHERTYPE;
const tagOf = (f: Uint8Array): number => (f[14] << 8) | f[15];

/** The JSON after `<step> ` in a line the scenario printed. */
async function step(p: GuestProcess, name: string): Promise<unknown> {
  const failed = p.waitFor(/^FAIL (.*)$/m, STEP_MS).then((m) => {
    throw new Error(`the guest scenario failed before ${name}: ${m[1]}`);
  });
  failed.catch(() => undefined);
  const m = await Promise.race([p.waitFor(new RegExp(`^${name}(?: (.*))?$`, 'm'), STEP_MS), failed]);
  return m[1] === undefined ? undefined : (JSON.parse(m[1]) as unknown);
}

/** How often the forwarder's statistics are read while waiting for its lcore to sleep. */
const READ_MS = 100;

/** The lcore's poll count in each `--stats-json` line nic-fwd has printed so far. */
function pollCounts(fwd: GuestProcess): number[] {
  return [...fwd.stdout.matchAll(/^\{"event":"stats".*$/gm)].map((m) => (JSON.parse(m[0]) as { lcores: { napi: { polls: number } }[] }).lcores[0].napi.polls);
}

/**
 * Resolves once two statistics lines in a row, both printed after the call, show the lcore's
 * poll count standing still: it slept through the period between them. (Under a loaded host
 * the loop can take longer than the test's traffic takes to reach its empty-poll threshold,
 * so the test waits for the sleep instead of assuming it.)
 */
async function untilAsleep(fwd: GuestProcess): Promise<void> {
  const from = pollCounts(fwd).length;
  const deadline = Date.now() + STEP_MS;
  for (;;) {
    const counts = pollCounts(fwd).slice(from);
    if (counts.some((c, i) => i > 0 && c === counts[i - 1])) return;
    if (Date.now() > deadline) throw new Error(`nic-fwd's lcore did not sleep within ${STEP_MS} ms (polls per stats line: ${counts.join(', ')})`);
    await delay(READ_MS);
  }
}

describe.skipIf(MISSING !== undefined)('net_e1000_igb in a QEMU guest on QEMU igb devices', () => {
  let guest: Guest;

  beforeAll(async () => {
    guest = await bootGuest({ nics: 2, timeoutMs: BOOT_MS });
  }, BOOT_MS + 30_000);

  afterAll(async () => {
    await guest?.shutdown();
  });

  // With --rx-interrupts the lcore sleeps until a queue's MSI-X vector fires: QEMU's igb
  // raises it through the vIOMMU's interrupt remapping, and vfio-pci signals the eventfd.
  // With --pmd-mgmt=pause it pauses its thread after empty polls and finds the frames on its
  // next poll.
  it.each([
    ['polling always', ''],
    ['sleeping on rx interrupts', ' --rx-interrupts --stats-period=1'],
    ['pausing when idle', ' --pmd-mgmt=pause'],
  ])('runs nic-fwd unchanged in io mode between the two igb ports, with exact accounting (%s)', async (_, extra) => {
    const sleeps = extra.includes('--rx-interrupts');
    const pauses = extra.includes('--pmd-mgmt');
    const [a0, a1] = guest.nics.map((n) => n.pciAddress);
    const fwd = guest.spawn(`node apps/fwd/dist/main.js -l 0,1 -a ${a0} -a ${a1} --iova-mode va -m 128 -- --forward-mode=io --stats-json${extra}`);
    try {
      await fwd.waitFor(/"event":"start"/, STEP_MS);
      // Two halves, the second sent once the first is through: the forwarder has been idle
      // in between (and, with --rx-interrupts, gone to sleep).
      const half = FRAMES / 2;
      for (const first of [0, half]) {
        if (sleeps) await untilAsleep(fwd);
        const out = guest.nics[1].receive(half, { timeoutMs: STEP_MS, filter: isTest });
        for (let i = first; i < first + half; i++) await guest.nics[0].send(testFrame(i, 128));
        const frames = await out;
        expect(frames.map(tagOf)).toEqual(Array.from({ length: half }, (_, i) => first + i));
      }
      if (sleeps) await untilAsleep(fwd);
      fwd.kill('SIGINT');
      const final = await fwd.waitFor(/^(\{"event":"final".*)$/m, STEP_MS);
      const report = JSON.parse(final[1]) as {
        total: { rxPackets: number; txPackets: number; rxDropped: number; txDropped: number };
        mbufs: { size: number; available: number };
        lcores: { napi?: { wakeups: number } }[];
      };
      expect(report.total).toMatchObject({ rxPackets: FRAMES, txPackets: FRAMES, rxDropped: 0, txDropped: 0 });
      expect(report.mbufs.available).toBe(report.mbufs.size);
      const napi = report.lcores[0].napi;
      if (pauses) {
        // Idle before, between and after the halves: it paused, and forwarded all the same.
        expect(napi?.wakeups).toBeGreaterThan(0);
      } else if (!sleeps) {
        expect(napi).toBeUndefined();
      } else {
        // It slept before each half, so each half's first frame woke it through the queue's
        // interrupt; it slept again before the stop, which woke it once more.
        expect(napi?.wakeups).toBeGreaterThanOrEqual(3);
      }
    } finally {
      fwd.kill('SIGKILL');
      await fwd.done.catch(() => undefined);
    }
  }, 3 * STEP_MS);

  describe('the driver step by step', () => {
    let p: GuestProcess;

    beforeAll(() => {
      const [a0, a1] = guest.nics.map((n) => n.pciAddress);
      p = guest.spawn(`node ${SCENARIO} ${a0} ${a1} ${FRAMES}`);
    });

    afterAll(async () => {
      p?.kill('SIGKILL');
      await p?.done.catch(() => undefined);
    });

    it('probes both functions with the MACs QEMU gave them and brings both links up', async () => {
      const ready = (await step(p, 'READY')) as { macs: string[] };
      expect(ready.macs).toEqual(guest.nics.map((n) => n.mac));
      const links = (await step(p, 'LINK')) as { up: boolean; speed: number }[];
      expect(links.map((l) => l.up)).toEqual([true, true]);
    }, STEP_MS);

    it('sends frames the host receives, all of them, in order', async () => {
      const frames = await guest.nics[0].receive(FRAMES, { timeoutMs: STEP_MS, filter: isTest });
      expect(await step(p, 'TX-SENT')).toEqual({ opackets: FRAMES, oerrors: 0 });
      expect(frames.map(tagOf)).toEqual(Array.from({ length: FRAMES }, (_, i) => i));
      expect(frames[5]).toEqual(testFrame(5, 100));
    }, STEP_MS);

    it('receives the frames the host sends, all of them, in order', async () => {
      await step(p, 'RX-READY');
      for (let i = 0; i < FRAMES; i++) await guest.nics[0].send(testFrame(i, 100));
      expect(await step(p, 'RX-GOT')).toEqual({ got: FRAMES, bytes: FRAMES * 100, inOrder: true });
    }, STEP_MS);

    it('forwards between the two ports with exact accounting', async () => {
      await step(p, 'FWD-READY');
      const out = guest.nics[1].receive(FRAMES, { timeoutMs: STEP_MS, filter: isTest });
      for (let i = 0; i < FRAMES; i++) await guest.nics[0].send(testFrame(1000 + i, 200));
      expect((await out).length).toBe(FRAMES);
      expect(await step(p, 'FWD-DONE')).toEqual({
        forwarded: FRAMES,
        port0: { ipackets: FRAMES, imissed: 0 },
        port1: { opackets: FRAMES, oerrors: 0 },
      });
    }, STEP_MS);

    it('raises a link-change event when the host takes the link down and up', async () => {
      await step(p, 'LSC-READY');
      await guest.setLink(0, false);
      expect(await step(p, 'LSC-DOWN')).toMatchObject({ up: false });
      await guest.setLink(0, true);
      expect(await step(p, 'LSC-UP')).toMatchObject({ up: true });
    }, 2 * STEP_MS);

    it('raises a removal event on hot-unplug and lets the device go without a crash', async () => {
      await step(p, 'RMV-READY');
      const deleted = guest.deviceDel(1);
      const rmv = (await step(p, 'RMV')) as { stillThere: boolean[] };
      expect(rmv.stillThere).toEqual([true, false]);
      await deleted;
      await step(p, 'DONE');
      expect((await p.done).code).toBe(0);
    }, 2 * STEP_MS);
  });
});
