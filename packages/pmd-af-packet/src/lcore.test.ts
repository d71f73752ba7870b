import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MbufView, type Eal, type Mempool } from '@nic/eal';
import { portIdByName, rxBurst, statsGet, stop, txBurst } from '@nic/ethdev';
import { harnessEal, harnessPool, lcoreArgs, startPort, testFrame, TEST_ETHERTYPE, until, vethPair, type VethPair } from '@nic/test-kit';
import { NET_AF_PACKET, netAfPacketDriver } from './driver.js';
import { KERNEL_TIER_MISSING } from './__fixtures__/net.js';

const fixture = new URL('./__fixtures__/lcore-echo.mjs', import.meta.url);
const COUNT = 1000;
const LENGTH = 100;
const BURST = 32;

let veth: VethPair;
let eal: Eal;
let pool: Mempool;
let mbufs: MbufView;

function started(name: string): number {
  const id = portIdByName(name, eal);
  startPort(id, pool);
  return id;
}

describe.skipIf(KERNEL_TIER_MISSING !== undefined)('a net_af_packet port created on the main lcore', () => {
  beforeAll(async () => {
    veth = await vethPair('lfa');
    const vdevs = [`${NET_AF_PACKET}0,iface=${veth.a}`, `${NET_AF_PACKET}1,iface=${veth.b}`].flatMap((v) => ['--vdev', v]);
    eal = await harnessEal('af-packet-lcore', [...lcoreArgs(2), ...vdevs], [netAfPacketDriver]);
    pool = harnessPool(eal, 2047);
    mbufs = new MbufView(eal.arena);
  });

  afterAll(async () => {
    await eal?.cleanup();
    veth?.remove();
  });

  it('is polled and transmitted from a worker lcore: every frame comes back intact', async () => {
    const polled = started(`${NET_AF_PACKET}0`);
    const peer = started(`${NET_AF_PACKET}1`);
    eal.lcores.remoteLaunch(1, fixture, 'echo', { port: polled, count: COUNT });

    // The main lcore sends through the peer end and collects the echoes, yielding between polls.
    const out = new Uint32Array(BURST);
    const back = new Uint32Array(BURST);
    const tags = new Set<number>();
    let sent = 0;
    await until(
      'every echo',
      () => {
        if (sent < COUNT) {
          const n = Math.min(BURST, COUNT - sent);
          expect(mbufs.allocBulk(pool, out, n)).toBe(0);
          for (let i = 0; i < n; i++) {
            mbufs.append(out[i], LENGTH);
            eal.arena.u8.set(testFrame(sent + i, LENGTH), mbufs.mtod(out[i]));
          }
          const taken = txBurst(peer, 0, out, n);
          mbufs.freeBulk(out, n - taken, taken);
          sent += taken;
        }
        const got = rxBurst(peer, 0, back, BURST);
        for (let i = 0; i < got; i++) {
          const frame = new Uint8Array(mbufs.pktLen(back[i]));
          mbufs.read(back[i], 0, frame.length, frame);
          if (((frame[12] << 8) | frame[13]) === TEST_ETHERTYPE) {
            const tag = (frame[14] << 8) | frame[15];
            expect(Array.from(frame)).toEqual(Array.from(testFrame(tag, LENGTH)));
            tags.add(tag);
          }
        }
        mbufs.freeBulk(back, got);
        return tags.size === COUNT;
      },
      20_000,
    );
    expect(await eal.lcores.waitLcore(1)).toBe(COUNT);
    expect(statsGet(polled)).toMatchObject({ ipackets: COUNT, opackets: COUNT, ibytes: COUNT * LENGTH, obytes: COUNT * LENGTH });
    stop(polled);
    stop(peer);
    expect(pool.availCount()).toBe(2047);
  });
});
