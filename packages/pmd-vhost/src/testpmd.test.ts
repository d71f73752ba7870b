/**
 * Peer tier: net_vhost ports driven through ethdev, with DPDK's testpmd and net_virtio_user
 * as the frontend: exact counts both ways, and the link and its LSC events following the
 * frontend's arrival and departure.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MbufView, type Eal, type Mempool } from '@nic/eal';
import { configure, EthEvent, linkGetNowait, portCallbackRegister, rxBurst, rxQueueSetup, start, statsGet, stop, txBurst, txQueueSetup } from '@nic/ethdev';
import { allocPackets, harnessEal, harnessPool } from '@nic/test-kit';
import { until } from '@nic/native/testing';
import { Testpmd, TESTPMD_MISSING, TESTPMD_TEST_MS } from '@nic/vhost/testing';
import { Feature } from '@nic/vhost';
import { NET_VHOST, netVhostDriver, vhostSocket } from './driver.js';

const BURST = 32;
let eal: Eal | undefined;
let testpmd: Testpmd | undefined;
let serial = 0;

afterEach(async () => {
  await testpmd?.quit();
  testpmd = undefined;
  await eal?.cleanup();
  eal = undefined;
});

/** A started net_vhost port of `queues` queue pairs and the path of its socket. */
async function port(queues = 1): Promise<{ path: string; pool: Mempool; mbufs: MbufView }> {
  const path = `/tmp/nic-pmd-vhost-${process.pid}-${serial++}.sock`;
  eal = await harnessEal('pmd-vhost', ['--vdev', `${NET_VHOST}0,iface=${path},queues=${queues}`], [netVhostDriver]);
  const pool = harnessPool(eal, 2047);
  configure(0, queues, queues);
  for (let q = 0; q < queues; q++) {
    rxQueueSetup(0, q, 0, undefined, pool);
    txQueueSetup(0, q, 0);
  }
  start(0);
  return { path, pool, mbufs: new MbufView(eal.arena) };
}

function stat(text: string, name: string): number {
  const m = [...text.matchAll(new RegExp(`${name}:\\s+(\\d+)`, 'g'))];
  if (m.length === 0) throw new Error(`no ${name} in:\n${text}`);
  return Number(m[m.length - 1][1]);
}

describe.skipIf(TESTPMD_MISSING)('net_vhost with testpmd net_virtio_user', { timeout: TESTPMD_TEST_MS }, () => {
  it('brings the link up when the frontend runs the device and down when it leaves, with LSC events', async () => {
    const { path } = await port();
    const events: boolean[] = [];
    portCallbackRegister(0, EthEvent.INTR_LSC, () => void events.push(linkGetNowait(0).up), undefined);
    expect(linkGetNowait(0).up).toBe(false);
    testpmd = new Testpmd(path, `nic-pmd-vhost-${process.pid}-${serial}`);
    await testpmd.ready();
    await until('the link to come up', () => linkGetNowait(0).up, 10000);
    await testpmd.quit();
    testpmd = undefined;
    await until('the link to go down', () => !linkGetNowait(0).up, 10000);
    expect(events).toEqual([true, false]);
  });

  it.each([
    ['split rings', ''],
    ['packed rings', ',packed_vq=1'],
    ['packed rings without mergeable buffers', ',packed_vq=1,mrg_rxbuf=0'],
  ])('over %s, receives exactly what testpmd txonly sent, and testpmd rxonly counts exactly what it sent', async (_name, devargs) => {
    const { path, pool, mbufs } = await port();
    testpmd = new Testpmd(path, `nic-pmd-vhost-${process.pid}-${serial}`, devargs);
    await testpmd.ready();
    await until('the link to come up', () => linkGetNowait(0).up, 10000);
    expect(vhostSocket(0).device.has(Feature.F_RING_PACKED)).toBe(devargs.includes('packed_vq=1'));
    expect(vhostSocket(0).device.has(Feature.NET_F_MRG_RXBUF)).toBe(!devargs.includes('mrg_rxbuf=0'));
    // testpmd's memory lies in windows of the arena's WebAssembly memory (split rings run the kernel).
    expect(vhostSocket(0).device.memory?.apart).toBeUndefined();

    // Guest to host.
    const handles = new Uint32Array(BURST);
    let got = 0;
    let polling = true;
    const poll = async (): Promise<void> => {
      while (polling) {
        const n = rxBurst(0, 0, handles, BURST);
        mbufs.freeBulk(handles, n);
        got += n;
        await new Promise((r) => setImmediate(r));
      }
    };
    const poller = poll();
    await testpmd.command('set fwd txonly');
    await testpmd.command('start');
    await until('10000 packets', () => got >= 10000, 20000);
    const sent = stat(await testpmd.command('stop'), 'TX-packets');
    await until(`all ${sent} packets`, () => got >= sent, 5000);
    polling = false;
    await poller;
    expect(got).toBe(sent);
    expect(statsGet(0).ipackets).toBe(sent);
    expect(statsGet(0).ierrors).toBe(0);

    // Host to guest.
    await testpmd.command('clear port stats all');
    await testpmd.command('set fwd rxonly');
    await testpmd.command('start');
    const TOTAL = 5000;
    let placed = 0;
    while (placed < TOTAL) {
      const k = Math.min(BURST, TOTAL - placed);
      const burst = allocPackets(eal!, pool, k, 64);
      const n = txBurst(0, 0, burst, k);
      mbufs.freeBulk(burst, k - n, n);
      placed += n;
      await new Promise((r) => setImmediate(r));
    }
    let received = 0;
    for (let i = 0; i < 200 && received < TOTAL; i++) received = stat(await testpmd.command('show port stats 0'), 'RX-packets');
    expect(received).toBe(TOTAL);
    expect(statsGet(0).opackets).toBe(TOTAL);
    expect(pool.inUseCount()).toBe(0);
    stop(0);
  });

  it.each([
    ['split', ''],
    ['packed', ',packed_vq=1'],
  ])('with two queue pairs (MQ) of %s rings, receives on both queues exactly what testpmd txonly sent on its two', async (_name, devargs) => {
    const { path, mbufs } = await port(2);
    testpmd = new Testpmd(path, `nic-pmd-vhost-${process.pid}-${serial}`, devargs, [], 2);
    await testpmd.ready();
    await until('the link to come up', () => linkGetNowait(0).up, 10000);
    expect(vhostSocket(0).device.vrings[3].packed).toBe(devargs !== '');
    const handles = new Uint32Array(BURST);
    const got = [0, 0];
    let polling = true;
    const poll = async (): Promise<void> => {
      while (polling) {
        for (let q = 0; q < 2; q++) {
          const n = rxBurst(0, q, handles, BURST);
          mbufs.freeBulk(handles, n);
          got[q] += n;
        }
        await new Promise((r) => setImmediate(r));
      }
    };
    const poller = poll();
    await testpmd.command('set fwd txonly');
    await testpmd.command('start');
    await until('packets on both queues', () => got[0] >= 5000 && got[1] >= 5000, 20000);
    const sent = stat(await testpmd.command('stop'), 'TX-packets');
    await until(`all ${sent} packets`, () => got[0] + got[1] >= sent, 5000);
    polling = false;
    await poller;
    expect(got[0] + got[1]).toBe(sent);
    expect(statsGet(0).qIpackets.slice(0, 2)).toEqual(got);
    stop(0);
  });
});
