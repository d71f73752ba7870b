/**
 * SEND_RARP (a migration's destination asking the backend to announce the guest): the next rx
 * burst of the port leads with one RARP frame from the guest's MAC, then the guest's packets.
 */
import { afterEach, expect, it } from 'vitest';
import { MbufView, type Eal } from '@nic/eal';
import { configure, rxBurst, rxQueueSetup, start, statsGet, txQueueSetup } from '@nic/ethdev';
import { harnessEal, harnessPool } from '@nic/test-kit';
import { until } from '@nic/native/testing';
import { S_RARP } from '@nic/vhost';
import { VhostTestFrontend } from '@nic/vhost/testing';
import { NET_VHOST, netVhostDriver, vhostSocket } from './driver.js';

const MAC = Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56);
/** The announcement QEMU's self-announce sends too: broadcast RARP reverse request, padded to 60 bytes. */
const RARP = Buffer.from(
  'ffffffffffff' + '525400123456' + '8035' + '0001' + '0800' + '06' + '04' + '0003' + '525400123456' + '00000000' + '525400123456' + '00000000',
  'hex',
);

let eal: Eal | undefined;
let frontend: VhostTestFrontend | undefined;

afterEach(async () => {
  frontend?.close();
  frontend = undefined;
  await eal?.cleanup();
  eal = undefined;
});

it('leads the next rx burst with a RARP announcement of the MAC the frontend gave, once', async () => {
  const path = `/tmp/nic-pmd-vhost-rarp-${process.pid}.sock`;
  eal = await harnessEal('pmd-vhost-rarp', ['--vdev', `${NET_VHOST}0,iface=${path}`], [netVhostDriver]);
  const pool = harnessPool(eal, 511);
  configure(0, 1, 1);
  rxQueueSetup(0, 0, 0, undefined, pool);
  txQueueSetup(0, 0, 0);
  start(0);
  frontend = await VhostTestFrontend.connect(path);
  const device = vhostSocket(0).device;
  await until('the device to run', () => device.running);
  frontend.announce(MAC);
  frontend.announce(MAC); // QEMU announces a few times; one frame per pending request, not per message
  await until('SEND_RARP', () => device.shared.h32[S_RARP] === 1);
  const guestFrame = new Uint8Array(64).fill(0xab);
  expect(frontend.send(0, [guestFrame])).toBe(1);

  const mbufs = new MbufView(eal.arena);
  const handles = new Uint32Array(8);
  const frames: Buffer[] = [];
  await until('both frames', () => {
    const n = rxBurst(0, 0, handles, handles.length);
    for (let i = 0; i < n; i++) {
      const at = mbufs.bufAddr(handles[i]) + mbufs.dataOff(handles[i]);
      frames.push(Buffer.from(eal!.arena.u8.subarray(at, at + mbufs.dataLen(handles[i]))));
    }
    mbufs.freeBulk(handles, n);
    return frames.length >= 2;
  });
  expect(frames.map((f) => f.toString('hex'))).toEqual([Buffer.concat([RARP, Buffer.alloc(60 - RARP.length)]).toString('hex'), Buffer.from(guestFrame).toString('hex')]);
  expect(device.shared.h32[S_RARP]).toBe(0);
  expect(statsGet(0).ipackets).toBe(2);
  expect(rxBurst(0, 0, handles, handles.length)).toBe(0);
  expect(pool.inUseCount()).toBe(0);
});
