/**
 * Peer tier: DPDK's testpmd with net_virtio_user as the frontend of a @nic/vhost socket.
 * txonly into the backend, rxonly from it, and io through it, with exact counts against
 * testpmd's own statistics.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Arena, MbufView, pktmbufPoolCreate, type Mempool } from '@nic/eal';
import { until } from '@nic/native/testing';
import { Feature, VhostUserSocket, type VhostDevice, type Virtqueue } from './index.js';
import { Testpmd, TESTPMD_MISSING, TESTPMD_TEST_MS } from './testing/index.js';

const BURST = 32;
const FRAME = 64;

let arena: Arena;
let pool: Mempool;
let mbufs: MbufView;
let socket: VhostUserSocket | undefined;
let testpmd: Testpmd | undefined;
let serial = 0;

beforeAll(() => {
  arena = Arena.anonymous(32 << 20);
  pool = pktmbufPoolCreate(arena, 'vhost_tp', 4095);
  mbufs = new MbufView(arena);
});

afterEach(async () => {
  await testpmd?.quit();
  testpmd = undefined;
  socket?.close();
  socket = undefined;
  expect(pool.inUseCount()).toBe(0);
});

/** A backend socket and testpmd connected to it, the device running. */
async function connect(devargs = '', extra: string[] = []): Promise<VhostDevice> {
  const path = `/tmp/nic-vhost-${process.pid}-${serial++}.sock`;
  let running = false;
  socket = new VhostUserSocket(path, { queuePairs: 1, arena, ops: { newDevice: () => (running = true), destroyDevice: () => (running = false) } });
  testpmd = new Testpmd(path, `nic-vhost-${process.pid}-${serial}`, devargs, extra);
  await testpmd.ready();
  await until('the device to run', () => running, 10000);
  return socket.device;
}

/** Runs `work` on every event-loop turn until `stop` is called. */
function pump(work: () => void): () => Promise<void> {
  let on = true;
  let done: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const turn = (): void => {
    if (!on) return done();
    work();
    setImmediate(turn);
  };
  setImmediate(turn);
  return async () => {
    on = false;
    await finished;
  };
}

/** A `length`-byte IPv4/UDP-looking frame carrying `seq` at byte 42. */
function fill(h: number, seq: number, length = FRAME): void {
  const d = mbufs.mtod(h);
  arena.u8.fill(0, d, d + length);
  arena.u8.set([0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00], d);
  arena.dv.setUint32(d + 42, seq, true);
  mbufs.setDataLen(h, length);
  mbufs.setPktLen(h, length);
}

/** Places `total` frames of `length` bytes on `rx` from the pump; resolves when all are placed. */
async function place(rx: Virtqueue, total: number, length = FRAME): Promise<void> {
  const burst = new Uint32Array(BURST);
  let placed = 0;
  const stop = pump(() => {
    if (placed >= total) return;
    const k = Math.min(BURST, total - placed);
    if (mbufs.allocBulk(pool, burst, k, 0) !== 0) return;
    for (let i = 0; i < k; i++) fill(burst[i], placed + i, length);
    const n = rx.enqueueBurst(arena, burst, k, 0);
    mbufs.freeBulk(burst, k, 0);
    placed += n;
  });
  await until(`${total} packets placed`, () => placed === total, 20000).catch((e: Error) => {
    throw new Error(`${e.message}: ${placed} placed, ${rx.availCount()} available, errors ${rx.errors}, dropped ${rx.dropped}; testpmd: ${testpmd?.output.slice(-1500)}`);
  });
  await stop();
}

/** testpmd's RX counter `name` once it reached `total` (or its last value after 200 looks). */
async function received(name: string, total: number): Promise<number> {
  let n = 0;
  for (let i = 0; i < 200 && n < total; i++) n = stat(await testpmd!.command('show port stats 0'), name);
  return n;
}

function stat(text: string, name: string): number {
  const m = [...text.matchAll(new RegExp(`${name}:\\s+(\\d+)`, 'g'))];
  if (m.length === 0) throw new Error(`no ${name} in:\n${text}`);
  return Number(m[m.length - 1][1]);
}

describe.skipIf(TESTPMD_MISSING)('@nic/vhost with testpmd net_virtio_user', { timeout: TESTPMD_TEST_MS }, () => {
  it('receives exactly what testpmd txonly sent', async () => {
    const device = await connect();
    const tx = device.vrings[1];
    const out = new Uint32Array(BURST);
    let got = 0;
    let badLength = 0;
    const stop = pump(() => {
      const n = tx.dequeueBurst(arena, mbufs, pool, out, BURST, 0);
      for (let i = 0; i < n; i++) if (mbufs.dataLen(out[i]) !== FRAME) badLength++;
      mbufs.freeBulk(out, n, 0);
      got += n;
    });
    await testpmd!.command('set fwd txonly');
    await testpmd!.command(`set txpkts ${FRAME}`);
    await testpmd!.command('start');
    await until('20000 packets', () => got >= 20000, 20000);
    const stats = await testpmd!.command('stop');
    const sent = stat(stats, 'TX-packets');
    await until(`all ${sent} packets`, () => got >= sent, 5000);
    await stop();
    expect(sent).toBeGreaterThanOrEqual(20000);
    expect(got).toBe(sent);
    expect(badLength).toBe(0);
    expect(tx.errors).toBe(0);
  });

  it('delivers exactly what testpmd rxonly counts', async () => {
    const device = await connect();
    const rx = device.vrings[0];
    const TOTAL = 10000;
    const burst = new Uint32Array(BURST);
    let placed = 0;
    await testpmd!.command('set fwd rxonly');
    await testpmd!.command('start');
    const stop = pump(() => {
      if (placed >= TOTAL) return;
      const k = Math.min(BURST, TOTAL - placed);
      if (mbufs.allocBulk(pool, burst, k, 0) !== 0) return;
      for (let i = 0; i < k; i++) fill(burst[i], placed + i);
      const n = rx.enqueueBurst(arena, burst, k, 0);
      mbufs.freeBulk(burst, k, 0);
      placed += n;
    });
    await until('every packet placed', () => placed === TOTAL, 20000);
    await stop();
    let received = 0;
    for (let i = 0; i < 200 && received < TOTAL; i++) received = stat(await testpmd!.command('show port stats 0'), 'RX-packets');
    expect(received).toBe(TOTAL);
    expect(rx.errors + rx.dropped).toBe(0);
  });

  it('gets back every frame testpmd io forwards, in order and intact, and testpmd accounts for the rest', async () => {
    const device = await connect();
    const [rx, tx] = device.vrings;
    const TOTAL = 5000;
    const burst = new Uint32Array(BURST);
    const back = new Uint32Array(BURST);
    let placed = 0;
    let got = 0;
    let wrong = 0;
    let lastSeq = -1;
    // io with retry: testpmd retries a full tx ring a while before dropping (a loaded machine can still drop).
    await testpmd!.command('set fwd io retry');
    await testpmd!.command('start');
    const stop = pump(() => {
      if (placed < TOTAL) {
        const k = Math.min(BURST, TOTAL - placed);
        if (mbufs.allocBulk(pool, burst, k, 0) === 0) {
          for (let i = 0; i < k; i++) fill(burst[i], placed + i);
          placed += rx.enqueueBurst(arena, burst, k, 0);
          mbufs.freeBulk(burst, k, 0);
        }
      }
      const n = tx.dequeueBurst(arena, mbufs, pool, back, BURST, 0);
      for (let i = 0; i < n; i++) {
        const d = mbufs.mtod(back[i]);
        const seq = arena.dv.getUint32(d + 42, true);
        if (mbufs.dataLen(back[i]) !== FRAME || seq <= lastSeq || seq >= TOTAL || arena.u8[d + 12] !== 0x08) wrong++;
        lastSeq = seq;
      }
      mbufs.freeBulk(back, n, 0);
      got += n;
    });
    await until('every frame placed', () => placed === TOTAL, 20000);
    let received = 0;
    for (let i = 0; i < 200 && received < TOTAL; i++) received = stat(await testpmd!.command('show port stats 0'), 'RX-packets');
    const stats = await testpmd!.command('stop');
    const sent = stat(stats, 'TX-packets');
    const dropped = stat(stats, 'TX-dropped');
    await until(`the ${sent} frames testpmd sent`, () => got >= sent, 5000);
    await stop();
    expect(received).toBe(TOTAL);
    expect(sent + dropped).toBe(TOTAL);
    expect(got).toBe(sent);
    expect(sent).toBeGreaterThan(TOTAL / 2);
    expect(wrong).toBe(0);
  });
  it.each([
    ['in_order=1', Feature.F_IN_ORDER, true],
    ['mrg_rxbuf=0', Feature.NET_F_MRG_RXBUF, false],
    ['packed_vq=1', Feature.F_RING_PACKED, true],
    ['packed_vq=1,mrg_rxbuf=0', Feature.NET_F_MRG_RXBUF, false],
    ['packed_vq=1,in_order=1', Feature.F_IN_ORDER, true],
  ])('with %s: the feature is as negotiated, and txonly and rxonly counts agree exactly', async (devarg, feature, on) => {
    const device = await connect(`,${devarg}`);
    expect(device.has(feature)).toBe(on);
    expect(device.has(Feature.F_RING_PACKED)).toBe(devarg.includes('packed_vq=1'));
    expect(device.vrings[0].packed).toBe(devarg.includes('packed_vq=1'));
    const [rx, tx] = device.vrings;
    const out = new Uint32Array(BURST);
    let got = 0;
    const stop = pump(() => {
      const n = tx.dequeueBurst(arena, mbufs, pool, out, BURST, 0);
      mbufs.freeBulk(out, n, 0);
      got += n;
    });
    await testpmd!.command('set fwd txonly');
    await testpmd!.command('start');
    await until('5000 packets', () => got >= 5000, 20000);
    const sent = stat(await testpmd!.command('stop'), 'TX-packets');
    await until(`all ${sent} packets`, () => got >= sent, 5000);
    await stop();
    expect(got).toBe(sent);
    await testpmd!.command('clear port stats all');
    await testpmd!.command('set fwd rxonly');
    await testpmd!.command('start');
    const TOTAL = 5000;
    await place(rx, TOTAL);
    expect(await received('RX-packets', TOTAL)).toBe(TOTAL);
    expect(rx.errors + rx.dropped + tx.errors + tx.dropped).toBe(0);
    // The guest memory lies in the arena's windows: the kernels moved testpmd's packets both ways.
    expect([tx.kernelPackets > 0, rx.kernelPackets > 0]).toEqual([true, true]);
  });

  it.each(['', ',packed_vq=1'])('with mrg_rxbuf=1%s and 1 KiB mbufs, spreads each 1500-byte frame over two guest buffers, every byte received', async (packed) => {
    const device = await connect(`,mrg_rxbuf=1${packed}`, ['--mbuf-size=1024', '--enable-scatter']);
    expect(device.has(Feature.NET_F_MRG_RXBUF)).toBe(true);
    expect(device.has(Feature.F_RING_PACKED)).toBe(packed !== '');
    const rx = device.vrings[0];
    await testpmd!.command('set fwd rxonly');
    await testpmd!.command('start');
    const TOTAL = 3000;
    const LENGTH = 1500;
    await place(rx, TOTAL, LENGTH);
    expect(await received('RX-packets', TOTAL)).toBe(TOTAL);
    expect(stat(await testpmd!.command('show port stats 0'), 'RX-bytes')).toBe(TOTAL * LENGTH);
    // Two used entries per frame: testpmd's buffers hold less than a frame (a packed ring's
    // position is the descriptor index, its wrap counter in bit 15).
    if (packed) expect(rx.lastUsed & 0x7fff).toBe((2 * TOTAL) % rx.num);
    else expect(rx.lastUsed).toBe((2 * TOTAL) & 0xffff);
    expect(rx.errors + rx.dropped).toBe(0);
  });

  it.each(['', ',packed_vq=1'])('takes txonly frames of 4000 bytes in two segments (%s) as chains of two mbufs, every byte counted', async (packed) => {
    const device = await connect(packed, ['--mbuf-size=2176']);
    const tx = device.vrings[1];
    const out = new Uint32Array(BURST);
    let got = 0;
    let bytes = 0;
    let wrong = 0;
    const stop = pump(() => {
      const n = tx.dequeueBurst(arena, mbufs, pool, out, BURST, 0);
      for (let i = 0; i < n; i++) {
        const h = out[i];
        if (mbufs.pktLen(h) !== 4000 || mbufs.nbSegs(h) !== 2 || mbufs.dataLen(h) + mbufs.dataLen(mbufs.next(h)) !== 4000) wrong++;
        bytes += mbufs.pktLen(h);
      }
      mbufs.freeBulk(out, n, 0);
      got += n;
    });
    await testpmd!.command('set fwd txonly');
    await testpmd!.command('set txpkts 2000,2000');
    await testpmd!.command('start');
    await until('1000 frames', () => got >= 1000, 20000).catch((e: Error) => {
      throw new Error(`${e.message}: got ${got}, errors ${tx.errors}, dropped ${tx.dropped}`);
    });
    const stats = await testpmd!.command('stop');
    const sent = stat(stats, 'TX-packets');
    await until(`all ${sent} frames`, () => got >= sent, 5000);
    await stop();
    expect(got).toBe(sent);
    expect(bytes).toBe(sent * 4000);
    expect(wrong).toBe(0);
    expect(tx.errors + tx.dropped).toBe(0);
  });
});
