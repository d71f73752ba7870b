/**
 * Guest tier, software-assisted live migration (`sw-live-migration=1`) on a device others
 * wrote: QEMU's virtio-net-pci standing in for the VF (see `__fixtures__/virtio-vf-guest.ts`),
 * served by `nic-vdpa --virtio-vf`, and as the frontend @nic/vhost's VhostTestFrontend in the
 * guest (`__fixtures__/migration-frontend.mjs`), which plays QEMU's part in a migration:
 * SET_LOG_BASE and LOG_ALL to start, GET_VRING_BASE to stop. Frames go both ways through
 * QEMU's netdev while logging; the dirty-log oracle (snapshot, diff, log) checks that every
 * page of the frontend's memory that changed is marked once the device stopped.
 *
 * Logging starts on fresh rings: QEMU's device cannot take a ring up at a nonzero index (a
 * reset zeroes its `last_avail_idx` and `used_idx`, and the virtio-pci common configuration
 * has no register to set them), so the switch-over to mediated rings, which restarts the
 * function, is only possible before the first frame; later it is NIC_ENOTSUP (host test).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuestPrompted, type Guest } from '@nic/qemu-tier';
import type { StreamWire } from './__fixtures__/stream-wire.js';
import { BOOT_MS, bootVirtioVfGuest, INSTALL_COMMAND, NIC_VDPA, STEP_MS, until, VF, VIRTIO_VF_MISSING as MISSING } from './__fixtures__/virtio-vf-guest.js';
import { IFCVF_MEDIATED_VRING } from './mediated.js';

if (MISSING !== undefined) console.warn(`\n!!! SKIPPING the net_ifcvf migration guest tests: ${MISSING} (${INSTALL_COMMAND})\n`);

const SOCKET = '/tmp/nic-vdpa-lm.sock';
const FRONTEND = 'packages/vdpa-ifcvf/src/__fixtures__/migration-frontend.mjs';
/** Frames each way: fewer than the frontend's 256 rx buffers, which it never posts again. */
const RX_FRAMES = 48;
const TX_FRAMES = 32;
/** The frontend's layout (VhostTestFrontend): memory at GPA 0x40000000, 16 KiB of ring space per vring, used at +8 KiB, then the buffers. */
const FRONTEND_GPA = 0x4000_0000;
const RING_AREA = 0x4000;
const USED_AT = 0x2000;
const PAGE = 4096;
const RX_USED_PAGE = USED_AT / PAGE;
const TX_USED_PAGE = (RING_AREA + USED_AT) / PAGE;
const BUFFERS_PAGE = (2 * RING_AREA) / PAGE;
/** The frame the frontend sends as number `n`: broadcast, source 02:00:00:00:00:01, `n` after the header. */
const FRAME_LENGTH = 64;

/** QMP's view of one of the device's queues (the parts used). */
interface QueueStatus {
  readonly 'vring-used': number;
  readonly 'last-avail-idx': number;
  readonly 'used-idx': number;
}

function json<T>(text: string): T {
  const line = text.split('\n').find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`no JSON answer in:\n${text}`);
  return JSON.parse(line) as T;
}

function frameNumber(frame: Uint8Array): number {
  return new DataView(frame.buffer, frame.byteOffset).getUint32(14);
}

if (MISSING === undefined) {
  describe('software live migration of net_ifcvf on QEMU’s virtio-net-pci, a test frontend in the guest logging', () => {
    let guest: Guest;
    let wire: StreamWire;
    let bdf = '';
    let nic: GuestPrompted | undefined;
    let frontend: GuestPrompted | undefined;

    beforeAll(async () => {
      ({ guest, wire, bdf } = await bootVirtioVfGuest(`/tmp/nic-ifcvf-lm-${process.pid}.sock`));
    }, BOOT_MS + 2 * STEP_MS);

    afterAll(async () => {
      await frontend?.kill();
      await nic?.kill();
      await guest?.shutdown();
      await wire?.close();
    });

    const queue = (q: number): Promise<QueueStatus> => guest.qmp<QueueStatus>('x-query-virtio-queue-status', { path: `/machine/peripheral/${VF.device}/virtio-backend`, queue: q });

    it('relays rx through a mediated used ring while the frontend logs; GET_VRING_BASE hands back QEMU’s indices, and every page the device wrote is in the log', async () => {
      nic = new GuestPrompted(guest, 'nic-vdpa-lm', `node ${NIC_VDPA} --no-huge -m 16 -l 0 --file-prefix nic-vdpa-lm -a ${bdf},vdpa=1,sw-live-migration=1 -- -i --virtio-vf`, 'vdpa> ');
      await nic.ready(STEP_MS);
      expect(await nic.command(`create ${SOCKET} ${bdf}`, STEP_MS)).toContain(`serving ${bdf} on ${SOCKET}`);
      const f = new GuestPrompted(guest, 'migration-frontend', `node ${FRONTEND}`, 'frontend> ');
      frontend = f;
      await f.ready(STEP_MS);
      expect(await f.command(`connect ${SOCKET}`, STEP_MS)).toContain('connected');
      await nic.waitFor(/configured; the device runs its rings/, STEP_MS);
      expect((await queue(0))['vring-used']).toBe(FRONTEND_GPA + USED_AT);

      // Migration starts: the function restarts with rx's used ring the driver's own (mediated), tx's the frontend's.
      expect(await f.command('log', STEP_MS)).toContain('logging');
      await until('QEMU’s rx queue on the mediated used ring', async () => (await queue(0))['vring-used'] === IFCVF_MEDIATED_VRING, STEP_MS);
      expect((await queue(1))['vring-used']).toBe(FRONTEND_GPA + RING_AREA + USED_AT);

      expect(await f.command(`post ${TX_FRAMES}`, STEP_MS)).toContain(`posted ${TX_FRAMES}`);
      expect(await f.command('snapshot', STEP_MS)).toContain('snapshot taken');
      const first = wire.received.length;
      await f.command('kick 1', STEP_MS);
      for (let n = 0; n < RX_FRAMES; n++) wire.send(Uint8Array.from({ length: FRAME_LENGTH + n }, (_, i) => (i < 6 ? 0xff : (i + n) & 0xff)));
      let used = [0, 0];
      await until(`${RX_FRAMES} rx and ${TX_FRAMES} tx used entries in the frontend’s rings`, async () => {
        used = json<{ used: number[] }>(await f.command('used', STEP_MS)).used;
        return used[0] >= RX_FRAMES && used[1] >= TX_FRAMES;
      }, STEP_MS);
      expect(used).toEqual([RX_FRAMES, TX_FRAMES]);
      await until(`${TX_FRAMES} frames on the wire`, () => wire.received.length - first >= TX_FRAMES, STEP_MS);
      const out = wire.received.slice(first);
      expect(out.map((frame) => frame.length)).toEqual(new Array(TX_FRAMES).fill(FRAME_LENGTH));
      expect(out.map(frameNumber)).toEqual(Array.from({ length: TX_FRAMES }, (_, i) => i));

      // Before the stop: the tx used ring, written by the device directly, is changed and not logged yet.
      const running = json<{ changed: number[]; logged: number[] }>(await f.command('pages', STEP_MS));
      expect(running.changed).toContain(RX_USED_PAGE);
      expect(running.changed).toContain(TX_USED_PAGE);
      expect(running.changed.filter((p) => p >= BUFFERS_PAGE).length).toBeGreaterThanOrEqual(RX_FRAMES / 2);
      expect(running.changed.filter((p) => !running.logged.includes(p))).toEqual([TX_USED_PAGE]);

      // QEMU's own indices, then the stop as QEMU's vhost does it.
      const [rx, tx] = [await queue(0), await queue(1)];
      expect([rx['last-avail-idx'], rx['used-idx'], tx['last-avail-idx'], tx['used-idx']]).toEqual([RX_FRAMES, RX_FRAMES, TX_FRAMES, TX_FRAMES]);
      const { bases } = json<{ bases: number[] }>(await f.command('stop', STEP_MS));
      expect(bases).toEqual([rx['last-avail-idx'], tx['last-avail-idx']]);
      const stopped = json<{ changed: number[]; logged: number[] }>(await f.command('pages', STEP_MS));
      expect(stopped.changed.filter((p) => !stopped.logged.includes(p))).toEqual([]);
      console.log(`net_ifcvf guest migration: ${RX_FRAMES} frames in, ${TX_FRAMES} out while logging; ${stopped.changed.length} pages changed, ${stopped.logged.length} logged (${running.logged.length} before the stop); GET_VRING_BASE ${JSON.stringify(bases)}`);
    }, 6 * STEP_MS);
  });
}
