/**
 * DPDK's own PMDs (Debian's `dpdk-testpmd`: net_e1000_igb and net_ixgbe), and nic's (`nic-fwd`
 * on @nic/pmd-igb and @nic/pmd-ixgbe) beside them, in a guest, driving our 82576 and 82599
 * models served over vfio-user. Two ports of each model; the test holds every port's cable. Per
 * app and driver, the app forwards io between the two ports, receives (rxonly) and sends
 * (txonly), and its own accounting must equal what crossed the cables, frame for frame. One
 * boot, two stages:
 * 1. the functions bound to `uio_pci_generic`: no vIOMMU in their path (the guest kernel runs
 *    `iommu=pt`), the apps polling with physical addresses;
 * 2. the functions bound to `vfio-pci` behind the guest's intel-iommu (QEMU's `caching-mode=on`):
 *    every DMA window is a vIOMMU mapping QEMU forwards as DMA_MAP messages, interrupts are
 *    MSI-X. There testpmd also reports the model's link changes (its link-state interrupt), and
 *    nic-fwd also forwards with its lcore asleep between frames, woken by rx interrupts.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTestFrame, testFrame } from '@nic/native/testing';
import { bootGuest, INSTALL_COMMAND, qemuTierMissing, type Guest, type GuestProcess } from '@nic/qemu-tier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IgbModel } from '../igb/model.js';
import { IxgbeModel } from '../ixgbe/model.js';
import type { PortModel } from '../model/port.js';
import { vfioUserPciAddress, vfioUserQemuArgs } from './qemu-args.js';
import { VfioUserServer } from './server.js';

const MISSING = qemuTierMissing();
if (MISSING !== undefined) console.warn(`\n!!! SKIPPING the vfio-user DPDK guest tests: ${MISSING} (${INSTALL_COMMAND})\n`);

const BOOT_MS = 240_000;
const STEP_MS = 180_000;
/** Test frames injected per scenario. */
const FRAMES = 8;
const FRAME_LENGTH = 60;
/** Frames the txonly run lets testpmd send (at least) before it is stopped. */
const TXONLY_FRAMES = 200;
/** nic-fwd, built (`npm test` builds every package first). */
const FWD = fileURLToPath(new URL('../../../../apps/fwd/dist/main.js', import.meta.url));
/**
 * The two apps, with the same EAL and forwarding settings: small rings and pool, the guest's
 * hugepages; `ready` is the line after which the app stops cleanly on SIGINT (testpmd's handler
 * is there before EAL starts; nic-fwd prints its line once its handlers are in).
 */
const APPS = [
  {
    app: 'dpdk-testpmd',
    command: 'dpdk-testpmd',
    ready: /packet forwarding - ports=2/,
  },
  {
    app: 'nic-fwd',
    command: `node ${FWD} -m 64`,
    ready: /^Forwarding; press Ctrl-C to stop\.$/,
  },
];
const EAL_ARGS = '-l 0,1 -n 1 --file-prefix nic-vfu-dpdk';
/**
 * The stages: the guest driver the functions are bound to, and the EAL arguments it needs
 * (uio_pci_generic has no IOMMU, so the apps give the devices physical addresses).
 */
const STAGES = [
  {
    stage: 'stage 1: uio_pci_generic, polling',
    kernelDriver: 'uio_pci_generic',
    eal: '--iova-mode pa',
    vfio: false,
  },
  {
    stage: 'stage 2: vfio-pci behind the vIOMMU, MSI-X',
    kernelDriver: 'vfio-pci',
    eal: '',
    vfio: true,
  },
];
/** Frames the rx-interrupt run sends one at a time, each after the lcore has gone to sleep. */
const WAKING_FRAMES = 3;
const APP_ARGS = '--nb-cores=1 --rxd=128 --txd=128 --total-num-mbufs=2048 --stats-period=1';

/** One served port and the frames it put on its cable. */
interface Port {
  readonly model: PortModel<string, string>;
  readonly server: VfioUserServer;
  readonly transmitted: Uint8Array[];
  readonly address: string;
}

/**
 * testpmd's forward statistics of one port, as it prints them when it stops: RX-packets and
 * TX-packets are the port's own counts since forwarding started (the PMD's `stats_get`),
 * TX-dropped the frames its tx queues refused.
 */
interface PortCounts {
  rx: number;
  rxDropped: number;
  tx: number;
  txDropped: number;
}

/** The "Forward statistics for port N" blocks testpmd prints when it stops, by port. */
function forwardStatistics(output: string): PortCounts[] {
  const counts: PortCounts[] = [];
  const block = /Forward statistics for port (\d+)\s+-+\s+RX-packets: (\d+)\s+RX-dropped: (\d+)\s+RX-total: \d+\s+TX-packets: (\d+)\s+TX-dropped: (\d+)/g;
  for (const m of output.matchAll(block))
    counts[Number(m[1])] = {
      rx: Number(m[2]),
      rxDropped: Number(m[3]),
      tx: Number(m[4]),
      txDropped: Number(m[5]),
    };
  return counts;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

describe.skipIf(MISSING !== undefined)("DPDK's and nic's igb and ixgbe PMDs in a guest on our 82576 and 82599 models, over vfio-user and uio_pci_generic", () => {
  let dir: string;
  let guest: Guest | undefined;
  const ports: Port[] = [];

  beforeAll(async () => {
    if (!existsSync(FWD)) throw new Error(`${FWD} is missing: npm run build`);
    dir = mkdtempSync(join(tmpdir(), 'vfio-user-dpdk-'));
    const models: PortModel<string, string>[] = [
      new IgbModel({
        name: 'igb 0 (testpmd guest)',
        mac: '02:76:00:00:01:00',
      }),
      new IgbModel({
        name: 'igb 1 (testpmd guest)',
        mac: '02:76:00:00:01:01',
      }),
      new IxgbeModel({
        name: 'ixgbe 0 (testpmd guest)',
        mac: '02:82:00:00:01:00',
      }),
      new IxgbeModel({
        name: 'ixgbe 1 (testpmd guest)',
        mac: '02:82:00:00:01:01',
      }),
    ];
    models.forEach((model, i) => {
      const transmitted: Uint8Array[] = [];
      model.onTransmit((frame) => void transmitted.push(frame.slice()));
      ports.push({
        model,
        server: new VfioUserServer(join(dir, `vfu${i}.sock`), model),
        transmitted,
        address: vfioUserPciAddress(i),
      });
    });
    guest = await bootGuest({
      nics: 0,
      sharedMemory: { kind: 'memfd' },
      extraArgs: vfioUserQemuArgs(ports.map((p) => p.server.path)),
      timeoutMs: BOOT_MS,
    });
  }, BOOT_MS + 90_000);

  afterAll(async () => {
    await guest?.shutdown();
    for (const p of ports) p.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Binds every served function to `kernelDriver` in the guest (the init binds the 82576s to vfio-pci). */
  async function bindAll(kernelDriver: string): Promise<void> {
    const bind = ports
      .map(
        ({ address: a }) =>
          `d=/sys/bus/pci/devices/${a}; if [ -e $d/driver ]; then echo ${a} > $d/driver/unbind; fi; echo ${kernelDriver} > $d/driver_override && echo ${a} > /sys/bus/pci/drivers_probe && [ "$(basename $(readlink $d/driver))" = ${kernelDriver} ] || exit 1`
      )
      .join('; ');
    const module = kernelDriver.replace('-', '_');
    const bound = await (guest as Guest).run(`modprobe ${module} && ${bind}`, { timeoutMs: 60_000 });
    if (bound.code !== 0) throw new Error(`binding to ${kernelDriver} failed: ${bound.stdout}${bound.stderr}`);
  }

  /**
   * Starts `command` (testpmd or nic-fwd) in `mode` on two ports with the stage's EAL arguments
   * and `extra` application arguments; resolves once it forwards and `ready` was printed.
   */
  async function startApp(command: string, ready: RegExp, pair: readonly Port[], mode: string, eal: string, extra = ''): Promise<GuestProcess> {
    for (const p of pair) p.transmitted.length = 0;
    const app = (guest as Guest).spawn(`exec ${command} ${EAL_ARGS} ${eal} ${pair.map((p) => `-a ${p.address}`).join(' ')} -- --forward-mode=${mode} ${APP_ARGS} ${extra}`);
    try {
      await app.waitFor(new RegExp(`${mode} packet forwarding - ports=2`), STEP_MS / 2);
      await app.waitFor(ready, STEP_MS / 2);
    } catch (error) {
      app.kill('SIGKILL');
      const done = await app.done;
      throw new Error(`${command} did not start: ${(error as Error).message}\n${done.stdout}${done.stderr}`);
    }
    return app;
  }

  /** Stops the app (SIGINT: it stops its ports and prints its statistics) and returns its per-port counts. */
  async function stopApp(app: GuestProcess): Promise<PortCounts[]> {
    app.kill('SIGINT');
    const done = await app.done;
    const counts = forwardStatistics(done.stdout);
    if (counts.length !== 2) throw new Error(`the app printed no statistics for both ports (exit ${done.code}, signal ${done.signal}):\n${done.stdout}${done.stderr}`);
    // No interrupt source failed (nic's PCI bus once opened uio_pci_generic's node for a function with no interrupt line).
    expect(done.stderr).not.toMatch(/Bad file descriptor/);
    return counts;
  }

  const injected = (n: number): Buffer[] => Array.from({ length: FRAMES }, (_, k) => Buffer.from(testFrame(n + k, FRAME_LENGTH + k)));
  const hex = (frames: readonly Uint8Array[]): string[] => frames.map((f) => Buffer.from(f).toString('hex'));

  describe.each(STAGES)('$stage', ({ kernelDriver, eal, vfio }) => {
    beforeAll(() => bindAll(kernelDriver), 120_000);

    describe.each(
      APPS.flatMap(({ app, command, ready }) => [
        { app, command, ready, driver: 'igb', first: 0 },
        { app, command, ready, driver: 'ixgbe', first: 2 },
      ])
    )('$app, $driver PMD', ({ app: appName, command, ready, first }) => {
      const pair = (): Port[] => ports.slice(first, first + 2);

      it(
        'forwards io from port 0 to port 1, every frame once and unchanged',
        async () => {
          const [p0, p1] = pair();
          const app = await startApp(command, ready, [p0, p1], 'io', eal);
          const frames = injected(0x1000);
          for (const f of frames) expect(p0.model.receiveFrame(f)).toBe('delivered');
          await until(() => p1.transmitted.filter(isTestFrame).length >= FRAMES, 30_000);
          const counts = await stopApp(app);
          expect(hex(p1.transmitted.filter(isTestFrame))).toEqual(hex(frames));
          expect(p0.transmitted.filter(isTestFrame)).toEqual([]);
          expect(counts[0]).toMatchObject({ rx: FRAMES, rxDropped: 0 });
          expect(counts[1]).toMatchObject({ tx: FRAMES, txDropped: 0 });
        },
        STEP_MS
      );

      it(
        'receives in rxonly exactly the frames given to each port',
        async () => {
          const [p0, p1] = pair();
          const app = await startApp(command, ready, [p0, p1], 'rxonly', eal);
          for (const f of injected(0x2000)) expect(p0.model.receiveFrame(f)).toBe('delivered');
          for (const f of injected(0x3000).slice(0, FRAMES / 2)) expect(p1.model.receiveFrame(f)).toBe('delivered');
          // RX-packets is the port's own count (rte_eth_stats_get: the PMD reads the device's counters),
          // so it holds every delivered frame whether or not the lcore has polled it yet.
          const counts = await stopApp(app);
          expect(counts.map((c) => c.rx)).toEqual([FRAMES, FRAMES / 2]);
          expect(counts.map((c) => c.rxDropped)).toEqual([0, 0]);
          expect(counts.map((c) => c.tx)).toEqual([0, 0]);
        },
        STEP_MS
      );

      it(
        'sends in txonly exactly what the app counts, on both ports',
        async () => {
          const [p0, p1] = pair();
          const app = await startApp(command, ready, [p0, p1], 'txonly', eal);
          await until(() => p0.transmitted.length >= TXONLY_FRAMES && p1.transmitted.length >= TXONLY_FRAMES, 60_000);
          const counts = await stopApp(app);
          expect(p0.transmitted.length).toBeGreaterThanOrEqual(TXONLY_FRAMES);
          // TX-dropped counts the frames txonly made while the ring was full (never handed to the device).
          expect(counts.map((c) => c.tx)).toEqual([p0.transmitted.length, p1.transmitted.length]);
        },
        STEP_MS
      );

      // The interrupt tests: defined only where they run (a skipped test would fail CI).
      if (appName === 'dpdk-testpmd')
        it(
          `reports each link change of the model (the link-state interrupt: ${vfio ? "MSI-X through the vIOMMU's interrupt remapping" : "INTx through uio_pci_generic"})`,
          async () => {
            const [p0, p1] = pair();
            const app = await startApp(command, ready, [p0, p1], 'io', eal);
            const events = (): number => (app.stdout.match(/Port 0: link state change event/g) ?? []).length;
            // Frames through first: the port is up and its start's own link event is behind.
            const frames = injected(0x4000);
            for (const f of frames) expect(p0.model.receiveFrame(f)).toBe('delivered');
            await until(() => p1.transmitted.filter(isTestFrame).length >= FRAMES, 30_000);
            const before = events();
            p0.model.setLink(false);
            await until(() => events() > before, 60_000);
            expect(events()).toBe(before + 1);
            p0.model.setLink(true);
            await until(() => events() > before + 1, 60_000);
            // And the port forwards again once its link is back.
            const again = injected(0x4100);
            for (const f of again) expect(p0.model.receiveFrame(f)).toBe('delivered');
            await until(() => p1.transmitted.filter(isTestFrame).length >= 2 * FRAMES, 30_000);
            const counts = await stopApp(app);
            expect(events()).toBe(before + 2);
            expect(hex(p1.transmitted.filter(isTestFrame))).toEqual(hex([...frames, ...again]));
            expect(counts[0]).toMatchObject({ rx: 2 * FRAMES, rxDropped: 0 });
          },
          STEP_MS
        );

      if (vfio && appName === 'nic-fwd')
        it(
          'forwards io with its lcore asleep between frames, each frame waking it (rx interrupts, MSI-X)',
          async () => {
            const [p0, p1] = pair();
            const app = await startApp(command, ready, [p0, p1], 'io', eal, '--rx-interrupts');
            const statsLines = (): number => (app.stdout.match(/woken \d+ times by rx interrupts/g) ?? []).length;
            const frames = injected(0x5000).slice(0, WAKING_FRAMES);
            for (const [k, f] of frames.entries()) {
              // Two more statistics lines (a second apart) with no frame in flight: the lcore has gone to sleep.
              const lines = statsLines();
              await until(() => statsLines() >= lines + 2, 60_000);
              expect(statsLines()).toBeGreaterThanOrEqual(lines + 2);
              expect(p0.model.receiveFrame(f)).toBe('delivered');
              await until(() => p1.transmitted.filter(isTestFrame).length > k, 60_000);
            }
            const counts = await stopApp(app);
            expect(hex(p1.transmitted.filter(isTestFrame))).toEqual(hex(frames));
            expect(counts[0]).toMatchObject({
              rx: WAKING_FRAMES,
              rxDropped: 0,
            });
            expect(counts[1]).toMatchObject({
              tx: WAKING_FRAMES,
              txDropped: 0,
            });
            // The lcore sleeps with no timeout: only an rx interrupt (or the stop) wakes it.
            const { stdout } = await app.done;
            // The final line, not the live statistics' (indented).
            const final = /^lcore 1: asleep [\d.]+% of [\d.]+ s, woken (\d+) times by rx interrupts$/m.exec(stdout);
            expect(Number(final?.[1]), stdout).toBeGreaterThanOrEqual(WAKING_FRAMES);
          },
          STEP_MS
        );
    });
  });
});
