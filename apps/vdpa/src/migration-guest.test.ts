/**
 * Live migration on the IFCVF model in a guest, DPDK's own IFCVF driver (`dpdk-vdpa`) beside
 * nic's (`nic-vdpa`): the guest and backends of `__fixtures__/model-guest.ts`, and as the
 * frontend @nic/vhost's VhostTestFrontend run in the guest (vdpa-ifcvf's
 * `migration-frontend.mjs`), which starts logging as QEMU does at migration start
 * (SET_LOG_BASE, LOG_ALL, VRING_F_LOG) and stops the rings with GET_VRING_BASE. Both modes:
 * hardware dirty logging through the LM block (no devargs) and software live migration
 * (`sw-live-migration=1`: mediated used rings relayed by the driver). In each run frames go
 * both ways while logging; the model records its LM-register writes and the pages it logged,
 * the frontend the pages that changed and those in its log. The two drivers must agree.
 */
import { testFrame } from '@nic/native/testing';
import { GuestPrompted, INSTALL_COMMAND, type GuestProcess } from '@nic/qemu-tier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, BOOT_MS, bootModelGuest, MODEL_GUEST_MISSING as MISSING, startBackend, type Backend, type ModelGuest } from './__fixtures__/model-guest.js';

if (MISSING !== undefined) console.warn(`\n!!! SKIPPING the IFCVF migration guest tests: ${MISSING} (${INSTALL_COMMAND})\n`);

const FRONTEND = 'packages/vdpa-ifcvf/src/__fixtures__/migration-frontend.mjs';
const STEP_MS = 120_000;
const RUN_MS = 600_000;
const RX_FRAMES = 16;
const TX_FRAMES = 16;
const FRAME_LENGTH = 60;
/** DPDK's and nic's IOVA of the first mediated used ring (IFCVF_MEDIATED_VRING). */
const MEDIATED_VRING = 0x2000_0000_0000;
/** Where DPDK's mediated ring puts the used ring: a whole vring of 256 entries laid out at 4 KiB alignment. */
const DPDK_MEDIATED_USED = 0x2000;
/** The frontend's layout (VhostTestFrontend): 16 KiB of ring space per vring, used at +8 KiB. */
const TX_USED_PAGE = (0x4000 + 0x2000) / 4096;
const RX_USED_PAGE = 0x2000 / 4096;
const MODES = [
  { name: 'hardware dirty logging', devargs: '' },
  { name: 'software live migration', devargs: ',sw-live-migration=1' },
] as const;

/** What one backend's migration run left. */
interface MigrationRun {
  /** GET_VRING_BASE of rx and tx. */
  readonly bases: number[];
  /** Frontend pages changed since the snapshot, and marked in its log, while running and after the stop. */
  readonly running: { changed: number[]; logged: number[] };
  readonly stopped: { changed: number[]; logged: number[] };
  /** rx's used ring as the device ran it while logging, and whether the LM block's logging was on then and after the stop. */
  readonly rxUsedWhileLogging: number;
  readonly lmLogging: boolean;
  readonly lmLoggingAfter: boolean;
  /** LM-block writes: at the switch to logging, and from then to the stop (included). */
  readonly lmWritesAtLog: number;
  readonly lmWritesToStop: number;
  /** Pages the model marked in the log (hardware logging). */
  readonly modelLogged: number;
  readonly resets: number;
  /** The numbers of the frames the device sent (the frontend numbers them from 0). */
  readonly out: number[];
  /** What the backend printed. */
  readonly backendOutput: string;
}

function json<T>(text: string): T {
  const line = text.split('\n').find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`no JSON answer in:\n${text}`);
  return JSON.parse(line) as T;
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

if (MISSING === undefined)
  describe('live migration on the IFCVF model in a guest: dpdk-vdpa and nic-vdpa under the same logging frontend', () => {
    let booted: ModelGuest;
    const runs = new Map<string, MigrationRun>();

    beforeAll(async () => {
      booted = await bootModelGuest();
    }, BOOT_MS + 120_000);

    afterAll(async () => {
      await booted?.close();
      for (const [key, run] of runs) console.log(`[ifcvf migration guest] ${key}: ${JSON.stringify({ ...run, backendOutput: undefined, running: { changed: run.running.changed.length, logged: run.running.logged.length }, stopped: { changed: run.stopped.changed.length, logged: run.stopped.logged.length } })}`);
    });

    async function migrate(backend: Backend, devargs: string): Promise<MigrationRun> {
      const { guest, model, wire } = booted;
      const vdpa = await startBackend(guest, backend, devargs, STEP_MS);
      let f: GuestPrompted | undefined;
      try {
        const front = new GuestPrompted(guest, `frontend-${backend.name}`, `node ${FRONTEND}`, 'frontend> ');
        f = front;
        await f.ready(STEP_MS);
        expect(await f.command(`connect ${backend.iface}0`, STEP_MS)).toContain('connected');
        await until(`${backend.name} to start the device's rings`, () => (model.status & 0x04) !== 0 && model.queue(0).running && model.queue(1).running, STEP_MS);
        const resets = model.resets;
        const lm0 = model.lmWrites;
        expect(await f.command('log', STEP_MS)).toContain('logging');
        await until('the device logging', () => model.logging || (model.queue(0).used >= MEDIATED_VRING && model.queue(0).running), STEP_MS);
        const lmWritesAtLog = model.lmWrites - lm0;
        const rxUsedWhileLogging = model.queue(0).used;
        const lmLogging = model.logging;
        const logged0 = model.loggedPages;
        expect(await f.command(`post ${TX_FRAMES}`, STEP_MS)).toContain(`posted ${TX_FRAMES}`);
        await f.command('snapshot', STEP_MS);
        wire.length = 0;
        await f.command('kick 1', STEP_MS);
        for (let k = 0; k < RX_FRAMES; k++) expect(model.receiveFrame(testFrame(0x300 + k, FRAME_LENGTH + k))).toBe('received');
        await until('the used entries in the frontend’s rings', async () => {
          const { used } = json<{ used: number[] }>(await front.command('used', STEP_MS));
          return used[0] >= RX_FRAMES && used[1] >= TX_FRAMES;
        }, STEP_MS);
        await until('the frames on the wire', () => wire.length >= TX_FRAMES, STEP_MS);
        const running = json<{ changed: number[]; logged: number[] }>(await f.command('pages', STEP_MS));
        const { bases } = json<{ bases: number[] }>(await f.command('stop', STEP_MS));
        const stopped = json<{ changed: number[]; logged: number[] }>(await f.command('pages', STEP_MS));
        await f.kill();
        const backendOutput = await stop(vdpa);
        return {
          bases,
          running,
          stopped,
          rxUsedWhileLogging,
          lmLogging,
          lmLoggingAfter: model.logging,
          lmWritesAtLog,
          lmWritesToStop: model.lmWrites - lm0 - lmWritesAtLog,
          modelLogged: model.loggedPages - logged0,
          resets: model.resets - resets,
          out: wire.map((frame) => new DataView(frame.buffer, frame.byteOffset).getUint32(14)),
          backendOutput,
        };
      } catch (error) {
        await f?.kill();
        vdpa.kill('SIGKILL');
        const v = await vdpa.done.catch(() => undefined);
        throw new Error(`${(error as Error).message}\n--- ${backend.name}:\n${v?.stdout ?? ''}${v?.stderr ?? ''}\n--- frontend:\n${f?.process.stdout ?? ''}${f?.process.stderr ?? ''}\n--- model: status 0x${booted.model.status.toString(16)}, queue 0 ${JSON.stringify(booted.model.queue(0))}, queue 1 ${JSON.stringify(booted.model.queue(1))}; server: ${booted.server.device?.lastError ?? 'no error'}`);
      }
    }

    /** Stops the backend as a user does (SIGINT); what it printed. */
    async function stop(vdpa: GuestProcess): Promise<string> {
      vdpa.kill('SIGINT');
      const end = await vdpa.done.catch(() => undefined);
      return `${end?.stdout ?? ''}${end?.stderr ?? ''}`;
    }

    for (const mode of MODES) {
      for (const backend of BACKENDS)
        it(`${mode.name}, ${backend.name}: GET_VRING_BASE hands back where the device stopped, and every page that changed is in the log`, async () => {
          const run = await migrate(backend, mode.devargs);
          runs.set(`${mode.name}, ${backend.name}`, run);
          const output = run.backendOutput;
          expect(run.bases, output).toEqual([RX_FRAMES, TX_FRAMES]);
          expect(run.out, output).toEqual(Array.from({ length: TX_FRAMES }, (_, i) => i));
          expect(run.stopped.changed.length).toBeGreaterThanOrEqual(RX_FRAMES / 2);
          expect(run.running.changed).toContain(TX_USED_PAGE);
          expect(run.stopped.changed.filter((p) => !run.stopped.logged.includes(p)), output).toEqual([]);
          if (mode.devargs === '') {
            // The LM block logs every page the device writes, its used rings too.
            expect(run.lmLogging).toBe(true);
            expect(run.modelLogged).toBeGreaterThan(0);
            expect(run.running.changed.filter((p) => !run.running.logged.includes(p))).toEqual([]);
          } else {
            // The tx used ring, written by the device directly, is logged only at the stop.
            expect(run.rxUsedWhileLogging).toBeGreaterThanOrEqual(MEDIATED_VRING);
            expect(run.lmLogging).toBe(false);
            expect(run.running.changed.filter((p) => !run.running.logged.includes(p))).toContain(TX_USED_PAGE);
          }
        }, RUN_MS);

      it(`${mode.name}: both drivers did the same (indices, pages changed and logged, the device's logging)`, () => {
        const [dpdk, nic] = BACKENDS.map((b) => runs.get(`${mode.name}, ${b.name}`));
        expect(dpdk && nic).toBeTruthy();
        if (!dpdk || !nic) return;
        // The same pages changed and, once stopped, logged; the same LM-block writes and device logging.
        expect(nic.stopped).toEqual(dpdk.stopped);
        expect(nic.running.changed).toEqual(dpdk.running.changed);
        expect(nic.out).toEqual(dpdk.out);
        expect(nic.bases).toEqual(dpdk.bases);
        expect([nic.lmLogging, nic.lmLoggingAfter, nic.modelLogged, nic.lmWritesAtLog, nic.lmWritesToStop]).toEqual([dpdk.lmLogging, dpdk.lmLoggingAfter, dpdk.modelLogged, dpdk.lmWritesAtLog, dpdk.lmWritesToStop]);
        // A difference (apps/vdpa/README.md): DPDK's mediated ring is a whole vring (its used ring 0x2000 in).
        if (mode.devargs === '') expect(nic.rxUsedWhileLogging).toBe(dpdk.rxUsedWhileLogging);
        else {
          expect([dpdk.rxUsedWhileLogging, nic.rxUsedWhileLogging]).toEqual([MEDIATED_VRING + DPDK_MEDIATED_USED, MEDIATED_VRING]);
          // Another: DPDK's relay (rte_vdpa_relay_vring_used) logs the buffers it hands back but
          // leaves the rx used ring to the stop, as its contract says; nic's relay logs that page
          // when it writes it. Neither logs the tx used ring, which the device writes, before the stop.
          const unlogged = (run: MigrationRun): number[] => run.running.changed.filter((p) => !run.running.logged.includes(p)).sort((a, b) => a - b);
          expect([unlogged(dpdk), unlogged(nic)]).toEqual([[RX_USED_PAGE, TX_USED_PAGE], [TX_USED_PAGE]]);
        }
      });
    }
  });
