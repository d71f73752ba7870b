import { afterEach, describe, expect, it } from 'vitest';
import { MbufView, Ring, RING_F_SC_DEQ, RING_F_SP_ENQ, type Eal, type Mempool } from '@nic/eal';
import { close, infoGet, portIdByName, ports, rxBurst, statsGet, stop, txBurst } from '@nic/ethdev';
import { allocPackets, harnessEal, harnessPool, startPort } from '@nic/test-kit';
import { netRingDriver, RING_MAX_QUEUES, ringPort, ringPortFromRing } from './index.js';

let eal: Eal;
let pool: Mempool;

async function setUpEal(...vdevs: string[]): Promise<void> {
  eal = await harnessEal('pmd-ring', vdevs.flatMap((v) => ['--vdev', v]), [netRingDriver]);
  pool = harnessPool(eal, 511);
}

afterEach(async () => {
  await eal.cleanup();
});

/** Sends `count` packets from `from` queue `queue` and returns what `to` receives on it. */
function pass(from: number, to: number, count: number, queue = 0): Uint32Array {
  const out = allocPackets(eal, pool, count, 64);
  expect(txBurst(from, queue, out, count)).toBe(count);
  const got = new Uint32Array(count + 1);
  const n = rxBurst(to, queue, got, count + 1);
  new MbufView(eal.arena).freeBulk(got, n);
  return got.subarray(0, n);
}

describe('a net_ring port on its own', () => {
  it('loops every tx queue back to the rx queue of the same number, on 16 rings', async () => {
    await setUpEal('net_ring0');
    const port = portIdByName('net_ring0');
    expect(infoGet(port)).toMatchObject({ maxRxQueues: RING_MAX_QUEUES, maxTxQueues: RING_MAX_QUEUES, driverName: 'net_ring' });
    startPort(port, pool, 3);
    expect(pass(port, port, 5, 2)).toHaveLength(5);
    expect(statsGet(port).qIpackets).toEqual([0, 0, 5]);
    expect(Ring.lookup(eal.arena, 'ETH_RXTX15_net_ring0').capacity).toBe(1023);
  });

  it('frees the rings it created when closed', async () => {
    await setUpEal('net_ring0');
    close(portIdByName('net_ring0'));
    expect(() => Ring.lookup(eal.arena, 'ETH_RXTX0_net_ring0')).toThrow(expect.objectContaining({ code: 'NIC_ENOENT' }));
  });
});

describe('peer=', () => {
  it('wires two ports back to back, and unwires them when one closes', async () => {
    await setUpEal('net_ring0', 'net_ring1,peer=net_ring0');
    const a = portIdByName('net_ring0');
    const b = portIdByName('net_ring1');
    startPort(a, pool);
    startPort(b, pool);
    expect(pass(a, b, 7)).toHaveLength(7);
    expect(pass(b, a, 3)).toHaveLength(3);
    expect(pass(a, a, 2)).toHaveLength(0);
    stop(a);
    close(a);
    const out = allocPackets(eal, pool, 4, 64);
    expect(txBurst(b, 0, out, 4)).toBe(4);
    stop(b);
    close(b);
    expect(pool.availCount()).toBe(511);
  });

  it('refuses an unknown or started peer', async () => {
    await setUpEal('net_ring0');
    await expect(eal.vdev.attach('net_ring1,peer=nope')).rejects.toThrow(/peer=nope: no net_ring port has that name/);
    expect(ports(eal)).toEqual([portIdByName('net_ring0')]);
    expect(() => Ring.lookup(eal.arena, 'ETH_RXTX0_net_ring1')).toThrow(expect.objectContaining({ code: 'NIC_ENOENT' }));
    startPort(portIdByName('net_ring0'), pool);
    await expect(eal.vdev.attach('net_ring2,peer=net_ring0')).rejects.toThrow(expect.objectContaining({ code: 'NIC_EBUSY' }));
  });
});

describe('nodeaction=', () => {
  it('creates one port per value, on created or existing rings', async () => {
    await setUpEal('net_ring0,nodeaction=r0:0:CREATE,nodeaction=r1:0:CREATE');
    const r0 = portIdByName('r0');
    expect(portIdByName('r1')).not.toBe(r0);
    startPort(r0, pool);
    close(portIdByName('r1'));
    Ring.create(eal.arena, 'ETH_RXTX0_r2', 64);
    expect(() => Ring.lookup(eal.arena, 'ETH_RXTX1_r2')).toThrow();
    await expect(eal.vdev.attach('net_ring1,nodeaction=r2:0:ATTACH')).rejects.toThrow(/cannot attach to rings of 'r2'/);
  });

  it('puts ATTACH ports, and CREATE ports whose rings exist, on those rings without owning them', async () => {
    await setUpEal();
    for (const name of ['r3', 'r4']) {
      for (let i = 0; i < RING_MAX_QUEUES; i++) Ring.create(eal.arena, `ETH_RXTX${i}_${name}`, 64);
    }
    await eal.vdev.attach('net_ring0,nodeaction=r3:0:ATTACH,nodeaction=r4:0:CREATE');
    for (const name of ['r3', 'r4']) {
      const port = portIdByName(name);
      startPort(port, pool);
      expect(pass(port, port, 3)).toHaveLength(3);
      stop(port);
      close(port);
      expect(Ring.lookup(eal.arena, `ETH_RXTX0_${name}`).capacity).toBe(63);
    }
  });
});

describe('ringPort', () => {
  it('makes a wire from two rings, like rte_eth_from_rings', async () => {
    await setUpEal();
    const ab = Ring.create(eal.arena, 'ab', 256, RING_F_SP_ENQ | RING_F_SC_DEQ);
    const ba = Ring.create(eal.arena, 'ba', 256, RING_F_SP_ENQ | RING_F_SC_DEQ);
    const a = await ringPort(eal, 'a', [ba], [ab]);
    const b = await ringPort(eal, 'b', [ab], [ba]);
    expect(ports(eal)).toEqual([a, b]);
    expect(infoGet(a).deviceName).toBe('net_ring_a');
    startPort(a, pool);
    startPort(b, pool);
    expect(pass(a, b, 9)).toHaveLength(9);
    expect(pass(b, a, 9)).toHaveLength(9);
    stop(a);
    close(a);
    expect(ab.count()).toBe(0);
    expect(Ring.lookup(eal.arena, 'ab').name).toBe('ab');
  });

  it('makes a loopback port from one ring, like rte_eth_from_ring', async () => {
    await setUpEal();
    const ring = Ring.create(eal.arena, 'loop', 64);
    const port = await ringPortFromRing(eal, ring);
    startPort(port, pool);
    expect(pass(port, port, 6)).toHaveLength(6);
  });

  it('refuses ring names that would break the device arguments', async () => {
    await setUpEal();
    const ring = Ring.create(eal.arena, 'x,y', 64);
    await expect(ringPort(eal, 'p', [ring], [])).rejects.toThrow(/contains one of/);
  });
});
