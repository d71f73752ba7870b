import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MbufView, type Eal, type Mempool } from '@nic/eal';
import { configure, portIdByName, rxBurst, rxQueueSetup, start, statsGet, stop, txBurst, txQueueSetup, xstatsGet, xstatsGetNames } from '@nic/ethdev';
import { allocPackets, harnessEal, harnessPool, lcoreArgs } from '@nic/test-kit';
import { netRingDriver } from './index.js';

const fixture = new URL('./__fixtures__/lcore-forward.mjs', import.meta.url);
const COUNT = 1000;
const LENGTH = 80;

let eal: Eal;
let pool: Mempool;
let port: number;

beforeAll(async () => {
  eal = await harnessEal('pmd-ring-lcore', [...lcoreArgs(2), '--vdev', 'net_ring0'], [netRingDriver]);
  pool = harnessPool(eal, 2047);
  port = portIdByName('net_ring0');
  configure(port, 2, 2);
  for (let q = 0; q < 2; q++) {
    rxQueueSetup(port, q, 0, undefined, pool);
    txQueueSetup(port, q, 0);
  }
  start(port);
});

afterAll(async () => {
  await eal?.cleanup();
});

describe('a net_ring port created on the main lcore', () => {
  it('is polled and transmitted from a worker lcore, and the statistics of both add up', async () => {
    const out = allocPackets(eal, pool, COUNT, LENGTH);
    expect(txBurst(port, 0, out, COUNT)).toBe(COUNT);
    eal.lcores.remoteLaunch(1, fixture, 'forward', { port, from: 0, to: 1, count: COUNT });
    expect(await eal.lcores.waitLcore(1)).toBe(COUNT);

    const back = new Uint32Array(COUNT + 1);
    expect(rxBurst(port, 1, back, COUNT + 1)).toBe(COUNT);
    expect([...back.subarray(0, COUNT)].sort()).toEqual([...out].sort());

    const stats = statsGet(port);
    expect(stats.qOpackets).toEqual([COUNT, COUNT]);
    expect(stats.qIpackets).toEqual([COUNT, COUNT]);
    expect(stats).toMatchObject({ ipackets: 2 * COUNT, opackets: 2 * COUNT, ibytes: 2 * COUNT * LENGTH, obytes: 2 * COUNT * LENGTH });
    const values = xstatsGet(port);
    const x = new Map(xstatsGetNames(port).map((name, i) => [name, values[i]]));
    expect(x.get('rx_q0_packets')).toBe(COUNT);
    expect(x.get('tx_q1_bytes')).toBe(COUNT * LENGTH);

    new MbufView(eal.arena).freeBulk(back, COUNT);
    stop(port);
    expect(pool.availCount()).toBe(2047);
  });
});
