import { afterEach, describe, expect, it } from 'vitest';
import { MBUF_DATA_LEN, MbufView, type Eal, type Mempool } from '@nic/eal';
import { configure, infoGet, portIdByName, promiscuousDisable, promiscuousGet, rxBurst, rxQueueSetup, start, statsGet, txBurst, txQueueSetup } from '@nic/ethdev';
import { ethDevOf } from '@nic/ethdev/driver';
import { allocPackets, harnessEal, harnessPool, packetLengths } from '@nic/test-kit';
import { netNullDriver } from './driver.js';
import { txSinkOffset } from './layout.js';

let eal: Eal | undefined;

async function nullPort(devargs: string, poolSize = 255): Promise<{ port: number; pool: Mempool; eal: Eal }> {
  eal = await harnessEal('pmd-null', ['--vdev', devargs], [netNullDriver]);
  const pool = harnessPool(eal, poolSize);
  const port = portIdByName(devargs.split(',')[0]);
  configure(port, 1, 1);
  rxQueueSetup(port, 0, 0, undefined, pool);
  txQueueSetup(port, 0, 0);
  start(port);
  return { port, pool, eal };
}

afterEach(async () => {
  await eal?.cleanup();
  eal = undefined;
});

describe('net_null rx', () => {
  it('returns whole bursts of packets of the configured size from the queue pool', async () => {
    const { port, pool, eal: e } = await nullPort('net_null0,size=128');
    const got = new Uint32Array(32);
    expect(rxBurst(port, 0, got, 32)).toBe(32);
    expect(new Set(packetLengths(e, got))).toEqual(new Set([128]));
    expect(new Set(Array.from(got, (h) => e.arena.u16[(h + MBUF_DATA_LEN) >>> 1]))).toEqual(new Set([128]));
    expect(pool.availCount()).toBe(255 - 32);
    expect(statsGet(port)).toMatchObject({ ipackets: 32, ibytes: 32 * 128 });
    new MbufView(e.arena).freeBulk(got, 32);
  });

  it('counts a burst the pool cannot fill as allocation failures and returns nothing', async () => {
    const { port } = await nullPort('net_null0', 40);
    const got = new Uint32Array(32);
    expect(rxBurst(port, 0, got, 32)).toBe(32);
    expect(rxBurst(port, 0, got, 32)).toBe(0);
    expect(statsGet(port)).toMatchObject({ ipackets: 32, rxNombuf: 32 });
  });

  it('copies the template packet (zeros) into each mbuf with copy=1', async () => {
    const { port, pool, eal: e } = await nullPort('net_null0,size=60,copy=1');
    const mbufs = new MbufView(e.arena);
    const dirty = allocPackets(e, pool, 254, 60);
    for (const h of dirty) e.arena.u8.fill(0xff, mbufs.mtod(h), mbufs.mtod(h) + 60);
    mbufs.freeBulk(dirty, 254);
    const got = new Uint32Array(8);
    expect(rxBurst(port, 0, got, 8)).toBe(8);
    for (const h of got) expect(e.arena.u8.subarray(mbufs.mtod(h), mbufs.mtod(h) + 60).every((b) => b === 0)).toBe(true);
  });

  it('returns nothing with no-rx=1', async () => {
    const { port } = await nullPort('net_null0,no-rx=1');
    expect(rxBurst(port, 0, new Uint32Array(8), 8)).toBe(0);
    expect(statsGet(port).ipackets).toBe(0);
  });
});

describe('net_null tx', () => {
  it('takes, counts and frees every packet, copying it out (as far as size= reaches) with copy=1', async () => {
    for (const [args, size, copies] of [
      ['net_null0', 64, false],
      ['net_null0,copy=1,size=32', 32, true],
    ] as const) {
      const { port, pool, eal: e } = await nullPort(args);
      const out = allocPackets(e, pool, 50, 90);
      const mbufs = new MbufView(e.arena);
      out.forEach((h, i) => e.arena.u8.set(Uint8Array.from({ length: 90 }, (_, b) => (i * 3 + b + 1) & 0xff), mbufs.mtod(h)));
      const last = e.arena.u8.slice(mbufs.mtod(out[49]), mbufs.mtod(out[49]) + size);
      expect(txBurst(port, 0, out, 50)).toBe(50);
      expect(pool.availCount()).toBe(255);
      expect(statsGet(port)).toMatchObject({ opackets: 50, obytes: 4500 });
      // The sink area in the port's private data: the last packet's first `size` bytes with
      // copy=1, untouched (zeros) without.
      const sink = ethDevOf(port).data.privOffset + txSinkOffset(size);
      expect(e.arena.u8.slice(sink, sink + size)).toEqual(copies ? last : new Uint8Array(size));
      await e.cleanup();
    }
  });
});

describe('net_null device', () => {
  it('advertises RSS and up to 1024 queues, and has no receive-mode operations', async () => {
    const { port } = await nullPort('net_null0');
    expect(infoGet(port)).toMatchObject({ maxRxQueues: 1024, hashKeySize: 40, retaSize: 128 });
    expect(infoGet(port).flowTypeRssOffloads).not.toBe(0);
    expect(() => promiscuousDisable(port)).toThrow(expect.objectContaining({ code: 'NIC_ENOTSUP' }));
    expect(promiscuousGet(port)).toBe(true);
  });

  it('refuses a pool whose buffers cannot hold the packet size', async () => {
    const e = await harnessEal('pmd-null', ['--vdev', 'net_null0,size=4000'], [netNullDriver]);
    eal = e;
    const port = portIdByName('net_null0');
    configure(port, 1, 1);
    expect(() => rxQueueSetup(port, 0, 0, undefined, harnessPool(e, 63))).toThrow(/hold 2048 bytes past the headroom, packets are 4000/);
  });

  it('refuses bad arguments naming the device, key and value', async () => {
    const e = await harnessEal('pmd-null', [], [netNullDriver]);
    eal = e;
    await expect(e.vdev.attach('net_null1,size=0')).rejects.toThrow(/net_null1: kvargs: invalid value "0" for key "size"/);
    await expect(e.vdev.attach('net_null1,copy=2')).rejects.toThrow(/invalid value "2" for key "copy"/);
    await expect(e.vdev.attach('net_null1,no-rx=yes')).rejects.toThrow(/invalid value "yes" for key "no-rx"/);
    await expect(e.vdev.attach('net_null1,copy=1,no-rx=1')).rejects.toThrow(/"copy" and "no-rx" cannot both be 1/);
    await expect(e.vdev.attach('net_null1,burst=4')).rejects.toThrow(/unknown key "burst"/);
  });
});
