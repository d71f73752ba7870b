/**
 * The igb guest tier, on whatever serves the guest its 82576 functions: QEMU's own igb
 * (`../guest.test.ts`) or @nic/test-kit's 82576 model over vfio-user
 * (`../model-guest.test.ts`), so that every scenario runs on both and a difference between
 * them is a model bug. In the guest: NICs 0 and 1 on vfio-pci behind an emulated VT-d IOMMU,
 * NICs 2 and 3 handed to uio_pci_generic (the seed's path: BARs through sysfs, physical
 * addresses, the INTx line through /dev/uioN), NIC 4 on vfio-pci driven without the driver.
 * The host exchanges frames with the functions over their cables and drives link state and
 * hot-unplug.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testFrame, TEST_ETHERTYPE } from '@nic/test-kit';
import { INSTALL_COMMAND, qemuTierMissing, type Guest, type GuestProcess, type ReceiveOptions } from '@nic/qemu-tier';

/** Frames each step moves. */
const FRAMES = 64;
/** The boot's deadline; the hook's is longer, so that a slow boot fails with bootGuest's own error. */
export const BOOT_MS = 240_000;
const STEP_MS = 90_000;
const SCENARIO = 'packages/pmd-igb/src/__fixtures__/guest-scenario.mjs';
const UIO_LSC = 'packages/pmd-igb/src/__fixtures__/uio-lsc.mjs';
const KERNEL_PATHS = 'packages/pmd-igb/src/__fixtures__/kernel-paths.mjs';
/**
 * The guest's NICs: the first pair stays on vfio-pci, the second goes to uio_pci_generic, the
 * last stays on vfio-pci for the kernel paths, which drive it without the driver.
 */
const VFIO_NICS = [0, 1];
const UIO_NICS = [2, 3];
const RAW_NIC = 4;
/** The 82576 functions the tier needs. */
export const TIER_FUNCTIONS = 5;
/**
 * Guest memory: room for the one 1 GiB hugepage the kernel paths allocate. The kernel reserves
 * it at boot in a free, aligned gigabyte; with 3 GiB (2 below 4 GiB, 1 above, where boot's
 * own allocations go) it found none.
 */
export const GUEST_MIB = 4096;
/** The 82576's BAR0, QEMU's MSI-X vectors for it, and ICR's link-status-change bit. */
const BAR0_BYTES = 128 * 1024;
const IGB_MSIX_VECTORS = 10;
const ICR_LSC = 0x4;

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

/** nic-fwd's final report, the parts the tests check. */
interface FwdReport {
  total: { rxPackets: number; txPackets: number; rxDropped: number; txDropped: number };
  mbufs: { size: number; available: number };
  lcores: { napi?: { wakeups: number } }[];
}

/**
 * Runs nic-fwd in io mode between `pair` (EAL options `eal`, forwarding options `extra`):
 * sends {@link FRAMES} test frames into the first port in two halves, the second once the
 * first is through, and checks that each half leaves the second port complete and in order;
 * then stops it with SIGINT and returns its final report. With `sleeps`, each half waits for
 * the lcore to sleep first.
 */
async function forwardIo(guest: Guest, pair: readonly TierPort[], eal: string, extra: string, sleeps: boolean): Promise<FwdReport> {
  const [from, to] = pair;
  const fwd = guest.spawn(`node apps/fwd/dist/main.js -l 0,1 -a ${from.pciAddress} -a ${to.pciAddress} ${eal} -m 128 -- --forward-mode=io --stats-json${extra}`);
  try {
    await fwd.waitFor(/"event":"start"/, STEP_MS);
    // Two halves, the second sent once the first is through: the forwarder has been idle
    // in between (and, with --rx-interrupts, gone to sleep).
    const half = FRAMES / 2;
    for (const first of [0, half]) {
      if (sleeps) await untilAsleep(fwd);
      const out = to.receive(half, { timeoutMs: STEP_MS, filter: isTest });
      for (let i = first; i < first + half; i++) await from.send(testFrame(i, 128));
      const frames = await out;
      expect(frames.map(tagOf)).toEqual(Array.from({ length: half }, (_, i) => first + i));
    }
    if (sleeps) await untilAsleep(fwd);
    fwd.kill('SIGINT');
    const final = await fwd.waitFor(/^(\{"event":"final".*)$/m, STEP_MS);
    return JSON.parse(final[1]) as FwdReport;
  } finally {
    fwd.kill('SIGKILL');
    await fwd.done.catch(() => undefined);
  }
}

/** One step of an interrupt's way, from the uio-lsc fixture's TRACE lines. */
type LscStep =
  | { kind: 'read'; fd: number; count: number }
  | { kind: 'handler'; linkChange: boolean }
  | { kind: 'ack'; fd: number; was: string; now: string }
  | { kind: 'app'; intxDisabled: boolean; uioEvents: number };

/**
 * The interrupt steps among `lines`: the interrupt thread reading /dev/uioN (the UIO_INTX
 * source's debug line, with the count uio gave), the driver's handler (its debug line), the
 * handle's ack rewriting the Command register's INTx-Disable bit, and the application's
 * INTR_LSC callback (what it read from sysfs).
 */
function lscSteps(lines: readonly string[], pci: string): LscStep[] {
  const steps: LscStep[] = [];
  const handler = new RegExp(`^TRACE pmd\\.net\\.igb\\.intr ${pci.replace(/\./g, '\\.')}: interrupt, (link change|no link change)$`);
  for (const line of lines) {
    let m: RegExpExecArray | null;
    if ((m = /^TRACE eal\.intr uio_intx fd (\d+): interrupt, count (\d+), \d+ callback\(s\)$/.exec(line))) steps.push({ kind: 'read', fd: Number(m[1]), count: Number(m[2]) });
    else if ((m = handler.exec(line))) steps.push({ kind: 'handler', linkChange: m[1] === 'link change' });
    else if ((m = /^TRACE eal\.intr intr ack: uio_intx handle \(fd (\d+)\), PCI command register: INTx-Disable (set|clear) -> (set|clear)$/.exec(line))) steps.push({ kind: 'ack', fd: Number(m[1]), was: m[2], now: m[3] });
    else if ((m = /^TRACE app INTR_LSC (.*)$/.exec(line))) steps.push({ kind: 'app', ...(JSON.parse(m[1]) as { intxDisabled: boolean; uioEvents: number }) });
  }
  return steps;
}

/** The lines `p` printed between the first lines starting with step names `from` and `to`. */
function linesBetween(p: GuestProcess, from: string, to: string): string[] {
  const lines = p.stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith(from));
  const end = lines.findIndex((l, i) => i > start && l.startsWith(to));
  if (start < 0 || end < 0) throw new Error(`no ${from} ... ${to} in:\n${p.stdout}`);
  return lines.slice(start + 1, end);
}

/**
 * Checks each interrupt among `steps`: the thread read /dev/uioN, the handler ran, the ack
 * found INTx-Disable set (the kernel masked the line) and cleared it on the same handle, in
 * that order; when the link had changed the application's callback came last and found the
 * line enabled again and uio's count at what the thread read. Counts rise from `after`.
 * Returns the last count and how many callbacks ran.
 */
function checkInterrupts(steps: readonly LscStep[], after: number): { count: number; callbacks: number } {
  let count = after;
  let callbacks = 0;
  let i = 0;
  expect(steps.length).toBeGreaterThan(0);
  while (i < steps.length) {
    const read = steps[i++];
    const handler = steps[i++];
    const ack = steps[i++];
    expect(read?.kind, `interrupt ${JSON.stringify(steps)}`).toBe('read');
    expect(handler?.kind).toBe('handler');
    expect(ack?.kind).toBe('ack');
    if (read.kind !== 'read' || handler.kind !== 'handler' || ack.kind !== 'ack') return { count, callbacks };
    expect(read.count).toBeGreaterThan(count);
    count = read.count;
    expect(ack).toEqual({ kind: 'ack', fd: read.fd, was: 'set', now: 'clear' });
    const app = steps[i];
    if (handler.linkChange && app?.kind === 'app') {
      expect(app).toEqual({ kind: 'app', intxDisabled: false, uioEvents: read.count });
      callbacks++;
      i++;
    }
  }
  return { count, callbacks };
}


/** One 82576 function of the guest, as the host sees it: its guest address, MAC and cable. */
export interface TierPort {
  readonly pciAddress: string;
  /** Lower case with colons. */
  readonly mac: string;
  /** Puts `frame` (no FCS) on the function's wire: the function receives it. */
  send(frame: Uint8Array): Promise<void>;
  /** The next `count` frames the function put on its wire (those `filter` keeps). */
  receive(count: number, options: ReceiveOptions): Promise<Uint8Array[]>;
}

/** A booted guest with {@link TIER_FUNCTIONS} 82576 functions, from whatever serves them. */
export interface Tier {
  readonly guest: Guest;
  readonly ports: readonly TierPort[];
  /** Takes function `port`'s link down or up (its cable, as pulling or plugging it). */
  setLink(port: number, up: boolean): Promise<void>;
  /** Hot-unplugs function `port` and resolves once the guest has let it go (absent: {@link TierLimits.noHotUnplug}). */
  unplug?(port: number): Promise<void>;
  /** Stops the guest and whatever served its functions. */
  shutdown(): Promise<void>;
}

/** What a tier's functions cannot do. */
export interface TierLimits {
  /** The functions cannot be hot-unplugged: the removal scenario is left out. */
  readonly noHotUnplug?: boolean;
}

/**
 * Registers the igb guest tier under `title`: every scenario on the {@link TIER_FUNCTIONS}
 * functions of the guest `boot` brings up (at least {@link GUEST_MIB} MiB of memory, one
 * 1 GiB hugepage), except those `limits` rule out. Functions 0 and 1 stay on vfio-pci behind
 * the vIOMMU, 2 and 3 go to uio_pci_generic, 4 is driven through VFIO without the driver.
 */
export function describeIgbGuestTier(title: string, boot: () => Promise<Tier>, limits: TierLimits = {}): void {
  const missing = qemuTierMissing();
  if (missing !== undefined) console.warn(`[pmd-igb] ${title}: skipped: ${missing} (install with: ${INSTALL_COMMAND})`);
  describe.skipIf(missing !== undefined)(title, () => {
    let tier: Tier;
    let guest: Guest;
    const port = (i: number): TierPort => tier.ports[i];

    beforeAll(async () => {
      tier = await boot();
      guest = tier.guest;
    }, BOOT_MS + 30_000);

    afterAll(async () => {
      await tier?.shutdown();
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
      const report = await forwardIo(guest, VFIO_NICS.map(port), '--iova-mode va', extra, sleeps);
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
    }, 3 * STEP_MS);

    describe('the driver step by step', () => {
      let p: GuestProcess;

      beforeAll(() => {
        const [a0, a1] = VFIO_NICS.map((i) => port(i).pciAddress);
        p = guest.spawn(`node ${SCENARIO} ${a0} ${a1} ${FRAMES}`);
      });

      afterAll(async () => {
        p?.kill('SIGKILL');
        await p?.done.catch(() => undefined);
      });

      it('probes both functions with the MACs QEMU gave them and brings both links up', async () => {
        const ready = (await step(p, 'READY')) as { macs: string[] };
        expect(ready.macs).toEqual(VFIO_NICS.map((i) => port(i).mac));
        const links = (await step(p, 'LINK')) as { up: boolean; speed: number }[];
        expect(links.map((l) => l.up)).toEqual([true, true]);
      }, STEP_MS);

      it('sends frames the host receives, all of them, in order', async () => {
        const frames = await port(0).receive(FRAMES, { timeoutMs: STEP_MS, filter: isTest });
        expect(await step(p, 'TX-SENT')).toEqual({ opackets: FRAMES, oerrors: 0 });
        expect(frames.map(tagOf)).toEqual(Array.from({ length: FRAMES }, (_, i) => i));
        expect(frames[5]).toEqual(testFrame(5, 100));
      }, STEP_MS);

      it('receives the frames the host sends, all of them, in order', async () => {
        await step(p, 'RX-READY');
        for (let i = 0; i < FRAMES; i++) await port(0).send(testFrame(i, 100));
        expect(await step(p, 'RX-GOT')).toEqual({ got: FRAMES, bytes: FRAMES * 100, inOrder: true });
      }, STEP_MS);

      it('forwards between the two ports with exact accounting', async () => {
        await step(p, 'FWD-READY');
        const out = port(1).receive(FRAMES, { timeoutMs: STEP_MS, filter: isTest });
        for (let i = 0; i < FRAMES; i++) await port(0).send(testFrame(1000 + i, 200));
        expect((await out).length).toBe(FRAMES);
        expect(await step(p, 'FWD-DONE')).toEqual({
          forwarded: FRAMES,
          port0: { ipackets: FRAMES, imissed: 0 },
          port1: { opackets: FRAMES, oerrors: 0 },
        });
      }, STEP_MS);

      it('raises a link-change event when the host takes the link down and up', async () => {
        await step(p, 'LSC-READY');
        await tier.setLink(0, false);
        expect(await step(p, 'LSC-DOWN')).toMatchObject({ up: false });
        await tier.setLink(0, true);
        expect(await step(p, 'LSC-UP')).toMatchObject({ up: true });
      }, 2 * STEP_MS);

      // Registered only where it runs (a skipped test would fail CI).
      if (limits.noHotUnplug !== true)
        it('raises a removal event on hot-unplug and lets the device go without a crash', async () => {
          await step(p, 'RMV-READY');
          if (tier.unplug === undefined) throw new Error(`${title}: no unplug, yet the removal scenario runs`);
          const deleted = tier.unplug(1);
          const rmv = (await step(p, 'RMV')) as { stillThere: boolean[] };
          expect(rmv.stillThere).toEqual([true, false]);
          await deleted;
          await step(p, 'DONE');
          expect((await p.done).code).toBe(0);
        }, 2 * STEP_MS);
    });

    // The seed's path: EAL maps the functions through their sysfs resource files with IOVA as
    // physical addresses, and the port's interrupt is the function's INTx line, which
    // uio_pci_generic masks (Command.INTx-Disable) and counts on /dev/uioN; the driver's ack
    // clears INTx-Disable through the config-space fd (uio_pci_generic has no irqcontrol).
    describe('on uio_pci_generic', () => {
      const nics = (): TierPort[] => UIO_NICS.map(port);

      beforeAll(async () => {
        await guest.bindDriver(nics().map((n) => n.pciAddress), 'uio_pci_generic');
      }, STEP_MS);

      it('raises INTR_LSC through /dev/uioN, the interrupt thread, the driver and the application, in that order, with INTx re-enabled after each', async () => {
        const nic = nics()[0];
        const p = guest.spawn(`node ${UIO_LSC} ${nic.pciAddress}`);
        try {
          await step(p, 'READY');
          // Autonegotiation's end at start came the same way (its callback, if the link was
          // still down when start read it).
          const startup = checkInterrupts(lscSteps(p.stdout.split('\n'), nic.pciAddress), 0);
          await step(p, 'LSC-READY');
          await tier.setLink(UIO_NICS[0], false);
          expect(await step(p, 'LSC-DOWN')).toMatchObject({ up: false });
          const down = checkInterrupts(lscSteps(linesBetween(p, 'LSC-READY', 'LSC-DOWN'), nic.pciAddress), startup.count);
          expect(down.callbacks).toBe(1);
          await tier.setLink(UIO_NICS[0], true);
          expect(await step(p, 'LSC-UP')).toMatchObject({ up: true });
          const up = checkInterrupts(lscSteps(linesBetween(p, 'LSC-DOWN', 'LSC-UP'), nic.pciAddress), down.count);
          expect(up.callbacks).toBe(1);
          await step(p, 'DONE');
          expect((await p.done).code).toBe(0);
        } finally {
          p.kill('SIGKILL');
          await p.done.catch(() => undefined);
        }
      }, 3 * STEP_MS);

      it('runs nic-fwd unchanged in io mode between the two ports, polling, with exact accounting', async () => {
        const report = await forwardIo(guest, nics(), '--iova-mode pa', '', false);
        expect(report.total).toMatchObject({ rxPackets: FRAMES, txPackets: FRAMES, rxDropped: 0, txDropped: 0 });
        expect(report.mbufs.available).toBe(report.mbufs.size);
        expect(report.lcores[0].napi).toBeUndefined();
      }, 3 * STEP_MS);
    });

    // What the unit tests' host lacks (no /dev/vfio, no 1 GiB pages), run for real here:
    // @nic/native's VFIO calls, @nic/intr's VFIO_LEGACY and VFIO_MSI handles on a vfio-pci
    // function that raises its own interrupts (ICS), and a 1 GiB hugepage.
    it('runs the kernel paths the host lacks: VFIO container, group and device; INTx and MSI through interrupt handles; a 1 GiB hugepage', async () => {
      const r = await guest.run(`node ${KERNEL_PATHS} ${port(RAW_NIC).pciAddress}`, { timeoutMs: STEP_MS });
      const line = /^RESULT (.*)$/m.exec(r.stdout);
      if (!line) throw new Error(`kernel-paths.mjs printed no result (exit ${r.code}):\n${r.stdout}${r.stderr}`);
      const result = JSON.parse(line[1]) as {
        vfio: Record<string, unknown>;
        intx: { first: number; stillAsserted: number; cause: number; again: number };
        msi: { first: number; cause: number; again: number; mask: string };
        hugepage1G: unknown;
      };
      expect(result.vfio).toMatchObject({
        apiVersion: 0,
        type1v2: 1,
        groupBefore: { viable: true, containerSet: false },
        groupAfter: { viable: true, containerSet: true },
        device: {
          pci: true,
          bar0: { size: BAR0_BYTES, mappable: true },
          irqs: { intx: { count: 1, eventfd: true, automasked: true }, msi: { count: 1, eventfd: true }, msix: { count: IGB_MSIX_VECTORS, eventfd: true } },
        },
        // The window holds its memory until unmapped.
        dma: { unmapWhileMapped: 'NIC_EBUSY', unmapped: 2 * 1024 * 1024 },
      });
      // INTx: one event per delivery; ack re-signals the line still asserted, and after the
      // cause was read away it unmasks, so the next cause interrupts again.
      expect(result.intx).toMatchObject({ first: 1, stillAsserted: 1, again: 1 });
      expect(result.intx.cause & ICR_LSC).toBe(ICR_LSC);
      expect(result.msi).toMatchObject({ first: 1, again: 1, mask: 'NIC_ENOTSUP' });
      expect(result.msi.cause & ICR_LSC).toBe(ICR_LSC);
      expect(result.hugepage1G).toEqual({ pool: { total: 1, free: 1 }, aligned: true, contiguous: true, tooMany: 'NIC_ENOMEM' });
    }, STEP_MS);
  });
}
