import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MBUF_F_RX_RSS_HASH, MBUF_F_RX_VLAN_STRIPPED, MbufView, pktmbufPoolCreate, type Eal, type Mempool } from '@nic/eal';
import {
  allmulticastEnable,
  configure,
  EthEvent,
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
  setMcAddrList,
  start,
  statsGet,
  stop,
  txBurst,
  txQueueSetup,
  vlanFilterSet,
  xstatsGet,
  xstatsGetNames,
} from '@nic/ethdev';
import { epollWait, eventfdRead } from '@nic/native';
import { pci } from '@nic/pci';
import { errorCode, etherFrame, framePacket, IgbModelBench, igbRegs, packetBytes, testFrame, toeplitzHash, until, type IgbModel } from '@nic/test-kit';
import { ethDevOf } from '@nic/ethdev/driver';
import { barRegisters, unpublishBar } from './bar.js';
import { DEFAULT_RSS_KEY, netE1000IgbDriver } from './index.js';

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
  bench = await IgbModelBench.create({ ports: 2, wire: true });
  eal = await bench.init(['-a', bench.addresses[0], '-a', bench.addresses[1]], { drivers: [netE1000IgbDriver] });
  pool = pktmbufPoolCreate(eal.arena, 'dp_pool', POOL_SIZE);
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

function send(port: number, frames: readonly Uint8Array[], segment?: number): number {
  const handles = Uint32Array.from(frames, (f) => framePacket(eal, pool, f, segment));
  const sent = txBurst(port, 0, handles, handles.length);
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

function unicast(dst: Uint8Array, tag: number, length = 100): Uint8Array {
  const f = testFrame(tag, length);
  f.set(dst, 0);
  return f;
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
    expect(statsGet(p1).imissed).toBeGreaterThanOrEqual(10);
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
    setUp(p1, { rxMode: { mqMode: 'rss', offloads: RxOffload.RSS_HASH }, rss: { hf: RssHf.NONFRAG_IPV4_TCP } }, 4);
    const seen = new Set<number>();
    for (let flow = 0; flow < 32; flow++) {
      // 40 bytes of IPv4 and TCP headers, padded to the 46 bytes of a minimum frame.
      const ip = new Uint8Array(46);
      ip.set([0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 1, flow]);
      ip.set([0x30, 0x39, 0, 80 + flow], 20);
      expect(m1.receiveFrame(etherFrame(parseMac(macAddrGet(p1)), Uint8Array.of(2, 0, 0, 0, 0, 1), 0x0800, ip))).toBe('delivered');
      // src ip, dst ip, src port, dst port: the hash input of IPv4/TCP
      const input = Uint8Array.of(10, 0, 0, 1, 10, 0, 1, flow, 0x30, 0x39, 0, 80 + flow);
      const hash = toeplitzHash(DEFAULT_RSS_KEY, input);
      const queue = (hash & 0x7f) % 4;
      const got = drain(p1, queue);
      expect(got.rss).toEqual([hash]);
      expect(got.flags[0] & MBUF_F_RX_RSS_HASH).not.toBe(0);
      seen.add(queue);
    }
    expect(seen.size).toBe(4);
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
  });

  it('raises INTR_RMV on surprise removal and detaches without touching the gone device', async () => {
    setUp(p0);
    let removed = -1;
    portCallbackRegister(p0, EthEvent.INTR_RMV, (port) => void (removed = port), undefined);
    m0.surpriseRemove();
    await until('a removal event', () => removed === p0);
    await eal.detach(bench.addresses[0]);
    expect(() => portIdByName(bench.addresses[0], eal)).toThrow();
    expect(pool.availCount()).toBe(POOL_SIZE);
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
