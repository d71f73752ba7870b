/**
 * Guest tier: net_ifcvf against a device others wrote. In a TCG guest behind QEMU's
 * intel-iommu, QEMU's own virtio-net-pci (`disable-legacy=on,iommu_platform=on`, on a root
 * port of its own, its netdev a `stream` socket to this process) stands in for an IFC VF and
 * is bound to vfio-pci. `nic-vdpa --virtio-vf` (the opt-in driver) serves it on a vhost-user
 * socket, and DPDK's testpmd in the guest, `net_virtio_user` on that socket, is the frontend:
 * the device reads and writes testpmd's rings and buffers by DMA through the vIOMMU, at
 * IOVAs that are testpmd's virtual addresses (the private container's mappings).
 *
 * The stream netdev loses no frame (QEMU stops reading when the rx ring is full and holds
 * transmissions while this end is slow), so every count is exact: testpmd's, the frames on
 * the wire, and the device's own (nic-vdpa's `stats`, from the used indices). QMP's
 * `x-query-virtio-status` is QEMU's view of the device: running (DRIVER_OK), with the
 * features the driver set. A write at BAR4+0x14 (the IFC live-migration block's logging
 * base, QEMU's device_status) would have reset it, one at +0x20 (ring state) its ring address.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuestPrompted, type Guest } from '@nic/qemu-tier';
import { TESTPMD } from '@nic/vhost/testing';
import type { StreamWire } from './__fixtures__/stream-wire.js';
import { BOOT_MS, bootVirtioVfGuest, INSTALL_COMMAND, NIC_VDPA, STEP_MS, until, VF, VIRTIO_VF_MISSING as MISSING } from './__fixtures__/virtio-vf-guest.js';

if (MISSING !== undefined) console.warn(`\n!!! SKIPPING the net_ifcvf guest tests: ${MISSING} (${INSTALL_COMMAND})\n`);

/** The vhost-user socket in the guest, and testpmd's port MAC (virtio_user's `mac`). */
const SOCKET = '/tmp/nic-vdpa-vf.sock';
const TESTPMD_MAC = '02:76:64:70:00:01';
/** QMP's status bits of a running device. */
const RUNNING = ['VIRTIO_CONFIG_S_ACKNOWLEDGE', 'VIRTIO_CONFIG_S_DRIVER', 'VIRTIO_CONFIG_S_FEATURES_OK', 'VIRTIO_CONFIG_S_DRIVER_OK'];
/** Frames in io mode, in batches that never fill testpmd's rings; frames in rxonly; txonly frames at least. */
const IO_FRAMES = 2000;
const IO_BATCH = 64;
const RX_FRAMES = 512;
const RX_BATCH = 64;
/** Frames per relay wake-up at the least: kicks come per batch of the frontend, not per frame. */
const FRAMES_PER_WAKEUP = 8;
/** Context switches of nic-vdpa's threads beyond two per wake-up (its timers, V8's helpers). */
const SWITCH_SLACK = 16;
const TX_FRAMES = 2000;
/** Vrings: rx queue 0 and tx queue 0. */
const RX_VRING = 0;
const TX_VRING = 1;
/** How often the device's counters are read while txonly runs (they count 16-bit indices). */
const SAMPLE_MS = 500;
/** The guest kernel's clock ticks per second (/proc/<pid>/stat's unit). */
const CLK_TCK = 100;

function stat(text: string, name: string): number {
  const m = [...text.matchAll(new RegExp(`${name}:\\s+(\\d+)`, 'g'))];
  if (m.length === 0) throw new Error(`no ${name} in:\n${text}`);
  return Number(m[m.length - 1][1]);
}

/** A broadcast frame of 64 bytes carrying `n` (32 bits) after the Ethernet header. */
function numbered(n: number): Uint8Array {
  const frame = Uint8Array.from({ length: 64 }, (_, i) => (i < 6 ? 0xff : i < 12 ? 0x02 : i));
  new DataView(frame.buffer).setUint32(14, n);
  return frame;
}

/** QMP's view of a virtio device (the parts used). */
interface VirtioStatus {
  readonly status: { statuses: string[] };
  readonly 'guest-features': { transports: string[]; 'dev-features'?: string[] };
}

/** What `nic-vdpa`'s `stats` printed for one vring. */
interface VringCounts {
  readonly received: number;
  readonly completed: number;
  /** Doorbell writes of the notify relay: nic-vdpa's wake-ups for the data path. */
  readonly relayed: number;
}

/** The counters `nic-vdpa`'s `stats` printed for `vring` (`<name>  <value>` lines under `vring <n>:`). */
function vringCounts(text: string, vring: number): VringCounts {
  const m = text.match(new RegExp(`vring ${vring}:\\s+received_descriptors\\s+(\\d+)\\s+completed_descriptors\\s+(\\d+)\\s+relayed_notifications\\s+(\\d+)`));
  if (!m) throw new Error(`no counters of vring ${vring} in:\n${text}`);
  return { received: Number(m[1]), completed: Number(m[2]), relayed: Number(m[3]) };
}

if (MISSING === undefined) {
  describe('net_ifcvf in a QEMU guest, on QEMU’s virtio-net-pci standing in for the VF, with testpmd’s virtio_user as the frontend', () => {
    let wire: StreamWire;
    let guest: Guest;
    let bdf = '';
    let nic: GuestPrompted | undefined;
    let testpmd: GuestPrompted | undefined;
    let nicPid = 0;

    /** nic-vdpa's counters of `vring`. */
    async function deviceCounts(vring: number): Promise<VringCounts> {
      return vringCounts(await (nic as GuestPrompted).command(`stats ${bdf} ${vring}`, STEP_MS), vring);
    }

    /**
     * What nic-vdpa's threads have done so far (/proc/<pid>/task/*): CPU time in clock ticks
     * (user + system) and voluntary context switches (each a sleep, so each wake-up is one).
     * Involuntary ones are left out: they are preemptions by testpmd's polling threads on the
     * same vCPUs, as many as the host's load makes them, whatever nic-vdpa does (a run on a
     * loaded host counted 106 switches for 40 wake-ups).
     */
    async function nicActivity(): Promise<{ ticks: number; switches: number }> {
      const r = await guest.run(`for t in /proc/${nicPid}/task/*; do sed 's/.*) //' $t/stat | cut -d' ' -f12,13; grep ctxt_switches $t/status | cut -f2; done`);
      const numbers = r.stdout.split(/\s+/).filter((w) => w !== '').map(Number);
      let ticks = 0;
      let switches = 0;
      // Per thread: utime stime (fields 14 and 15 of stat), then voluntary and involuntary switches.
      for (let i = 0; i + 3 < numbers.length; i += 4) {
        ticks += numbers[i] + numbers[i + 1];
        switches += numbers[i + 2];
      }
      return { ticks, switches };
    }

    beforeAll(async () => {
      ({ guest, wire, bdf } = await bootVirtioVfGuest(`/tmp/nic-ifcvf-guest-${process.pid}.sock`));
    }, BOOT_MS + 2 * STEP_MS);

    afterAll(async () => {
      await testpmd?.kill();
      await nic?.kill();
      await guest?.shutdown();
      await wire?.close();
    });

    it('takes the function only through the opt-in driver, with vdpa=1, and only with sw-live-migration=1 (no IFC live-migration block)', async () => {
      const run = (devargs: string, app: string) => guest.run(`node ${NIC_VDPA} --no-huge -m 16 -l 0 --file-prefix nic-vdpa-probe -a ${bdf}${devargs} -- --iface /tmp/nic-vdpa-probe- ${app}`, { timeoutMs: STEP_MS });
      const ifcOnly = await run(',vdpa=1,sw-live-migration=1', '');
      expect(ifcOnly.code, ifcOnly.stdout + ifcOnly.stderr).toBe(1);
      expect(ifcOnly.stderr).toContain('no vDPA device was probed');
      const notVdpa = await run('', '--virtio-vf');
      expect(notVdpa.code, notVdpa.stdout + notVdpa.stderr).toBe(1);
      expect(notVdpa.stderr).toContain('no vDPA device was probed');
      const noLm = await run(',vdpa=1', '--virtio-vf');
      expect(noLm.code, noLm.stdout + noLm.stderr).toBe(1);
      expect(noLm.stderr).toContain('no IFC live-migration block');
    }, 3 * STEP_MS);

    it('serves the function on a vhost-user socket; testpmd’s virtio_user negotiates and the device runs its rings (QEMU says DRIVER_OK)', async () => {
      nic = new GuestPrompted(guest, 'nic-vdpa', `node ${NIC_VDPA} --no-huge -m 16 -l 0 --file-prefix nic-vdpa-guest -a ${bdf},vdpa=1,sw-live-migration=1 -- -i --virtio-vf`, 'vdpa> ');
      nicPid = await nic.pid(STEP_MS);
      await nic.ready(STEP_MS);
      expect(await nic.command('list', STEP_MS)).toMatch(new RegExp(`${bdf.replace(/\./g, '\\.')}\\s+net\\s+1\\s`));
      expect(await nic.command(`create ${SOCKET} ${bdf}`, STEP_MS)).toContain(`serving ${bdf} on ${SOCKET}`);
      const eal = `-l 0,1 --no-pci --no-huge -m 128 --file-prefix=nic-vdpa-testpmd --log-level=*:notice --vdev net_virtio_user0,path=${SOCKET},queues=1,packed_vq=0,mac=${TESTPMD_MAC}`;
      testpmd = new GuestPrompted(guest, 'testpmd', `stdbuf -oL ${TESTPMD} ${eal} -- -i --total-num-mbufs=4096 --nb-cores=1 --rxq=1 --txq=1`, 'testpmd> ');
      await testpmd.ready(STEP_MS);
      await nic.waitFor(/configured; the device runs its rings/, STEP_MS);
      const virtio = await guest.qmp<VirtioStatus>('x-query-virtio-status', { path: `/machine/peripheral/${VF.device}/virtio-backend` });
      console.log(`net_ifcvf guest: QEMU's virtio status ${JSON.stringify(virtio.status)}, features ${JSON.stringify(virtio['guest-features'])}`);
      expect(virtio.status.statuses.map((s) => s.split(':')[0])).toEqual(RUNNING);
      expect(virtio['guest-features'].transports.map((s) => s.split(':')[0])).toContain('VIRTIO_F_IOMMU_PLATFORM');
    }, 3 * STEP_MS);

    it('forwards in io mode: every frame from the host goes through testpmd’s rx ring and back out of the device, in order, counted exactly by testpmd and the device', async () => {
      const pmd = testpmd as GuestPrompted;
      const rx0 = await deviceCounts(RX_VRING);
      const tx0 = await deviceCounts(TX_VRING);
      const cpu0 = await nicActivity();
      await pmd.command('set fwd io', STEP_MS);
      await pmd.command('start', STEP_MS);
      const first = wire.received.length;
      const started = Date.now();
      for (let n = 0; n < IO_FRAMES; n += IO_BATCH) {
        const end = Math.min(IO_FRAMES, n + IO_BATCH);
        for (let i = n; i < end; i++) wire.send(numbered(i));
        await until(`frames up to ${end} back on the wire`, () => wire.received.length - first >= end, STEP_MS);
      }
      const ms = Date.now() - started;
      const stopped = await pmd.command('stop', STEP_MS);
      const cpu1 = await nicActivity();
      expect(stat(stopped, 'RX-packets')).toBe(IO_FRAMES);
      expect(stat(stopped, 'TX-packets')).toBe(IO_FRAMES);
      expect(stat(stopped, 'RX-dropped')).toBe(0);
      expect(stat(stopped, 'TX-dropped')).toBe(0);
      expect(wire.received.slice(first)).toEqual(Array.from({ length: IO_FRAMES }, (_, i) => numbered(i)));
      const rx1 = await deviceCounts(RX_VRING);
      const tx1 = await deviceCounts(TX_VRING);
      expect(rx1.completed - rx0.completed).toBe(IO_FRAMES);
      expect(tx1.completed - tx0.completed).toBe(IO_FRAMES);
      const wakeups = rx1.relayed - rx0.relayed + tx1.relayed - tx0.relayed;
      // nic-vdpa woke only to relay kicks, a few per batch, not per frame.
      expect(wakeups).toBeGreaterThan(0);
      expect(wakeups).toBeLessThanOrEqual(IO_FRAMES / FRAMES_PER_WAKEUP);
      expect(cpu1.switches - cpu0.switches).toBeLessThanOrEqual(2 * wakeups + SWITCH_SLACK);
      console.log(`net_ifcvf guest io: ${IO_FRAMES} frames each way in ${ms} ms; nic-vdpa CPU ${((cpu1.ticks - cpu0.ticks) * 1000) / CLK_TCK} ms and ${cpu1.switches - cpu0.switches} context switches, ${wakeups} relay wake-ups (rx ${rx1.relayed - rx0.relayed}, tx ${tx1.relayed - tx0.relayed})`);
    }, 4 * STEP_MS);

    it('receives in rxonly mode: every frame from the host lands in testpmd’s rx ring by DMA, counted exactly, while nic-vdpa is not woken (no kick relayed, a handful of context switches)', async () => {
      const pmd = testpmd as GuestPrompted;
      const rx0 = await deviceCounts(RX_VRING);
      const tx0 = await deviceCounts(TX_VRING);
      await pmd.command('set fwd rxonly', STEP_MS);
      await pmd.command('start', STEP_MS);
      const cpu0 = await nicActivity();
      // In batches that never empty the rx ring: QEMU's device then asks for no kicks.
      for (let n = 0; n < RX_FRAMES; n += RX_BATCH) {
        const end = Math.min(RX_FRAMES, n + RX_BATCH);
        for (let i = n; i < end; i++) wire.send(numbered(i));
        await until(`testpmd to count ${end} frames`, async () => stat(await pmd.command('show port stats 0', STEP_MS), 'RX-packets') >= end, STEP_MS);
      }
      const cpu1 = await nicActivity();
      const stopped = await pmd.command('stop', STEP_MS);
      expect(stat(stopped, 'RX-packets')).toBe(RX_FRAMES);
      expect(stat(stopped, 'RX-dropped')).toBe(0);
      const rx1 = await deviceCounts(RX_VRING);
      const tx1 = await deviceCounts(TX_VRING);
      expect(rx1.completed - rx0.completed).toBe(RX_FRAMES);
      console.log(`net_ifcvf guest rxonly: ${RX_FRAMES} frames; nic-vdpa CPU ${((cpu1.ticks - cpu0.ticks) * 1000) / CLK_TCK} ms and ${cpu1.switches - cpu0.switches} context switches, relay wake-ups rx ${rx1.relayed - rx0.relayed}, tx ${tx1.relayed - tx0.relayed}`);
      // The device wrote every frame into testpmd's memory by itself: no kick was relayed, and
      // nic-vdpa's threads were scheduled a handful of times at most (its own timers), not per frame.
      expect([rx1.relayed - rx0.relayed, tx1.relayed - tx0.relayed]).toEqual([0, 0]);
      expect(cpu1.switches - cpu0.switches).toBeLessThanOrEqual(RX_FRAMES / FRAMES_PER_WAKEUP);
    }, 3 * STEP_MS);

    it('sends in txonly mode: every frame testpmd counts leaves the device onto the wire, and the device counts them too', async () => {
      const pmd = testpmd as GuestPrompted;
      const tx0 = await deviceCounts(TX_VRING);
      const rx0 = await deviceCounts(RX_VRING);
      const cpu0 = await nicActivity();
      await pmd.command('set fwd txonly', STEP_MS);
      await pmd.command('set txpkts 64', STEP_MS);
      const first = wire.received.length;
      const started = Date.now();
      await pmd.command('start', STEP_MS);
      // The device's counters follow 16-bit indices: read them while it runs.
      let samples = 0;
      await until(`${TX_FRAMES} frames on the wire`, async () => {
        await deviceCounts(TX_VRING);
        samples++;
        await delay(SAMPLE_MS);
        return wire.received.length - first >= TX_FRAMES;
      }, STEP_MS);
      const stopped = await pmd.command('stop', STEP_MS);
      const ms = Date.now() - started;
      const sent = stat(stopped, 'TX-packets');
      await until(`all ${sent} frames on the wire`, () => wire.received.length - first >= sent, STEP_MS);
      const cpu1 = await nicActivity();
      const frames = wire.received.slice(first);
      expect(frames.length).toBe(sent);
      expect(frames.every((f) => f.length === 64)).toBe(true);
      expect(Buffer.from(frames[0].subarray(6, 12)).toString('hex').replace(/(..)(?!$)/g, '$1:')).toBe(TESTPMD_MAC);
      const tx1 = await deviceCounts(TX_VRING);
      const rx1 = await deviceCounts(RX_VRING);
      expect(tx1.completed - tx0.completed).toBe(sent);
      const cpuMs = ((cpu1.ticks - cpu0.ticks) * 1000) / CLK_TCK;
      const wakeups = tx1.relayed - tx0.relayed + rx1.relayed - rx0.relayed;
      console.log(`net_ifcvf guest txonly: ${sent} frames in ${ms} ms; nic-vdpa CPU ${cpuMs} ms (${((cpuMs * 1000) / sent).toFixed(2)} µs per frame) and ${cpu1.switches - cpu0.switches} context switches, ${wakeups} relay wake-ups (tx ${tx1.relayed - tx0.relayed}, rx ${rx1.relayed - rx0.relayed})`);
      expect(wakeups).toBeGreaterThan(0);
      expect(wakeups).toBeLessThanOrEqual(sent / FRAMES_PER_WAKEUP);
      // Its scheduling follows the wake-ups (and the `stats` commands read meanwhile), not the frames.
      expect(cpu1.switches - cpu0.switches).toBeLessThanOrEqual(2 * (wakeups + samples) + SWITCH_SLACK);
    }, 3 * STEP_MS);
  });
}
