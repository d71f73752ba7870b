/**
 * Guest tier, blk: net_ifcvf against QEMU's own virtio-blk-pci (`disable-legacy=on,
 * iommu_platform=on`, two queues, a serial, a geometry and a 4 KiB physical block, on a root
 * port of its own behind the guest's intel-iommu), bound to vfio-pci in a TCG guest. The
 * disk is a raw file of this test, filled with a known pattern before boot.
 *
 * `nic-vdpa --virtio-vf` takes the function as a blk device (`list`). The data path is driven
 * by a frontend in one process with the driver (`__fixtures__/guest-blk.ts`, bundled here):
 * it calls the vDPA ops as the vhost library does and posts requests on vring 0, which QEMU's
 * device serves by DMA into that process's memory through the vIOMMU. Not through a
 * vhost-user socket: `@nic/vhost` serves no GET_CONFIG (QEMU's vhost-user-blk refuses a
 * backend without it) and starts a device only once vrings 0 and 1 (a net queue pair) are ready.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootGuest, INSTALL_COMMAND, qemuTierMissing, type Guest } from '@nic/qemu-tier';
import { GuestPrompted } from './__fixtures__/guest-prompt.js';

const NIC_VDPA = 'apps/vdpa/dist/main.js';
const ROOT = new URL('../../../', import.meta.url).pathname;
const MISSING = qemuTierMissing() ?? (existsSync(join(ROOT, NIC_VDPA)) ? undefined : `${NIC_VDPA} is not built`);
if (MISSING !== undefined) console.warn(`\n!!! SKIPPING the net_ifcvf blk guest tests: ${MISSING} (${INSTALL_COMMAND})\n`);

const BOOT_MS = 300_000;
const STEP_MS = 120_000;
/** The frontend bundled where Node finds the `@nic` packages (the root node_modules). */
const BUNDLE = join(ROOT, 'node_modules', '.cache', 'nic-vdpa-ifcvf', `guest-blk-${process.pid}.mjs`);
const DISK = `/tmp/nic-ifcvf-blk-${process.pid}.img`;
const SECTOR = 512;
const SECTORS = 2048;
/** The device's properties, each visible in its config space or its GET_ID answer. */
const BLK = { device: 'vfblk', drive: 'vfdisk', port: 'blkport', slot: '0x19', chassis: 25, queues: 2, serial: 'nic-vdpa-blk-0', cyls: 32, heads: 4, secs: 16, physicalBlockExp: 3 };
/** QEMU's modern virtio-blk-pci as sysfs spells its ids. */
const QEMU_VIRTIO_BLK = '0x1af4:0x1042:0x1af4:0x1100';
const RUNNING = ['VIRTIO_CONFIG_S_ACKNOWLEDGE', 'VIRTIO_CONFIG_S_DRIVER', 'VIRTIO_CONFIG_S_FEATURES_OK', 'VIRTIO_CONFIG_S_DRIVER_OK'];
/** virtio-blk feature bits: GEOMETRY, BLK_SIZE, TOPOLOGY, MQ; and VERSION_1. */
const BLK_FEATURES = [4, 6, 10, 12, 32];
/** virtio-blk request status and an unknown request type. */
const S_OK = 0;
const S_IOERR = 1;
const S_UNSUPP = 2;
const UNKNOWN_TYPE = 0xff;
/** Where the test writes, and with what pattern seed. */
const WRITE_SECTOR = 64;
const WRITE_BYTES = 1024;
const WRITE_SEED = 7;

/** The disk's content at boot: byte i of the disk is a function of its sector and offset. */
function diskByte(i: number): number {
  return (Math.floor(i / SECTOR) * 31 + i) & 0xff;
}

function blkArgs(): string[] {
  return [
    '-device', `pcie-root-port,id=${BLK.port},bus=pcie.0,addr=${BLK.slot},chassis=${BLK.chassis}`,
    '-drive', `file=${DISK},if=none,id=${BLK.drive},format=raw`,
    '-device', `virtio-blk-pci,id=${BLK.device},drive=${BLK.drive},disable-legacy=on,iommu_platform=on,num-queues=${BLK.queues},serial=${BLK.serial},cyls=${BLK.cyls},heads=${BLK.heads},secs=${BLK.secs},logical_block_size=${SECTOR},physical_block_size=${SECTOR << BLK.physicalBlockExp},bus=${BLK.port},addr=0,romfile=`,
  ];
}

interface VirtioStatus {
  readonly status: { statuses: string[] };
  readonly 'guest-features': { transports: string[] };
}

if (MISSING === undefined) {
  describe('net_ifcvf in a QEMU guest, on QEMU’s virtio-blk-pci standing in for a blk VF', () => {
    let guest: Guest;
    let bdf = '';
    let blk: GuestPrompted | undefined;

    /** One command of the frontend, its JSON answer. */
    async function frontend<T>(line: string): Promise<T> {
      const out = await (blk as GuestPrompted).command(line, STEP_MS);
      const json = out.split('\n').find((l) => l.startsWith('{'));
      if (json === undefined) throw new Error(`no answer to ${line}: ${out}`);
      const answer = JSON.parse(json) as T & { error?: string };
      if (answer.error !== undefined) throw new Error(`${line}: ${answer.error}`);
      return answer;
    }

    async function qemuStatus(): Promise<VirtioStatus> {
      return guest.qmp<VirtioStatus>('x-query-virtio-status', { path: `/machine/peripheral/${BLK.device}/virtio-backend` });
    }

    beforeAll(async () => {
      writeFileSync(DISK, Uint8Array.from({ length: SECTORS * SECTOR }, (_, i) => diskByte(i)));
      mkdirSync(join(BUNDLE, '..'), { recursive: true });
      await build({ entryPoints: [new URL('./__fixtures__/guest-blk.ts', import.meta.url).pathname], bundle: true, format: 'esm', platform: 'node', target: 'node20', external: ['@nic/*'], outfile: BUNDLE, logLevel: 'error' });
      guest = await bootGuest({ nics: 0, cpus: 2, extraArgs: blkArgs(), timeoutMs: BOOT_MS });
      const found = await guest.run(`for d in /sys/bus/pci/devices/*; do [ "$(cat $d/vendor):$(cat $d/device):$(cat $d/subsystem_vendor):$(cat $d/subsystem_device)" = ${QEMU_VIRTIO_BLK} ] && echo \${d##*/}; done; true`);
      const functions = found.stdout.trim().split('\n').filter((l) => l !== '');
      expect(functions).toHaveLength(1);
      bdf = functions[0];
      await guest.bindDriver([bdf], 'vfio-pci');
    }, BOOT_MS + STEP_MS);

    afterAll(async () => {
      await blk?.kill();
      await guest?.shutdown();
      rmSync(DISK, { force: true });
      rmSync(BUNDLE, { force: true });
    });

    it('nic-vdpa takes the function only with --virtio-vf and vdpa=1, and lists it as blk with its two queues', async () => {
      const run = (devargs: string, app: string) => guest.run(`node ${NIC_VDPA} --no-huge -m 16 -l 0 --file-prefix nic-vdpa-blk -a ${bdf}${devargs} -- ${app}`, { timeoutMs: STEP_MS });
      const ifcOnly = await run(',vdpa=1,sw-live-migration=1', '--iface /tmp/nic-vdpa-blk-');
      expect(ifcOnly.code, ifcOnly.stdout + ifcOnly.stderr).toBe(1);
      expect(ifcOnly.stderr).toContain('no vDPA device was probed');
      const listed = await guest.run(`echo list | node ${NIC_VDPA} --no-huge -m 16 -l 0 --file-prefix nic-vdpa-blk -a ${bdf},vdpa=1,sw-live-migration=1 -- -i --virtio-vf`, { timeoutMs: STEP_MS });
      expect(listed.code, listed.stdout + listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(new RegExp(`${bdf.replace(/\./g, '\\.')}\\s+blk\\s+${BLK.queues}\\s`));
    }, 2 * STEP_MS);

    it('reads the device config: capacity, geometry, block size, topology and queues as QEMU was told, with their feature bits offered', async () => {
      blk = new GuestPrompted(guest, 'nic-blk', `node ${BUNDLE} --no-huge -m 16 -l 0 --file-prefix nic-blk-frontend -a ${bdf},vdpa=1,sw-live-migration=1`, 'blk> ');
      await blk.ready(STEP_MS);
      const info = await frontend<{ type: string; queues: number; features: string; config: string }>('info');
      expect([info.type, info.queues]).toEqual(['blk', BLK.queues]);
      const features = BigInt(info.features);
      for (const bit of BLK_FEATURES) expect((features >> BigInt(bit)) & 1n, `feature bit ${bit}`).toBe(1n);
      const config = Buffer.from(info.config, 'hex');
      // virtio_blk_config: capacity, size_max, seg_max, geometry (cylinders, heads, sectors), blk_size, physical_block_exp, ..., num_queues at 34.
      expect(config.readBigUInt64LE(0)).toBe(BigInt(SECTORS));
      expect([config.readUInt16LE(16), config[18], config[19]]).toEqual([BLK.cyls, BLK.heads, BLK.secs]);
      expect(config.readUInt32LE(20)).toBe(SECTOR);
      expect(config[24]).toBe(BLK.physicalBlockExp);
      expect(config.readUInt16LE(34)).toBe(BLK.queues);
      // Reading the config changed nothing on the device.
      expect((await qemuStatus()).status.statuses).toEqual([]);
    }, 2 * STEP_MS);

    it('runs requests by DMA through the vIOMMU: reads the disk, writes it, GET_ID, IOERR past the end, UNSUPP; counted; dev_close resets', async () => {
      await frontend('start');
      const running = await qemuStatus();
      expect(running.status.statuses.map((s) => s.split(':')[0])).toEqual(RUNNING);
      expect(running['guest-features'].transports.map((s) => s.split(':')[0])).toContain('VIRTIO_F_IOMMU_PLATFORM');
      const read = await frontend<{ status: number; len: number; data: string }>(`read 0 ${4 * SECTOR}`);
      expect([read.status, read.len]).toEqual([S_OK, 4 * SECTOR + 1]);
      expect(Buffer.from(read.data, 'hex')).toEqual(Buffer.from(Array.from({ length: 4 * SECTOR }, (_, i) => diskByte(i))));
      const write = await frontend<{ status: number; len: number }>(`write ${WRITE_SECTOR} ${WRITE_BYTES} ${WRITE_SEED}`);
      expect([write.status, write.len]).toEqual([S_OK, 1]);
      const written = Buffer.from(Array.from({ length: WRITE_BYTES }, (_, i) => (WRITE_SEED + i) & 0xff));
      // QEMU wrote the request's data, read by DMA from the frontend's memory, into the disk file.
      expect(readFileSync(DISK).subarray(WRITE_SECTOR * SECTOR, WRITE_SECTOR * SECTOR + WRITE_BYTES)).toEqual(written);
      const back = await frontend<{ status: number; data: string }>(`read ${WRITE_SECTOR} ${WRITE_BYTES}`);
      expect([back.status, Buffer.from(back.data, 'hex')]).toEqual([S_OK, written]);
      expect(await frontend('id')).toEqual({ status: S_OK, id: BLK.serial });
      expect((await frontend<{ status: number }>(`read ${SECTORS - 1} ${2 * SECTOR}`)).status).toBe(S_IOERR);
      expect((await frontend<{ status: number }>(`request ${UNKNOWN_TYPE}`)).status).toBe(S_UNSUPP);
      const requests = 6;
      const stats = await frontend<Record<string, number>>('stats');
      expect([stats.received_descriptors, stats.completed_descriptors]).toEqual([requests, requests]);
      // Every request was a kick the notify relay turned into a doorbell write (the device's only wake-ups of this process).
      expect(stats.relayed_notifications).toBeGreaterThanOrEqual(1);
      expect(stats.relayed_notifications).toBeLessThanOrEqual(requests);
      expect(await frontend('close')).toEqual({ bases: [{ lastAvail: requests, lastUsed: requests }] });
      expect((await qemuStatus()).status.statuses).toEqual([]);
    }, 4 * STEP_MS);
  });
}
