import { describe, expect, it } from 'vitest';
import { MbufView, type Eal, type Mempool } from '@nic/eal';
import { FAKE_HW_MISSED, fakeOps } from './__fixtures__/fake-pmd.js';
import { eachFakePort, packets } from './__fixtures__/eal.js';
import {
  configure,
  rxBurst,
  rxQueueSetup,
  start,
  statsGet,
  statsReset,
  txBurst,
  txQueueSetup,
  xstatsGet,
  xstatsGetNames,
  xstatsReset,
} from './index.js';
import { ethDevOf, RxQueueCounters } from './driver.js';
import { add64, read64 } from './shared.js';

let eal: Eal;
let pool: Mempool;
let port: number;

eachFakePort((fake) => {
  ({ eal, pool, port } = fake);
  configure(port, 2, 2);
  for (let q = 0; q < 2; q++) {
    rxQueueSetup(port, q, 0, undefined, pool);
    txQueueSetup(port, q, 0);
  }
  start(port);
}, 511);

/** Sends `count` packets of `length` bytes on `queue` and receives them back. */
function loop(queue: number, count: number, length: number): void {
  const handles = packets(eal, pool, count, length);
  expect(txBurst(port, queue, handles, count)).toBe(count);
  expect(rxBurst(port, queue, handles, count)).toBe(count);
  new MbufView(eal.arena).freeBulk(handles, count);
}

describe('64-bit counters', () => {
  it('carry into the high word', () => {
    const u32 = new Uint32Array(2);
    u32[0] = 0xffff_fff0;
    add64(u32, 0, 0x20);
    expect([u32[0], u32[1]]).toEqual([0x10, 1]);
    expect(read64(u32, 0)).toBe(2 ** 32 + 0x10);
  });

  it('carry exactly at the wrap, not before, and with the largest addend', () => {
    const u32 = new Uint32Array([0xffff_fffe, 7]);
    add64(u32, 0, 1);
    expect([u32[0], u32[1]]).toEqual([0xffff_ffff, 7]);
    add64(u32, 0, 1);
    expect([u32[0], u32[1]]).toEqual([0, 8]);
    add64(u32, 0, 0);
    expect([u32[0], u32[1]]).toEqual([0, 8]);
    u32[0] = 0xffff_ffff;
    add64(u32, 0, 0xffff_ffff);
    expect(read64(u32, 0)).toBe(9 * 2 ** 32 + 0xffff_fffe);
  });
});

describe('statsGet', () => {
  it('adds up per-queue packets and bytes, with what the driver counts', () => {
    loop(0, 5, 100);
    loop(1, 3, 64);
    const stats = statsGet(port);
    expect(stats).toMatchObject({ ipackets: 8, opackets: 8, ibytes: 692, obytes: 692, imissed: FAKE_HW_MISSED, ierrors: 0, oerrors: 0, rxNombuf: 0 });
    expect(stats.qIpackets).toEqual([5, 3]);
    expect(stats.qObytes).toEqual([500, 192]);
  });

  it('sums the error, allocation failure and missed counters drivers record', () => {
    const counters = new RxQueueCounters(ethDevOf(port).data, 1);
    counters.errors(2);
    counters.nombuf(32);
    counters.missed(4);
    expect(statsGet(port)).toMatchObject({ ierrors: 2, rxNombuf: 32, imissed: 4 + FAKE_HW_MISSED, qErrors: [0, 2] });
  });

  it('takes packets and bytes a driver counted in its own loop, into the queue it names', () => {
    const counters = new RxQueueCounters(ethDevOf(port).data, 1);
    counters.add(3, 300);
    counters.add(2, 128);
    const stats = statsGet(port);
    expect(stats).toMatchObject({ ipackets: 5, ibytes: 428, qIpackets: [0, 5], qIbytes: [0, 428] });
  });

  it('statsReset zeroes every counter and asks the driver to reset its own', () => {
    loop(0, 4, 60);
    statsReset(port);
    expect(statsGet(port)).toMatchObject({ ipackets: 0, opackets: 0, ibytes: 0, obytes: 0, qIpackets: [0, 0] });
    expect(fakeOps(port).calls).toContain('statsReset');
    loop(1, 1, 60);
    expect(statsGet(port).ipackets).toBe(1);
  });
});

describe('xstats', () => {
  it('name the basic and per-queue statistics as DPDK does, then the driver ones', () => {
    expect(xstatsGetNames(port)).toEqual([
      'rx_good_packets',
      'tx_good_packets',
      'rx_good_bytes',
      'tx_good_bytes',
      'rx_missed_errors',
      'rx_errors',
      'tx_errors',
      'rx_mbuf_allocation_errors',
      'rx_q0_packets',
      'rx_q0_bytes',
      'rx_q0_errors',
      'rx_q1_packets',
      'rx_q1_bytes',
      'rx_q1_errors',
      'tx_q0_packets',
      'tx_q0_bytes',
      'tx_q1_packets',
      'tx_q1_bytes',
      'fake_polls',
    ]);
  });

  it('give values consistent with statsGet, in name order', () => {
    loop(1, 6, 70);
    fakeOps(port).polls = 9;
    const names = xstatsGetNames(port);
    const values = xstatsGet(port);
    const x = Object.fromEntries(names.map((n, i) => [n, values[i]]));
    const stats = statsGet(port);
    expect(x.rx_good_packets).toBe(stats.ipackets);
    expect(x.tx_good_bytes).toBe(stats.obytes);
    expect(x.rx_missed_errors).toBe(stats.imissed);
    expect(x.rx_q1_packets).toBe(6);
    expect(x.tx_q1_bytes).toBe(420);
    expect(x.rx_q0_packets).toBe(0);
    expect(x.fake_polls).toBe(9);
  });

  it('xstatsReset zeroes the basic and the driver statistics', () => {
    loop(0, 2, 60);
    fakeOps(port).polls = 3;
    xstatsReset(port);
    const values = xstatsGet(port);
    expect(values.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(values.at(-1)).toBe(0);
  });
});
