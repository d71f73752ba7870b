/**
 * Guest tier, the README's figure: what the backend process costs per packet with vDPA
 * (nic-vdpa on QEMU's virtio-net-pci standing in for a VF) against nic's own net_vhost
 * (nic-fwd, which copies every frame in software), with the same frontend and traffic: DPDK's
 * testpmd in the guest, `net_virtio_user` on the backend's socket, txonly 64-byte frames.
 *
 * CPU time from /proc is no measure in a TCG guest (a vCPU descheduled by the host charges
 * its time to whichever task is current), so the cost is counted exactly: the guest has four
 * vCPUs, testpmd runs on 0 and 1 (interrupts are steered to 0), the backend alone on 2 and 3,
 * and the guest-counts TCG plugin (`@nic/qemu-tier`'s GuestCounter) counts the instructions
 * vCPUs 2 and 3 execute (user and kernel: the backend's syscalls, wake-ups and copies; a
 * halted vCPU executes none). The same window with the backend idle is the baseline (timers,
 * per-CPU kernel threads), subtracted before dividing by the frames testpmd sent.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuestCounter, GuestPrompted, type Guest, type GuestProcess } from '@nic/qemu-tier';
import { TESTPMD } from '@nic/vhost/testing';
import { bootVirtioVfGuest, INSTALL_COMMAND, NIC_VDPA, STEP_MS, until, VIRTIO_VF_MISSING, BOOT_MS } from './__fixtures__/virtio-vf-guest.js';
import type { StreamWire } from './__fixtures__/stream-wire.js';

const NIC_FWD = 'apps/fwd/bin/nic-fwd.js';
if (VIRTIO_VF_MISSING !== undefined) console.warn(`\n!!! SKIPPING the vDPA cost figure: ${VIRTIO_VF_MISSING} (${INSTALL_COMMAND})\n`);

/** vCPUs: testpmd's two, then the backend's two. */
const CPUS = 4;
const TESTPMD_CPUS = '0,1';
/** The backend's vCPUs; its lcores are these CPUs (EAL takes lcores from the process's affinity set). */
const BACKEND_CPUS = [2, 3];
/** Seconds of each window: idle baseline, then txonly. */
const WINDOW_MS = 5000;
const VDPA_SOCKET = '/tmp/nic-cost-vdpa.sock';
const VHOST_SOCKET = '/tmp/nic-cost-vhost.sock';
const TESTPMD_MAC = '02:76:64:70:00:02';

/** `stats <bdf> 0xffff`: every vring; frames per relayed kick at the least (testpmd kicks per burst of up to 32). */
const EVERY_VRING = '0xffff';
const FRAMES_PER_WAKEUP = 8;

/** The relayed_notifications of every vring in nic-vdpa's `stats` output, summed. */
function relayed(text: string): number {
  return [...text.matchAll(/relayed_notifications\s+(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}

function stat(text: string, name: string): number {
  const m = [...text.matchAll(new RegExp(`${name}:\\s+(\\d+)`, 'g'))];
  if (m.length === 0) throw new Error(`no ${name} in:\n${text}`);
  return Number(m[m.length - 1][1]);
}

/** One backend's figures: instructions on its vCPUs while idle and while testpmd sent `frames`. */
interface Cost {
  readonly frames: number;
  readonly idle: number;
  readonly busy: number;
  /** (busy - idle) per million frames. */
  readonly perMillion: number;
  /** vDPA: the kicks nic-vdpa relayed (its wake-ups for the data path). */
  readonly wakeups?: number;
}

if (VIRTIO_VF_MISSING === undefined) {
  describe('the backend’s cost per packet, vDPA against net_vhost, counted in instructions on its own vCPUs', () => {
    let guest: Guest;
    let wire: StreamWire;
    let bdf = '';
    let counter: GuestCounter;
    let countsDir = '';
    const costs = new Map<string, Cost>();

    /** Instructions vCPUs 2 and 3 have executed so far. */
    const backendInstructions = (): number => BACKEND_CPUS.reduce((sum, v) => sum + counter.read(v).instructions, 0);

    /** The backend's vCPUs' instructions over one window. */
    async function window(): Promise<number> {
      const before = backendInstructions();
      await delay(WINDOW_MS);
      return backendInstructions() - before;
    }

    /** testpmd on `socket`: an idle window, then a txonly window; the frames it sent. */
    async function measure(name: string, socket: string): Promise<Cost> {
      const eal = `-l 0,1 --no-pci --no-huge -m 128 --file-prefix=nic-cost-${name} --log-level=*:notice --vdev net_virtio_user0,path=${socket},queues=1,packed_vq=0,mac=${TESTPMD_MAC}`;
      const testpmd = new GuestPrompted(guest, `testpmd-${name}`, `taskset -c ${TESTPMD_CPUS} stdbuf -oL ${TESTPMD} ${eal} -- -i --total-num-mbufs=4096 --nb-cores=1`, 'testpmd> ');
      try {
        await testpmd.ready(STEP_MS);
        await testpmd.command('set fwd txonly', STEP_MS);
        await testpmd.command('set txpkts 64', STEP_MS);
        const idle = await window();
        await testpmd.command('start', STEP_MS);
        const busy = await window();
        const frames = stat(await testpmd.command('stop', STEP_MS), 'TX-packets');
        const cost = { frames, idle, busy, perMillion: Math.round(((busy - idle) * 1e6) / frames) };
        console.log(`vDPA cost figure, ${name}: ${frames} frames in ${WINDOW_MS} ms; backend vCPUs ${busy} instructions (idle ${idle}); ${cost.perMillion} per million frames`);
        return cost;
      } finally {
        await testpmd.kill();
      }
    }

    beforeAll(async () => {
      countsDir = mkdtempSync(join(tmpdir(), 'nic-vdpa-cost-'));
      counter = GuestCounter.create(join(countsDir, 'counts'));
      ({ guest, wire, bdf } = await bootVirtioVfGuest(`/tmp/nic-vdpa-cost-${process.pid}.sock`, { cpus: CPUS, plugins: [counter.plugin] }));
      // Every interrupt to vCPU 0, so that the backend's vCPUs run only what it asks for.
      await guest.run('echo 1 > /proc/irq/default_smp_affinity; for f in /proc/irq/*/smp_affinity; do echo 1 > $f; done 2>/dev/null; true');
    }, BOOT_MS + STEP_MS);

    afterAll(async () => {
      await guest?.shutdown();
      await wire?.close();
      if (countsDir) rmSync(countsDir, { recursive: true, force: true });
      if (costs.size > 0) console.log(`[vdpa cost] ${JSON.stringify(Object.fromEntries(costs))}`);
    });

    it('vDPA: nic-vdpa on the VF; every frame testpmd sent left the device', async () => {
      const nic = new GuestPrompted(guest, 'nic-vdpa-cost', `taskset -c ${BACKEND_CPUS.join(',')} node ${NIC_VDPA} --no-huge -m 16 -l ${BACKEND_CPUS[0]} --file-prefix nic-vdpa-cost -a ${bdf},vdpa=1,sw-live-migration=1 -- -i --virtio-vf`, 'vdpa> ');
      try {
        await nic.ready(STEP_MS);
        expect(await nic.command(`create ${VDPA_SOCKET} ${bdf}`, STEP_MS)).toContain(`serving ${bdf}`);
        const first = wire.received.length;
        const relayed0 = relayed(await nic.command(`stats ${bdf} ${EVERY_VRING}`, STEP_MS));
        const cost = await measure('vdpa', VDPA_SOCKET);
        const wakeups = relayed(await nic.command(`stats ${bdf} ${EVERY_VRING}`, STEP_MS)) - relayed0;
        await until(`all ${cost.frames} frames on the wire`, () => wire.received.length - first >= cost.frames, STEP_MS);
        expect(wire.received.length - first).toBe(cost.frames);
        // nic-vdpa's per-traffic work is relaying testpmd's tx kicks (virtio_user maps no host notifiers): a kick per burst, not per frame.
        expect(wakeups).toBeGreaterThan(0);
        expect(wakeups).toBeLessThan(cost.frames / FRAMES_PER_WAKEUP);
        console.log(`vDPA cost figure, vdpa: ${wakeups} relay wake-ups, ${Math.round((cost.busy - cost.idle) / wakeups)} instructions each`);
        costs.set('vdpa', { ...cost, wakeups });
      } finally {
        await nic.kill();
      }
    }, 4 * STEP_MS);

    it('net_vhost: nic-fwd rxonly with rx interrupts on net_vhost; it received every frame testpmd sent', async () => {
      const fwd: GuestProcess = guest.spawn(`rm -f ${VHOST_SOCKET}; exec taskset -c ${BACKEND_CPUS.join(',')} node ${NIC_FWD} -l ${BACKEND_CPUS.join(',')} --no-pci --no-huge -m 256 --file-prefix nic-cost-fwd --vdev net_vhost0,iface=${VHOST_SOCKET} -- --forward-mode=rxonly --rx-interrupts`);
      try {
        let ended = false;
        void fwd.done.finally(() => (ended = true)).catch(() => undefined);
        await until('net_vhost’s socket', async () => {
          if (ended) throw new Error(`nic-fwd ended:\n${fwd.stdout}${fwd.stderr}`);
          return (await guest.run(`test -S ${VHOST_SOCKET}`)).code === 0;
        }, STEP_MS);
        const cost = await measure('net_vhost', VHOST_SOCKET);
        fwd.kill('SIGINT');
        const done = await fwd.done;
        expect(stat(done.stdout, 'RX-packets')).toBe(cost.frames);
        costs.set('net_vhost', cost);
      } finally {
        fwd.kill('SIGKILL');
        await fwd.done.catch(() => undefined);
      }
    }, 4 * STEP_MS);

    // The ratio follows the host's timing, not the code: vDPA's cost is the relay's wake-ups
    // (frames per kick vary with how fast testpmd runs), net_vhost's the copies. Runs gave 1/15 to
    // 1/40, and one CI run 1/3.7 (1242 wake-ups of 71 000 instructions for 476 084 frames, against
    // net_vhost's 680 per frame): the bound is a half, the figure goes to the README.
    it('vDPA costs the backend less than half of what net_vhost’s copies cost per frame', () => {
      const vdpa = costs.get('vdpa');
      const vhost = costs.get('net_vhost');
      expect(vdpa && vhost).toBeTruthy();
      if (!vdpa || !vhost) return;
      expect(vhost.perMillion).toBeGreaterThan(0);
      expect(vdpa.perMillion).toBeLessThan(vhost.perMillion / 2);
    });
  });
}
