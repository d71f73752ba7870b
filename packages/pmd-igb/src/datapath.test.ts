import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MBUF_DEFAULT_BUF_SIZE, MBUF_F_RX_RSS_HASH, MBUF_F_RX_VLAN_STRIPPED, MbufView, MEMPOOL_F_DEBUG, memzoneReserve, pktmbufPoolCreate, type Eal, type Mempool } from '@nic/eal';
import {
  allmulticastEnable,
  configure,
  EthEvent,
  infoGet,
  linkGet,
  linkGetNowait,
  formatMac,
  macAddrAdd,
  macAddrGet,
  mtuSet,
  parseMac,
  portCallbackRegister,
  portIdByName,
  promiscuousDisable,
  promiscuousEnable,
  RssHf,
  RxOffload,
  rxBurst,
  rxIntrEnable,
  rxIntrFd,
  rxQueueSetup,
  rxQueueStart,
  rxQueueStop,
  setMcAddrList,
  start,
  statsGet,
  stop,
  txBurst,
  TxOffload,
  txQueueSetup,
  txQueueStart,
  txQueueStop,
  vlanFilterSet,
  xstatsGet,
  xstatsGetNames,
} from '@nic/ethdev';
import { epollWait, eventfdRead } from '@nic/native';
import { pci } from '@nic/pci';
import { errorCode, etherFrame, framePacket, IgbModelBench, igbRegs, packetBytes, testFrame, toeplitzHash, until, type IgbModel } from '@nic/test-kit';
import { ethDevOf } from '@nic/ethdev/driver';
import { barRegisters, Q_RING, RQ_INTR_FD, TQ_FLAGS, TQF_FAST_FREE, unpublishBar } from '@nic/intel-common/driver';
import { DEFAULT_RSS_KEY, netE1000IgbDriver } from './index.js';
import { DESC_SIZE, TXD_CMD_TYPE_LEN, TXD_DCMD_RS } from '@nic/intel-common';
import { rxRecord, txRecord } from './layout.js';

const POOL_SIZE = 2047;
const BURST = 32;
const RING = 128;

let bench: IgbModelBench;
let eal: Eal;
let pool: Mempool;
let mbufs: MbufView;
let p0: number;
let p1: number;
let m0: IgbModel;
let m1: IgbModel;

/** Two modelled ports joined by a cable, probed by net_e1000_igb. */
async function twoPorts(): Promise<void> {
  await twoPortsWith(0);
}

/** {@link twoPorts} with the mbuf pool created with mempool flags `poolFlags`. */
async function twoPortsWith(poolFlags: number): Promise<void> {
  bench = await IgbModelBench.create({ ports: 2, wire: true });
  eal = await bench.init(['-a', bench.addresses[0], '-a', bench.addresses[1]], { drivers: [netE1000IgbDriver] });
  pool = pktmbufPoolCreate(eal.arena, 'dp_pool', POOL_SIZE, 0, 0, MBUF_DEFAULT_BUF_SIZE, poolFlags);
  mbufs = new MbufView(eal.arena);
  [p0, p1] = bench.addresses.map((a) => portIdByName(a, eal));
  [m0, m1] = bench.models;
}

function setUp(port: number, conf: Parameters<typeof configure>[3] = {}, queues = 1, mtu?: number): void {
  configure(port, queues, queues, conf);
  if (mtu !== undefined) mtuSet(port, mtu);
  for (let q = 0; q < queues; q++) {
    rxQueueSetup(port, q, RING, undefined, pool);
    txQueueSetup(port, q, RING);
  }
  start(port);
}

function send(port: number, frames: readonly Uint8Array[], segment?: number, handlesIn?: Uint32Array, queue = 0): number {
  const handles = handlesIn?.subarray(0, frames.length) ?? new Uint32Array(frames.length);
  frames.forEach((f, i) => (handles[i] = framePacket(eal, pool, f, segment)));
  const sent = txBurst(port, queue, handles, handles.length);
  mbufs.freeBulk(handles, handles.length - sent, sent);
  return sent;
}

/** Everything queue `queue` of `port` holds now, as bytes (and the mbufs' flags, hashes and tags). */
function drain(port: number, queue = 0): { bytes: Uint8Array[]; flags: number[]; rss: number[]; vlan: number[]; segs: number[] } {
  const out = { bytes: [] as Uint8Array[], flags: [] as number[], rss: [] as number[], vlan: [] as number[], segs: [] as number[] };
  const handles = new Uint32Array(BURST);
  for (let n = rxBurst(port, queue, handles, BURST); n > 0; n = rxBurst(port, queue, handles, BURST)) {
    for (let i = 0; i < n; i++) {
      const h = handles[i];
      out.bytes.push(packetBytes(eal, h));
      out.flags.push(mbufs.olFlagsLo(h));
      out.rss.push(mbufs.rssHash(h));
      out.vlan.push(mbufs.vlanTci(h));
      out.segs.push(mbufs.nbSegs(h));
    }
    mbufs.freeBulk(handles, n);
  }
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function unicast(dst: Uint8Array, tag: number, length = 100): Uint8Array {
  const f = testFrame(tag, length);
  f.set(dst, 0);
  return f;
}

const RSS_TCP = { rxMode: { mqMode: 'rss', offloads: RxOffload.RSS_HASH }, rss: { hf: RssHf.NONFRAG_IPV4_TCP } } as const;

/** An IPv4/TCP frame to `dst` of flow `flow` (40 header bytes, padded to a minimum frame), and its RSS hash input (addresses, then ports). */
function tcpFrame(dst: Uint8Array, flow: number): { frame: Uint8Array; input: Uint8Array } {
  const ip = new Uint8Array(46);
  ip.set([0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 1, flow]);
  ip.set([0x30, 0x39, 0, 80 + flow], 20);
  return { frame: etherFrame(dst, Uint8Array.of(2, 0, 0, 0, 0, 1), 0x0800, ip), input: Uint8Array.of(10, 0, 0, 1, 10, 0, 1, flow, 0x30, 0x39, 0, 80 + flow) };
}

describe('net_e1000_igb moving packets between two modelled 82576 ports', () => {
  beforeEach(twoPorts);
  afterEach(async () => {
    await bench.close();
  });

  it('takes the permanent MAC address from the EEPROM and brings the link up at start', async () => {
    expect(macAddrGet(p0)).toBe(formatMac(m0.mac));
    setUp(p0);
    setUp(p1);
    const link = await linkGet(p0);
    expect(link).toMatchObject({ up: true, speed: 1000, fullDuplex: true });
    stop(p0);
    expect(linkGetNowait(p0).up).toBe(false);
  });

  it('delivers what one port sends to the other, byte for byte and in order, across many ring wraps', () => {
    setUp(p0);
    setUp(p1);
    const total = RING * 10;
    let sent = 0;
    const got: Uint8Array[] = [];
    for (let tag = 0; tag < total; tag += BURST) {
      const frames = Array.from({ length: BURST }, (_, i) => testFrame(tag + i, 60 + ((tag + i) % 1400)));
      sent += send(p0, frames);
      got.push(...drain(p1).bytes);
    }
    expect(sent).toBe(total);
    expect(got.length).toBe(total);
    for (let i = 0; i < total; i += 97) expect(got[i]).toEqual(testFrame(i, 60 + (i % 1400)));
    const s0 = statsGet(p0);
    const s1 = statsGet(p1);
    expect(s0.opackets).toBe(total);
    expect(s1.ipackets).toBe(total);
    expect(s1.ibytes).toBe(s0.obytes);
    stop(p0);
    stop(p1);
    expect(pool.availCount()).toBe(POOL_SIZE);
  });

  it('sends a chained packet as one frame and receives a jumbo frame as a chain', () => {
    setUp(p0);
    setUp(p1, { rxMode: { offloads: RxOffload.SCATTER } }, 1, 9000);
    expect(m1.u32[igbRegs.RCTL >>> 2] & igbRegs.RCTL_LPE).not.toBe(0);
    const jumbo = testFrame(7, 9000);
    expect(send(p0, [jumbo], 1000)).toBe(1);
    const got = drain(p1);
    expect(got.bytes).toEqual([jumbo]);
    expect(got.segs[0]).toBeGreaterThan(1);
  });

  it('counts frames the model receives with no descriptor left as missed, and errored frames as errors', () => {
    setUp(p1);
    for (let i = 0; i < RING + 10; i++) m1.receiveFrame(testFrame(i));
    // RING - 1 descriptors belong to the device (one stays behind so that the head never meets the tail): the other 11 frames are missed.
    expect(statsGet(p1).imissed).toBe(RING + 10 - (RING - 1));
    drain(p1);
    m1.injectRxError('crc');
    m1.receiveFrame(testFrame(1));
    const s = statsGet(p1);
    expect(s.ierrors).toBe(1);
    const names = xstatsGetNames(p1);
    expect(xstatsGet(p1)[names.indexOf('rx_crc_errors')]).toBe(1);
  });

  it('filters on the MAC: other unicast dropped, promiscuous takes it, an added address takes it, multicast by list or all', () => {
    setUp(p1);
    const other = Uint8Array.of(0x02, 9, 9, 9, 9, 9);
    const mine = parseMac(macAddrGet(p1));
    m1.receiveFrame(unicast(other, 1));
    m1.receiveFrame(unicast(mine, 2));
    expect(drain(p1).bytes.map((b) => b[15])).toEqual([2]);
    promiscuousEnable(p1);
    m1.receiveFrame(unicast(other, 3));
    expect(drain(p1).bytes.map((b) => b[15])).toEqual([3]);
    promiscuousDisable(p1);
    macAddrAdd(p1, formatMac(other));
    m1.receiveFrame(unicast(other, 4));
    expect(drain(p1).bytes.map((b) => b[15])).toEqual([4]);
    const group = Uint8Array.of(0x01, 0, 0x5e, 1, 2, 3);
    m1.receiveFrame(unicast(group, 5));
    expect(drain(p1).bytes).toEqual([]);
    setMcAddrList(p1, [formatMac(group)]);
    m1.receiveFrame(unicast(group, 6));
    m1.receiveFrame(unicast(Uint8Array.of(0x01, 0, 0x5e, 7, 7, 7), 7));
    expect(drain(p1).bytes.map((b) => b[15])).toEqual([6]);
    allmulticastEnable(p1);
    m1.receiveFrame(unicast(Uint8Array.of(0x01, 0, 0x5e, 7, 7, 7), 8));
    expect(drain(p1).bytes.map((b) => b[15])).toEqual([8]);
  });

  it('strips VLAN tags into the mbuf and filters VLANs it was not told of', () => {
    setUp(p1, { rxMode: { offloads: RxOffload.VLAN_STRIP | RxOffload.VLAN_FILTER } });
    vlanFilterSet(p1, 100, true);
    const plain = testFrame(1, 100);
    const tagged = (vid: number): Uint8Array => {
      const f = new Uint8Array(plain.length + 4);
      f.set(plain.subarray(0, 12), 0);
      f.set([0x81, 0x00, vid >> 8, vid & 0xff], 12);
      f.set(plain.subarray(12), 16);
      return f;
    };
    m1.receiveFrame(tagged(100));
    m1.receiveFrame(tagged(200));
    const got = drain(p1);
    expect(got.bytes).toEqual([plain]);
    expect(got.vlan).toEqual([100]);
    expect(got.flags[0] & MBUF_F_RX_VLAN_STRIPPED).not.toBe(0);
  });

  it('spreads IPv4/TCP flows over four queues by the Toeplitz hash and reports the hash', () => {
    setUp(p1, RSS_TCP, 4);
    const seen = new Set<number>();
    for (let flow = 0; flow < 32; flow++) {
      const { frame, input } = tcpFrame(parseMac(macAddrGet(p1)), flow);
      expect(m1.receiveFrame(frame)).toBe('delivered');
      const hash = toeplitzHash(DEFAULT_RSS_KEY, input);
      const queue = (hash & 0x7f) % 4;
      const got = drain(p1, queue);
      expect(got.rss).toEqual([hash]);
      expect(got.flags[0] & MBUF_F_RX_RSS_HASH).not.toBe(0);
      seen.add(queue);
    }
    expect(seen.size).toBe(4);
  });

  it('stops one queue pair while the other goes on, and restarts it with a fresh ring', () => {
    setUp(p0, {}, 2);
    setUp(p1, RSS_TCP, 2);
    const dst = parseMac(macAddrGet(p1));
    // The first flow RSS puts on each queue, by the independent hash.
    const byQueue: Uint8Array[] = [];
    for (let flow = 0; byQueue.filter(Boolean).length < 2; flow++) {
      const { frame, input } = tcpFrame(dst, flow);
      byQueue[(toeplitzHash(DEFAULT_RSS_KEY, input) & 0x7f) % 2] ??= frame;
    }
    const [to0, to1] = byQueue;
    const free = pool.availCount();
    rxQueueStop(p1, 1);
    txQueueStop(p0, 1);
    expect(m1.read32(igbRegs.RXDCTL(1)) & igbRegs.RXDCTL_ENABLE).toBe(0);
    expect(m0.read32(igbRegs.TXDCTL(1)) & igbRegs.TXDCTL_ENABLE).toBe(0);
    expect(pool.availCount()).toBe(free + RING);
    expect(m1.receiveFrame(to1)).toBe('queue-disabled');
    expect(send(p0, [to1], undefined, undefined, 1)).toBe(0);
    expect(send(p0, [to0])).toBe(1);
    expect(drain(p1, 0).bytes).toEqual([to0]);
    expect(drain(p1, 1).bytes).toEqual([]);
    rxQueueStart(p1, 1);
    txQueueStart(p0, 1);
    expect(m1.read32(igbRegs.RXDCTL(1)) & igbRegs.RXDCTL_ENABLE).toBe(igbRegs.RXDCTL_ENABLE);
    expect(m1.read32(igbRegs.RDT(1))).toBe(RING - 1);
    for (let round = 0; round < 3; round++) {
      const frames = Array.from({ length: RING / 2 }, () => to1);
      expect(send(p0, frames, undefined, undefined, 1)).toBe(frames.length);
      expect(drain(p1, 1).bytes.length).toBe(frames.length);
    }
    stop(p0);
    stop(p1);
    expect(pool.availCount()).toBe(POOL_SIZE);
  });

  it('raises INTR_LSC when the cable is pulled and plugged back', async () => {
    setUp(p0, { intrConf: { lsc: true } });
    setUp(p1, { intrConf: { lsc: true } });
    const events: boolean[] = [];
    portCallbackRegister(p0, EthEvent.INTR_LSC, (port) => void events.push(linkGetNowait(port).up), undefined);
    await linkGet(p0);
    bench.wire?.setLink(false);
    await until('a link-down event', () => events.length >= 1);
    bench.wire?.setLink(true);
    await until('a link-up event', () => events.length >= 2);
    expect(events).toEqual([false, true]);
  });

  it('wakes an armed rx queue interrupt when a frame arrives, once per arming', async () => {
    setUp(p1, { intrConf: { rxq: true } });
    const fd = rxIntrFd(p1, 0);
    rxIntrEnable(p1, 0);
    m1.receiveFrame(unicast(parseMac(macAddrGet(p1)), 1));
    expect(epollWait([fd], 1000)).toEqual([fd]);
    eventfdRead(fd);
    m1.receiveFrame(unicast(parseMac(macAddrGet(p1)), 2));
    expect(epollWait([fd], 0)).toEqual([]);
    expect(drain(p1).bytes.length).toBe(2);
    // Stopping closes the eventfd; the queue record must not keep its number.
    const record = rxRecord(ethDevOf(p1).data.privOffset, 0);
    expect(eal.arena.u32[(record + RQ_INTR_FD) >>> 2]).toBe(fd);
    stop(p1);
    expect(eal.arena.u32[(record + RQ_INTR_FD) >>> 2] | 0).toBe(-1);
  });

  it('raises INTR_RMV on surprise removal and detaches without writing to the gone device', async () => {
    setUp(p0);
    let removed = -1;
    portCallbackRegister(p0, EthEvent.INTR_RMV, (port) => void (removed = port), undefined);
    m0.surpriseRemove();
    // From here every register write the driver makes, through the register interface or
    // straight into the mapped BAR (tail doorbells), would show.
    const writes = vi.spyOn(m0, 'write32');
    await until('a removal event', () => removed === p0);
    await eal.detach(bench.addresses[0]);
    expect(writes).not.toHaveBeenCalled();
    expect(m0.u32.every((word) => word === 0xffffffff)).toBe(true);
    expect(() => portIdByName(bench.addresses[0], eal)).toThrow();
    expect(pool.availCount()).toBe(POOL_SIZE);
  });
});

describe('net_e1000_igb with MBUF_FAST_FREE (one descriptor per packet, reclaim by slices)', () => {
  const FAST_FREE = { txMode: { offloads: TxOffload.MBUF_FAST_FREE } };
  /** Burst sizes cycled through: full bursts and odd ones, below and above the RS threshold. */
  const BURSTS = [32, 7, 19, 32, 1, 25];

  // A debug pool: a double free or a handle that is no mbuf of the pool throws where it happens.
  beforeEach(() => twoPortsWith(MEMPOOL_F_DEBUG));
  afterEach(async () => {
    await bench.close();
  });

  /** Sets up `port` with one queue pair, `txRing` tx descriptors and fast free, and starts it. */
  function setUpFastFree(port: number, txRing = RING): void {
    configure(port, 1, 1, FAST_FREE);
    rxQueueSetup(port, 0, RING, undefined, pool);
    txQueueSetup(port, 0, txRing);
    start(port);
  }

  /** Both tx paths, for tests that hold on either. */
  const TX_PATHS = [
    ['with fast free', true],
    ['on the general path', false],
  ] as const;

  /** Sets up and starts p0 (sending, on the fast-free path or not) and p1 (receiving). */
  function setUpPair(fastFree: boolean): void {
    if (fastFree) setUpFastFree(p0);
    else setUp(p0);
    setUp(p1);
  }

  /** The `TQF_*` flags of tx queue 0 of `port`: which tx path the queue takes. */
  function txFlags(port: number): number {
    return eal.arena.u32[(txRecord(ethDevOf(port).data.privOffset, 0) + TQ_FLAGS) >>> 2];
  }

  const frameOf = (tag: number): Uint8Array => testFrame(tag, 60 + ((tag * 37) % 1400));
  const framesFrom = (tag: number, n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => frameOf(tag + i));

  /** Every mbuf of the pool is in it, exactly once, in the free state. */
  function expectPoolWhole(): void {
    expect(pool.audit()).toMatchObject({ objects: POOL_SIZE, inUse: 0, doubleFree: [], foreign: [], badState: [], ok: true });
    expect(pool.availCount()).toBe(POOL_SIZE);
  }

  it('advertises MBUF_FAST_FREE and puts only the queues of a port configured with it on the fast-free path', () => {
    expect(infoGet(p0).txOffloadCapa & TxOffload.MBUF_FAST_FREE).toBe(TxOffload.MBUF_FAST_FREE);
    setUpFastFree(p0);
    setUp(p1);
    expect(txFlags(p0) & TQF_FAST_FREE).toBe(TQF_FAST_FREE);
    expect(txFlags(p1) & TQF_FAST_FREE).toBe(0);
  });

  /**
   * A burst array that is a view of the arena, which the fill kernel reads in place (other
   * arrays are copied to the queue's staging area); it starts one slot into its memzone, so
   * a wrong byte offset shows.
   */
  function arenaBurstArray(): Uint32Array {
    const zone = memzoneReserve(eal.arena, 'test_tx_burst', (BURST + 1) * Uint32Array.BYTES_PER_ELEMENT);
    return new Uint32Array(eal.arena.buffer, zone.offset + Uint32Array.BYTES_PER_ELEMENT, BURST);
  }

  it.each([
    [RING, 'a multiple of the RS threshold', 'a plain array'],
    [RING + 8, 'not a multiple of the RS threshold, so reclaimed slices end anywhere', 'a plain array'],
    [RING + 8, 'not a multiple of the RS threshold', 'a view of the arena'],
  ])('delivers five rings of %i descriptors (%s) byte for byte and in order from %s, counts exactly, and gives every mbuf back', (txRing, _, from) => {
    setUpFastFree(p0, txRing);
    setUp(p1);
    expect(txFlags(p0) & TQF_FAST_FREE).toBe(TQF_FAST_FREE);
    const burstArray = from === 'a plain array' ? undefined : arenaBurstArray();
    const total = 5 * txRing;
    const got: Uint8Array[] = [];
    let bytes = 0;
    for (let tag = 0, b = 0; tag < total; b++) {
      const n = Math.min(BURSTS[b % BURSTS.length], total - tag);
      const frames = framesFrom(tag, n);
      expect(send(p0, frames, undefined, burstArray)).toBe(n);
      for (const f of frames) bytes += f.length;
      got.push(...drain(p1).bytes);
      tag += n;
    }
    expect(got.length).toBe(total);
    got.forEach((frame, i) => {
      if (!equalBytes(frame, frameOf(i))) expect.fail(`frame ${i} of ${total} differs from what was sent`);
    });
    const s0 = statsGet(p0);
    expect([s0.opackets, s0.obytes, s0.qOpackets[0], s0.qObytes[0]]).toEqual([total, bytes, total, bytes]);
    const s1 = statsGet(p1);
    expect([s1.ipackets, s1.ibytes]).toEqual([total, bytes]);
    // Stopped right after the last burst: descriptors the device finished are not reclaimed yet.
    stop(p0);
    stop(p1);
    expectPoolWhole();
  });

  it('gives back every mbuf exactly once when stopped with descriptors the device has not done, then starts afresh', () => {
    setUpFastFree(p0);
    setUp(p1);
    let tag = 0;
    // Two rings through a working transmitter: the slice reclaims leave stale software-ring entries.
    for (; tag < 2 * RING; tag += BURST) {
      expect(send(p0, framesFrom(tag, BURST))).toBe(BURST);
      expect(drain(p1).bytes.length).toBe(BURST);
    }
    // The transmitter takes no more descriptors: what follows stays pending, without DD.
    m0.write32(igbRegs.TCTL, m0.read32(igbRegs.TCTL) & ~igbRegs.TCTL_EN);
    let pending = 0;
    for (let sent = BURST; sent > 0; tag += BURST) {
      sent = send(p0, framesFrom(tag, BURST));
      pending += sent;
    }
    // The ring never fills completely, and nothing pending reached the wire.
    expect(pending).toBe(RING - 1);
    expect(drain(p1).bytes).toEqual([]);
    // Held now: both rx rings and the pending packets; everything sent before is back.
    expect(pool.availCount()).toBe(POOL_SIZE - 2 * RING - pending);
    stop(p0);
    expect(pool.availCount()).toBe(POOL_SIZE - RING);
    // Started again, the queue sends from a clean ring; the discarded packets never appear.
    start(p0);
    const got: Uint8Array[] = [];
    for (const first = tag; tag < first + 2 * RING; tag += BURST) {
      expect(send(p0, framesFrom(tag, BURST))).toBe(BURST);
      got.push(...drain(p1).bytes);
    }
    expect(got.length).toBe(2 * RING);
    expect(got.map((f) => (f[14] << 8) | f[15])).toEqual(Array.from({ length: 2 * RING }, (_, i) => tag - 2 * RING + i));
    stop(p0);
    stop(p1);
    expectPoolWhole();
  });

  it.each(TX_PATHS)('keeps the ring full %s: a burst reclaims only the RS intervals it needs, so each bulk free stays near one interval', (_, fast) => {
    setUpPair(fast);
    const rxHeld = 2 * RING;
    let tag = 0;
    let largestFree = 0;
    for (let b = 0; b < 8 * (RING / BURST); b++, tag += BURST) {
      const before = pool.availCount();
      expect(send(p0, framesFrom(tag, BURST))).toBe(BURST);
      // What came back to the pool during this burst, the burst's own mbufs set aside.
      largestFree = Math.max(largestFree, pool.availCount() - before + BURST);
      expect(drain(p1).bytes.length).toBe(BURST);
      // The tx ring keeps all but its last free descriptors filled: the device is done with
      // them, but nothing needed them back yet.
      if (tag >= RING) expect(POOL_SIZE - rxHeld - pool.availCount()).toBeGreaterThanOrEqual(RING - 1 - (BURST - 1));
    }
    // Every reclaim gave back one RS interval (32 here) or two at most, never the whole ring.
    expect(largestFree).toBeGreaterThan(0);
    expect(largestFree).toBeLessThanOrEqual(2 * BURST);
    stop(p0);
    stop(p1);
    expectPoolWhole();
  });

  it.each(TX_PATHS)('sets RS %s on every 32nd descriptor, whatever the burst sizes', (_, fast) => {
    setUpPair(fast);
    // The transmitter takes no descriptors, so the device writes nothing back over them.
    m0.write32(igbRegs.TCTL, m0.read32(igbRegs.TCTL) & ~igbRegs.TCTL_EN);
    let tag = 0;
    for (const n of [7, 19, 1, 25, 32, 13, 30]) {
      expect(send(p0, framesFrom(tag, n))).toBe(n);
      tag += n;
    }
    expect(tag).toBe(RING - 1);
    const ring = eal.arena.u32[(txRecord(ethDevOf(p0).data.privOffset, 0) + Q_RING) >>> 2];
    const withRs = Array.from({ length: tag }, (_, d) => d).filter((d) => (eal.arena.u32[(ring + d * DESC_SIZE + TXD_CMD_TYPE_LEN) >>> 2] & TXD_DCMD_RS) !== 0);
    expect(withRs).toEqual([BURST - 1, 2 * BURST - 1, 3 * BURST - 1]);
    stop(p0);
    stop(p1);
    expectPoolWhole();
  });

  it('gives back the packets of bursts that were never reclaimed when stopped at once', () => {
    setUpFastFree(p0);
    setUp(p1);
    // Three full bursts leave fewer free descriptors than a burst, but no burst came to reclaim them.
    for (let tag = 0; tag < 3 * BURST; tag += BURST) expect(send(p0, framesFrom(tag, BURST))).toBe(BURST);
    expect(pool.availCount()).toBe(POOL_SIZE - 2 * RING - 3 * BURST);
    stop(p0);
    expect(pool.availCount()).toBe(POOL_SIZE - RING);
    expect(drain(p1).bytes.length).toBe(3 * BURST);
    stop(p1);
    expectPoolWhole();
  });
});

describe('net_e1000_igb refusing bad devices and bad set-ups', () => {
  afterEach(async () => {
    await bench.close();
  });

  it('fails the probe of a device whose EEPROM checksum is wrong, leaving no port', async () => {
    bench = await IgbModelBench.create({ ports: 1 });
    bench.models[0].corruptEepromChecksum();
    eal = await bench.init(['-a', bench.addresses[0]], { drivers: [netE1000IgbDriver] });
    const dev = pci(eal).device(bench.addresses[0]);
    expect(dev?.state).toBe('failed');
    expect(dev?.error).toMatch(/EEPROM checksum/);
    expect(() => portIdByName(bench.addresses[0], eal)).toThrow();
  });

  it('fails the probe of a device that reads all ones, naming it', async () => {
    bench = await IgbModelBench.create({ ports: 1 });
    bench.models[0].surpriseRemove();
    eal = await bench.init(['-a', bench.addresses[0]], { drivers: [netE1000IgbDriver] });
    expect(pci(eal).device(bench.addresses[0])?.error).toMatch(/all ones/);
  });

  it('refuses an rx pool whose buffers are smaller than 1 KiB and ring sizes not a multiple of 8', async () => {
    bench = await IgbModelBench.create({ ports: 1 });
    eal = await bench.init(['-a', bench.addresses[0]], { drivers: [netE1000IgbDriver] });
    const port = portIdByName(bench.addresses[0], eal);
    const tiny = pktmbufPoolCreate(eal.arena, 'tiny', 255, 0, 0, 128 + 512);
    configure(port, 1, 1);
    expect(errorCode(() => rxQueueSetup(port, 0, RING, undefined, tiny))).toBe('NIC_EINVAL');
    const normal = pktmbufPoolCreate(eal.arena, 'normal', 255);
    expect(errorCode(() => rxQueueSetup(port, 0, 100, undefined, normal))).toBe('NIC_EINVAL');
    expect(errorCode(() => rxQueueSetup(port, 0, 8192, undefined, normal))).toBe('NIC_EINVAL');
  });

  it('fails start with NIC_ENOMEM, and holds no mbuf, when the pool cannot fill the ring', async () => {
    bench = await IgbModelBench.create({ ports: 1 });
    eal = await bench.init(['-a', bench.addresses[0]], { drivers: [netE1000IgbDriver] });
    const port = portIdByName(bench.addresses[0], eal);
    const small = pktmbufPoolCreate(eal.arena, 'small', 63);
    configure(port, 1, 1);
    rxQueueSetup(port, 0, RING, undefined, small);
    txQueueSetup(port, 0, RING);
    expect(errorCode(() => start(port))).toBe('NIC_ENOMEM');
    expect(small.availCount()).toBe(63);
  });
});

describe('net_e1000_igb queue views on other threads', () => {
  afterEach(async () => {
    await bench.close();
  });

  it('refuses, naming the reason, to build queue views of a model port where its registers do not exist', async () => {
    bench = await IgbModelBench.create({ ports: 1 });
    eal = await bench.init(['-a', bench.addresses[0]], { drivers: [netE1000IgbDriver] });
    const data = ethDevOf(portIdByName(bench.addresses[0], eal)).data;
    expect(barRegisters(data)).toBe(bench.models[0]);
    // What a worker thread sees: no registers published there, and no address to attach.
    unpublishBar(data);
    expect(() => barRegisters(data)).toThrow(expect.objectContaining({ code: 'NIC_ENOTSUP', message: expect.stringContaining('device model') }));
  });
});
