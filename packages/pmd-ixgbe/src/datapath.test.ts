import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MBUF_DEFAULT_BUF_SIZE, MBUF_F_RX_RSS_HASH, MBUF_F_RX_VLAN_STRIPPED, MbufView, pktmbufPoolCreate, type Eal, type Mempool } from '@nic/eal';
import {
  allmulticastEnable,
  configure,
  EthEvent,
  formatMac,
  linkGet,
  linkGetNowait,
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
  rxQueueState,
  rxQueueStop,
  setMcAddrList,
  start,
  statsGet,
  statsReset,
  stop,
  txBurst,
  txQueueSetup,
  txQueueStart,
  txQueueStop,
  vlanFilterSet,
  xstatsGet,
  xstatsGetNames,
} from '@nic/ethdev';
import { RTE_PTYPE_L2_ETHER, RTE_PTYPE_L3_IPV4, RTE_PTYPE_L4_TCP } from '@nic/intel-common';
import { epollWait, eventfdRead } from '@nic/native';
import { pci } from '@nic/pci';
import { errorCode, etherFrame, framePacket, IxgbeModelBench, packetBytes, testFrame, toeplitzHash, until, type IxgbeModel } from '@nic/test-kit';
import { DEFAULT_RSS_KEY, netIxgbeDriver } from './index.js';
import * as R from './base/regs.js';

const POOL_SIZE = 8191;
const BURST = 32;
const RING = 128;

let bench: IxgbeModelBench;
let eal: Eal;
let pool: Mempool;
let mbufs: MbufView;
let p0: number;
let p1: number;
let m0: IxgbeModel;
let m1: IxgbeModel;

/** Two modelled 82599 SFP+ ports joined by a cable, probed by net_ixgbe. */
async function twoPorts(): Promise<void> {
  bench = await IxgbeModelBench.create({ ports: 2, wire: true });
  eal = await bench.init(['-a', bench.addresses[0], '-a', bench.addresses[1]], { drivers: [netIxgbeDriver] });
  pool = pktmbufPoolCreate(eal.arena, 'dp_pool', POOL_SIZE, 0, 0, MBUF_DEFAULT_BUF_SIZE);
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

function send(port: number, frames: readonly Uint8Array[], segment?: number, queue = 0): number {
  const handles = new Uint32Array(frames.length);
  frames.forEach((f, i) => (handles[i] = framePacket(eal, pool, f, segment)));
  const sent = txBurst(port, queue, handles, handles.length);
  mbufs.freeBulk(handles, handles.length - sent, sent);
  return sent;
}

interface Drained {
  bytes: Uint8Array[];
  flags: number[];
  rss: number[];
  vlan: number[];
  segs: number[];
  ptype: number[];
}

/** Everything queue `queue` of `port` holds now, as bytes, with the mbufs' flags, hashes, tags and packet types. */
function drain(port: number, queue = 0): Drained {
  const out: Drained = { bytes: [], flags: [], rss: [], vlan: [], segs: [], ptype: [] };
  const handles = new Uint32Array(BURST);
  for (let n = rxBurst(port, queue, handles, BURST); n > 0; n = rxBurst(port, queue, handles, BURST)) {
    for (let i = 0; i < n; i++) {
      const h = handles[i];
      out.bytes.push(packetBytes(eal, h));
      out.flags.push(mbufs.olFlagsLo(h));
      out.rss.push(mbufs.rssHash(h));
      out.vlan.push(mbufs.vlanTci(h));
      out.segs.push(mbufs.nbSegs(h));
      out.ptype.push(mbufs.packetType(h));
    }
    mbufs.freeBulk(handles, n);
  }
  return out;
}

function unicast(dst: Uint8Array, tag: number, length = 100): Uint8Array {
  const f = testFrame(tag, length);
  f.set(dst, 0);
  return f;
}

/** An IPv4/TCP frame to `dst` of flow `flow` (40 header bytes, padded to a minimum frame), and its RSS hash input. */
function tcpFrame(dst: Uint8Array, flow: number): { frame: Uint8Array; input: Uint8Array } {
  const ip = new Uint8Array(46);
  ip.set([0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 1, flow]);
  ip.set([0x30, 0x39, 0, 80 + flow], 20);
  const frame = etherFrame(dst, Uint8Array.of(2, 0, 0, 0, 0, 1), 0x0800, ip);
  return { frame, input: Uint8Array.of(10, 0, 0, 1, 10, 0, 1, flow, 0x30, 0x39, 0, 80 + flow) };
}

const RSS_TCP = { rxMode: { mqMode: 'rss', offloads: RxOffload.RSS_HASH }, rss: { hf: RssHf.NONFRAG_IPV4_TCP } } as const;

/** The first IPv4/TCP flow to `dst` that RSS puts on each of `queues` queues, by the independent hash. */
function flowPerQueue(dst: Uint8Array, queues: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let flow = 0; frames.filter(Boolean).length < queues; flow++) {
    const { frame, input } = tcpFrame(dst, flow);
    frames[(toeplitzHash(DEFAULT_RSS_KEY, input) & 0x7f) % queues] ??= frame;
  }
  return frames;
}

describe('net_ixgbe moving packets between two modelled 82599 ports', () => {
  beforeEach(twoPorts);
  afterEach(async () => {
    await bench.close();
  });

  it('takes the permanent MAC address from the EEPROM, brings the 10 Gb/s link up at start and down at stop', async () => {
    expect(macAddrGet(p0)).toBe(formatMac(m0.mac));
    setUp(p0);
    setUp(p1);
    expect(await linkGet(p0)).toMatchObject({ up: true, speed: 10_000, fullDuplex: true });
    expect(m0.read32(R.AUTOC) & R.AUTOC_LMS_MASK).toBe(R.AUTOC_LMS_10G_SERIAL);
    stop(p0);
    expect(linkGetNowait(p0).up).toBe(false);
    // The laser is off: the far end loses the link too.
    expect(m0.read32(R.ESDP) & R.ESDP_SDP3).toBe(R.ESDP_SDP3);
  });

  it('enables receive and transmit the 82599 way: DMATXCTL.TE, each queue enabled, RXCTRL.RXEN last, CRC stripped in both places', () => {
    setUp(p1);
    expect(m1.read32(R.DMATXCTL) & R.DMATXCTL_TE).toBe(R.DMATXCTL_TE);
    expect(m1.read32(R.TXDCTL(0)) & R.TXDCTL_ENABLE).toBe(R.TXDCTL_ENABLE);
    expect(m1.read32(R.RXDCTL(0)) & R.RXDCTL_ENABLE).toBe(R.RXDCTL_ENABLE);
    expect(m1.read32(R.RXCTRL) & R.RXCTRL_RXEN).toBe(R.RXCTRL_RXEN);
    expect(m1.read32(R.HLREG0) & R.HLREG0_RXCRCSTRP).toBe(R.HLREG0_RXCRCSTRP);
    expect(m1.read32(R.RDRXCTL) & R.RDRXCTL_CRCSTRIP).toBe(R.RDRXCTL_CRCSTRIP);
    expect(m1.read32(R.RDT(0))).toBe(RING - 1);
    stop(p1);
    expect(m1.read32(R.RXDCTL(0)) & R.RXDCTL_ENABLE).toBe(0);
    expect(m1.read32(R.RXCTRL) & R.RXCTRL_RXEN).toBe(0);
  });

  it('delivers what one port sends to the other, byte for byte and in order, across many ring wraps, and gives every mbuf back', () => {
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
    for (let i = 0; i < total; i++) if (got[i].length !== 60 + (i % 1400) || got[i][15] !== (i & 0xff)) expect.fail(`frame ${i} differs`);
    expect(got[777]).toEqual(testFrame(777, 60 + 777));
    const s0 = statsGet(p0);
    const s1 = statsGet(p1);
    expect(s0.opackets).toBe(total);
    expect(s1.ipackets).toBe(total);
    expect(s1.ibytes).toBe(s0.obytes);
    stop(p0);
    stop(p1);
    expect(pool.availCount()).toBe(POOL_SIZE);
  });

  it('moves frames through 4096-descriptor rings (64 KiB, 16 pages) under --no-huge, whose arena is one IOVA window', () => {
    expect(eal.arena.iovaMode).toBe('va');
    const big = 4096;
    const txPool = pktmbufPoolCreate(eal.arena, 'big_tx', big + BURST * 4, 0, 0, 640);
    configure(p0, 1, 1);
    rxQueueSetup(p0, 0, 64, undefined, pool);
    txQueueSetup(p0, 0, big);
    start(p0);
    configure(p1, 1, 1);
    rxQueueSetup(p1, 0, big, undefined, pool);
    txQueueSetup(p1, 0, 64);
    start(p1);
    expect([m0.read32(R.TDLEN(0)), m1.read32(R.RDLEN(0))]).toEqual([big * 16, big * 16]);
    // Fill p1's ring without reading it, so the device writes every descriptor, then wrap both rings.
    const total = big * 2 + BURST * 3;
    let sent = 0;
    const got: Uint8Array[] = [];
    for (let tag = 0; tag < total; tag += BURST) {
      const handles = new Uint32Array(BURST);
      for (let i = 0; i < BURST; i++) handles[i] = framePacket(eal, txPool, testFrame(tag + i, 60 + ((tag + i) % 400)));
      const n = txBurst(p0, 0, handles, BURST);
      mbufs.freeBulk(handles, BURST - n, n);
      sent += n;
      if (tag >= big - BURST * 2) got.push(...drain(p1).bytes);
    }
    expect(sent).toBe(total);
    expect(got.length).toBe(total);
    for (let i = 0; i < total; i++) if (got[i].length !== 60 + (i % 400) || got[i][15] !== (i & 0xff)) expect.fail(`frame ${i} differs`);
    expect(bench.backend.dma.faults).toBe(0);
  });

  it('sends a chained packet as one frame and receives a jumbo frame as a chain (HLREG0.JUMBOEN, MAXFRS)', () => {
    setUp(p0);
    setUp(p1, { rxMode: { offloads: RxOffload.SCATTER } }, 1, 9000);
    expect(m1.read32(R.HLREG0) & R.HLREG0_JUMBOEN).toBe(R.HLREG0_JUMBOEN);
    expect(m1.read32(R.MAXFRS) >>> R.MAXFRS_MFS_SHIFT).toBeGreaterThanOrEqual(9018);
    const jumbo = testFrame(7, 9000);
    expect(send(p0, [jumbo], 1000)).toBe(1);
    const got = drain(p1);
    expect(got.bytes).toEqual([jumbo]);
    expect(got.segs[0]).toBe(Math.ceil(9000 / 2048));
  });

  it('counts frames that find no descriptor as missed, and errored frames as errors, by DPDK xstats names', () => {
    setUp(p1);
    for (let i = 0; i < RING + 10; i++) m1.receiveFrame(unicast(parseMac(macAddrGet(p1)), i));
    // RING - 1 descriptors belong to the device (one stays behind so that the head never meets the tail): the other 11 frames are missed.
    expect(statsGet(p1).imissed).toBe(RING + 10 - (RING - 1));
    drain(p1);
    m1.injectRxError('crc');
    m1.receiveFrame(unicast(parseMac(macAddrGet(p1)), 1));
    expect(drain(p1).bytes).toEqual([]);
    const s = statsGet(p1);
    expect(s.ierrors).toBeGreaterThanOrEqual(1);
    const names = xstatsGetNames(p1);
    expect(xstatsGet(p1)[names.indexOf('rx_crc_errors')]).toBe(1);
    expect(names).toEqual(expect.arrayContaining(['rx_size_64_packets', 'rx_priority0_dropped', 'tx_total_packets']));
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

  it('strips VLAN tags into the mbuf (RXDCTL.VME) and filters VLANs it was not told of (VLNCTRL.VFE, VFTA)', () => {
    setUp(p1, { rxMode: { offloads: RxOffload.VLAN_STRIP | RxOffload.VLAN_FILTER } });
    vlanFilterSet(p1, 100, true);
    const plain = unicast(parseMac(macAddrGet(p1)), 1, 100);
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

  it('spreads IPv4/TCP flows over four queues by the Toeplitz hash, reports the hash and the packet type', () => {
    setUp(p1, { rxMode: { mqMode: 'rss', offloads: RxOffload.RSS_HASH }, rss: { hf: RssHf.NONFRAG_IPV4_TCP } }, 4);
    const seen = new Set<number>();
    for (let flow = 0; flow < 32; flow++) {
      const { frame, input } = tcpFrame(parseMac(macAddrGet(p1)), flow);
      expect(m1.receiveFrame(frame)).toBe('delivered');
      const hash = toeplitzHash(DEFAULT_RSS_KEY, input);
      const queue = (hash & 0x7f) % 4;
      const got = drain(p1, queue);
      expect(got.rss).toEqual([hash]);
      expect(got.flags[0] & MBUF_F_RX_RSS_HASH).not.toBe(0);
      expect(got.ptype).toEqual([RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP]);
      seen.add(queue);
    }
    expect(seen.size).toBe(4);
  });

  it('reaches queues above 64, whose receive registers live in the second block', () => {
    const queues = 66;
    configure(p0, queues, queues);
    configure(p1, 1, 1);
    for (let q = 0; q < queues; q++) {
      rxQueueSetup(p0, q, 64, undefined, pool);
      txQueueSetup(p0, q, 64);
    }
    rxQueueSetup(p1, 0, RING, undefined, pool);
    txQueueSetup(p1, 0, RING);
    start(p0);
    start(p1);
    expect(R.RXDCTL(65)).toBe(0x0d068);
    expect(m0.read32(R.RXDCTL(65)) & R.RXDCTL_ENABLE).toBe(R.RXDCTL_ENABLE);
    expect(m0.read32(R.RDT(65))).toBe(63);
    const frame = testFrame(65, 200);
    expect(send(p0, [frame], undefined, 65)).toBe(1);
    expect(drain(p1).bytes).toEqual([frame]);
    // Queue 65 shares statistics index 1 (its QPTC counted the frame) with queues 1, 17, 33 and
    // 49: those queues' counts stay ethdev's own.
    const stats = statsGet(p0);
    expect([stats.qOpackets[1], stats.qOpackets[65]]).toEqual([0, 1]);
  });

  it('stops one queue pair while the other goes on, and restarts it (RXDCTL/TXDCTL.ENABLE polled, ring refilled)', () => {
    setUp(p0, {}, 2);
    setUp(p1, RSS_TCP, 2);
    const [to0, to1] = flowPerQueue(parseMac(macAddrGet(p1)), 2);
    const free = pool.availCount();
    rxQueueStop(p1, 1);
    txQueueStop(p0, 1);
    expect(m1.read32(R.RXDCTL(1)) & R.RXDCTL_ENABLE).toBe(0);
    expect(m0.read32(R.TXDCTL(1)) & R.TXDCTL_ENABLE).toBe(0);
    expect(pool.availCount()).toBe(free + RING);
    // The stopped queues move nothing; the other pair goes on.
    expect(m1.receiveFrame(to1)).toBe('queue-disabled');
    expect(send(p0, [to1], undefined, 1)).toBe(0);
    expect(send(p0, [to0], undefined, 0)).toBe(1);
    expect(drain(p1, 0).bytes).toEqual([to0]);
    expect(drain(p1, 1).bytes).toEqual([]);
    const stopped = pool.availCount();
    rxQueueStart(p1, 1);
    txQueueStart(p0, 1);
    expect(m1.read32(R.RXDCTL(1)) & R.RXDCTL_ENABLE).toBe(R.RXDCTL_ENABLE);
    expect(m1.read32(R.RDT(1))).toBe(RING - 1);
    expect(pool.availCount()).toBe(stopped - RING);
    // Restarted, the queues go on across a ring wrap.
    for (let round = 0; round < 3; round++) {
      const frames = Array.from({ length: RING / 2 }, () => to1);
      expect(send(p0, frames, undefined, 1)).toBe(frames.length);
      expect(drain(p1, 1).bytes.length).toBe(frames.length);
    }
    stop(p0);
    stop(p1);
    expect(pool.availCount()).toBe(POOL_SIZE);
  });

  it('leaves queues set up with deferredStart stopped at port start until they are started', () => {
    configure(p1, 2, 2, RSS_TCP);
    for (let q = 0; q < 2; q++) {
      rxQueueSetup(p1, q, RING, { deferredStart: q === 1 }, pool);
      txQueueSetup(p1, q, RING, { deferredStart: q === 1 });
    }
    start(p1);
    setUp(p0);
    const [to0, to1] = flowPerQueue(parseMac(macAddrGet(p1)), 2);
    expect(rxQueueState(p1, 1)).toBe('stopped');
    expect(m1.read32(R.RXDCTL(1)) & R.RXDCTL_ENABLE).toBe(0);
    expect(m1.read32(R.TXDCTL(1)) & R.TXDCTL_ENABLE).toBe(0);
    expect(pool.availCount()).toBe(POOL_SIZE - 2 * RING);
    expect(m1.receiveFrame(to1)).toBe('queue-disabled');
    expect(m1.receiveFrame(to0)).toBe('delivered');
    expect(send(p1, [unicast(m0.mac, 1)], undefined, 1)).toBe(0);
    rxQueueStart(p1, 1);
    txQueueStart(p1, 1);
    expect(m1.receiveFrame(to1)).toBe('delivered');
    expect(drain(p1, 1).bytes).toEqual([to1]);
    expect(send(p1, [unicast(m0.mac, 2)], undefined, 1)).toBe(1);
    expect(drain(p0).bytes.length).toBe(1);
    stop(p1);
    stop(p0);
    expect(pool.availCount()).toBe(POOL_SIZE);
  });

  it('takes per-queue statistics from the device (RQSMR/TQSM one index per queue; QPRC, QBRC, QPTC, QBTC, QPRDC) under ethdev\'s rx_q<N>/tx_q<N> names', () => {
    setUp(p0, {}, 2);
    setUp(p1, RSS_TCP, 2);
    expect([m1.read32(R.RQSMR(0)), m1.read32(R.TQSM(1)), m1.read32(R.RQSMR(4))]).toEqual([0x03020100, 0x07060504, 0x03020100]);
    const [to0, to1] = flowPerQueue(parseMac(macAddrGet(p1)), 2);
    expect(send(p0, [to0, to0, to0], undefined, 0)).toBe(3);
    expect(send(p0, [to1, to1], undefined, 1)).toBe(2);
    // Nothing polled yet: the device counted the frames into each queue, ethdev's software counters did not.
    const rx = statsGet(p1);
    expect(rx.ipackets).toBe(0);
    expect(rx.qIpackets).toEqual([3, 2]);
    expect(rx.qIbytes).toEqual([3 * to0.length, 2 * to1.length]);
    const tx = statsGet(p0);
    expect(tx.qOpackets).toEqual([3, 2]);
    expect(tx.qObytes).toEqual([3 * to0.length, 2 * to1.length]);
    const names = xstatsGetNames(p1);
    expect(xstatsGet(p1)[names.indexOf('rx_q1_packets')]).toBe(2);
    expect(drain(p1, 0).bytes.length + drain(p1, 1).bytes.length).toBe(5);
    // A frame for a stopped queue is dropped there (QPRDC), and counts as that queue's error.
    rxQueueStop(p1, 1);
    expect(m1.receiveFrame(to1)).toBe('queue-disabled');
    expect(statsGet(p1).qErrors).toEqual([0, 1]);
    statsReset(p1);
    expect(statsGet(p1).qIpackets).toEqual([0, 0]);
    expect(statsGet(p1).qErrors).toEqual([0, 0]);
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

  it('gives each queue pair a q_vector of its own: a vector fires once per arming, and a queue wakes only its own', () => {
    setUp(p1, { intrConf: { rxq: true }, rxMode: { mqMode: 'rss' }, rss: { hf: RssHf.NONFRAG_IPV4_TCP } }, 2);
    const fds = [rxIntrFd(p1, 0), rxIntrFd(p1, 1)];
    expect(fds[0]).not.toBe(fds[1]);
    // Queue pair q is vector q + 1 for rx and tx alike (IVAR), the other causes vector 0 (IVAR_MISC).
    expect(m1.read32(R.IVAR(0))).toBe(((1 | 0x80) | ((1 | 0x80) << 8) | ((2 | 0x80) << 16) | ((2 | 0x80) << 24)) >>> 0);
    expect((m1.read32(R.IVAR_MISC) >>> 8) & 0xff).toBe(0x80);
    rxIntrEnable(p1, 0);
    rxIntrEnable(p1, 1);
    const mine = parseMac(macAddrGet(p1));
    const flowFor = (queue: number): Uint8Array => {
      for (let flow = 0; ; flow++) {
        const { frame, input } = tcpFrame(mine, flow);
        if ((toeplitzHash(DEFAULT_RSS_KEY, input) & 0x7f) % 2 === queue) return frame;
      }
    };
    m1.receiveFrame(flowFor(1));
    expect(epollWait(fds, 1000)).toEqual([fds[1]]);
    eventfdRead(fds[1]);
    // Auto-masked: a second frame does not fire until re-armed.
    m1.receiveFrame(flowFor(1));
    expect(epollWait(fds, 0)).toEqual([]);
    m1.receiveFrame(flowFor(0));
    expect(epollWait(fds, 1000)).toEqual([fds[0]]);
    expect(drain(p1, 1).bytes.length).toBe(2);
    expect(drain(p1, 0).bytes.length).toBe(1);
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

describe('net_ixgbe refusing bad devices and bad set-ups', () => {
  afterEach(async () => {
    await bench.close();
  });

  it('fails the probe of a device whose EEPROM checksum is wrong, leaving no port', async () => {
    bench = await IxgbeModelBench.create({ ports: 1 });
    bench.models[0].corruptEepromChecksum();
    eal = await bench.init(['-a', bench.addresses[0]], { drivers: [netIxgbeDriver] });
    const dev = pci(eal).device(bench.addresses[0]);
    expect(dev?.state).toBe('failed');
    expect(dev?.error).toMatch(/EEPROM checksum/);
    expect(() => portIdByName(bench.addresses[0], eal)).toThrow();
  });

  it('fails the probe of a device that reads all ones, naming it', async () => {
    bench = await IxgbeModelBench.create({ ports: 1 });
    bench.models[0].surpriseRemove();
    eal = await bench.init(['-a', bench.addresses[0]], { drivers: [netIxgbeDriver] });
    expect(pci(eal).device(bench.addresses[0])?.error).toMatch(/all ones/);
  });

  it('probes an SFP+ port with its cage empty, and its link stays down', async () => {
    bench = await IxgbeModelBench.create({ ports: 1 });
    bench.models[0].setModule(false);
    eal = await bench.init(['-a', bench.addresses[0]], { drivers: [netIxgbeDriver] });
    const port = portIdByName(bench.addresses[0], eal);
    pool = pktmbufPoolCreate(eal.arena, 'p', 511);
    configure(port, 1, 1);
    rxQueueSetup(port, 0, RING, undefined, pool);
    txQueueSetup(port, 0, RING);
    start(port);
    expect(linkGetNowait(port).up).toBe(false);
  });

  it('refuses an rx pool whose buffers are smaller than 1 KiB and ring sizes outside 64-8192 or not a multiple of 8', async () => {
    bench = await IxgbeModelBench.create({ ports: 1 });
    eal = await bench.init(['-a', bench.addresses[0]], { drivers: [netIxgbeDriver] });
    const port = portIdByName(bench.addresses[0], eal);
    const tiny = pktmbufPoolCreate(eal.arena, 'tiny', 255, 0, 0, 128 + 512);
    configure(port, 1, 1);
    expect(errorCode(() => rxQueueSetup(port, 0, RING, undefined, tiny))).toBe('NIC_EINVAL');
    const normal = pktmbufPoolCreate(eal.arena, 'normal', 255);
    expect(errorCode(() => rxQueueSetup(port, 0, 100, undefined, normal))).toBe('NIC_EINVAL');
    expect(errorCode(() => rxQueueSetup(port, 0, 32, undefined, normal))).toBe('NIC_EINVAL');
    expect(errorCode(() => rxQueueSetup(port, 0, 16384, undefined, normal))).toBe('NIC_EINVAL');
  });

  it('fails start with NIC_ENOMEM, and holds no mbuf, when the pool cannot fill the ring', async () => {
    bench = await IxgbeModelBench.create({ ports: 1 });
    eal = await bench.init(['-a', bench.addresses[0]], { drivers: [netIxgbeDriver] });
    const port = portIdByName(bench.addresses[0], eal);
    const small = pktmbufPoolCreate(eal.arena, 'small', 63);
    configure(port, 1, 1);
    rxQueueSetup(port, 0, RING, undefined, small);
    txQueueSetup(port, 0, RING);
    expect(errorCode(() => start(port))).toBe('NIC_ENOMEM');
    expect(small.availCount()).toBe(63);
  });
});
