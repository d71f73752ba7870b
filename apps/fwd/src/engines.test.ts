import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MBUF_HDR_SIZE, MBUF_HEADROOM, MbufView, memzoneReserve, pktmbufPoolCreate, type Eal, type Mempool } from '@nic/eal';
import { parseMac } from '@nic/ethdev';
import { lcoreArgs } from '@nic/test-kit/models';
import { testEal } from './__fixtures__/harness.js';
import type { Stream } from './config.js';
import { ENGINES, type EngineContext } from './engines/index.js';
import { packetWriter } from './engines/packet-writer.js';
import { buildUdpFrame } from './engines/txonly.js';
import { ETH_HDR_LEN, IP_HDR_LEN, ipv4Checksum, readBe16 } from './frame.js';
import { DEFAULT_OPTIONS, type ForwardMode } from './options.js';
import { txonlyConfig } from './forwarder.js';

const TX_MAC = '0a:00:00:00:00:aa';
const PEER_MAC = '0e:00:00:00:00:bb';
const FRAME_LEN = 80;
const BURST = 4;

let eal: Eal;
let pool: Mempool;
let mbufs: MbufView;

beforeAll(async () => {
  eal = await testEal('engines', lcoreArgs(1));
  pool = pktmbufPoolCreate(eal.arena, 'engine_pool', 255);
  mbufs = new MbufView(eal.arena);
});

afterAll(async () => {
  await eal.cleanup();
});

function context(mode: ForwardMode, txonly = txonlyConfig(DEFAULT_OPTIONS)): EngineContext {
  const stream: Stream = { mode, rxPort: 2, rxQueue: 0, txPort: 5, txQueue: 0 };
  return { stream, mbufs, u8: eal.arena.u8, u32: eal.arena.u32, pool, txMac: parseMac(TX_MAC), peerMac: parseMac(PEER_MAC), txonly };
}

/** A burst of frames whose byte i is (packet * 16 + i) & 0xff. */
function frames(): Uint32Array {
  const handles = new Uint32Array(BURST);
  expect(mbufs.allocBulk(pool, handles, BURST)).toBe(0);
  handles.forEach((h, p) => {
    mbufs.setDataLen(h, FRAME_LEN);
    mbufs.setPktLen(h, FRAME_LEN);
    for (let i = 0; i < FRAME_LEN; i++) eal.arena.u8[mbufs.mtod(h) + i] = (p * 16 + i) & 0xff;
  });
  return handles;
}

function bytes(h: number, length = FRAME_LEN): number[] {
  const at = mbufs.mtod(h);
  return [...eal.arena.u8.subarray(at, at + length)];
}

function run(mode: ForwardMode): { before: number[][]; after: number[][] } {
  const handles = frames();
  const before = [...handles].map((h) => bytes(h));
  expect(ENGINES[mode].create(context(mode)).apply(handles, BURST)).toBe(BURST);
  const after = [...handles].map((h) => bytes(h));
  mbufs.freeBulk(handles, BURST);
  return { before, after };
}

const mac = (text: string): number[] => [...parseMac(text)];

describe('forwarding engines, byte by byte', () => {
  it('io and rxonly leave every byte alone', () => {
    for (const mode of ['io', 'rxonly'] as const) {
      const { before, after } = run(mode);
      expect(after).toEqual(before);
    }
    expect(ENGINES.rxonly.transmits).toBe(false);
    expect(ENGINES.io.transmits).toBe(true);
  });

  it('mac writes the peer address as destination and the tx port address as source, nothing else', () => {
    const { before, after } = run('mac');
    after.forEach((frame, p) => {
      expect(frame.slice(0, 6)).toEqual(mac(PEER_MAC));
      expect(frame.slice(6, 12)).toEqual(mac(TX_MAC));
      expect(frame.slice(12)).toEqual(before[p].slice(12));
    });
  });

  it('macswap exchanges destination and source, nothing else', () => {
    const { before, after } = run('macswap');
    after.forEach((frame, p) => {
      expect(frame.slice(0, 6)).toEqual(before[p].slice(6, 12));
      expect(frame.slice(6, 12)).toEqual(before[p].slice(0, 6));
      expect(frame.slice(12)).toEqual(before[p].slice(12));
    });
  });

  it('l2fwd writes 02:00:00:00:00:<tx port> and the tx port address, whatever the peer', () => {
    const { before, after } = run('l2fwd');
    after.forEach((frame, p) => {
      expect(frame.slice(0, 6)).toEqual([0x02, 0, 0, 0, 0, 5]);
      expect(frame.slice(6, 12)).toEqual(mac(TX_MAC));
      expect(frame.slice(12)).toEqual(before[p].slice(12));
    });
  });
});

describe('txonly', () => {
  const config = { ...txonlyConfig(DEFAULT_OPTIONS), flows: 3, udpSrc: 65534 };
  let burstArrays = 0;

  /** A burst array in the arena, as nic-fwd's loops have: txonly's writer reads the handles there. */
  function arenaHandles(n: number): Uint32Array {
    const zone = memzoneReserve(eal.arena, `engine_burst_${burstArrays++}`, n * Uint32Array.BYTES_PER_ELEMENT);
    return new Uint32Array(eal.arena.buffer, zone.offset, n);
  }

  it('builds a 64-byte UDP/IPv4 frame with a correct header checksum', () => {
    const frame = buildUdpFrame(txonlyConfig(DEFAULT_OPTIONS), parseMac(PEER_MAC), parseMac(TX_MAC));
    expect(frame.length).toBe(64);
    expect([...frame.subarray(0, 14)]).toEqual([...mac(PEER_MAC), ...mac(TX_MAC), 0x08, 0x00]);
    const ip = frame.subarray(ETH_HDR_LEN, ETH_HDR_LEN + IP_HDR_LEN);
    expect([...ip.subarray(0, 12)]).toEqual([0x45, 0, 0, 50, 0, 0, 0, 0, 64, 17, ...[...ip.subarray(10, 12)]]);
    expect([...ip.subarray(12, 20)]).toEqual([198, 18, 0, 1, 198, 18, 0, 2]);
    expect(readBe16(frame, ETH_HDR_LEN + 10)).toBe(ipv4Checksum(frame, ETH_HDR_LEN));
    // the one's complement sum over the whole header, checksum included, is 0xffff
    let sum = 0;
    for (let i = 0; i < IP_HDR_LEN; i += 2) sum += readBe16(ip, i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    expect(sum).toBe(0xffff);
    const udp = ETH_HDR_LEN + IP_HDR_LEN;
    expect([readBe16(frame, udp), readBe16(frame, udp + 2), readBe16(frame, udp + 4), readBe16(frame, udp + 6)]).toEqual([9, 9, 30, 0]);
    expect([...frame.subarray(udp + 8)].every((b) => b === 0)).toBe(true);
  });

  it('fills the burst with frames of the configured length, the flows cycling the UDP source port', () => {
    const handles = arenaHandles(5);
    const before = pool.availCount();
    expect(ENGINES.txonly.create(context('txonly', config)).apply(handles, 5)).toBe(5);
    expect(pool.availCount()).toBe(before - 5);
    const template = [...buildUdpFrame(config, parseMac(PEER_MAC), parseMac(TX_MAC)).subarray(0, config.length)];
    const udpSrc = ETH_HDR_LEN + IP_HDR_LEN;
    expect([...handles].map((h) => readBe16(eal.arena.u8, mbufs.mtod(h) + udpSrc))).toEqual([65534, 65535, 0, 65534, 65535]);
    for (const h of handles) {
      expect(mbufs.dataLen(h)).toBe(config.length);
      expect(mbufs.pktLen(h)).toBe(config.length);
      const frame = bytes(h, config.length);
      expect([...frame.slice(0, udpSrc), ...frame.slice(udpSrc + 2)]).toEqual([...template.slice(0, udpSrc), ...template.slice(udpSrc + 2)]);
    }
    mbufs.freeBulk(handles, 5);
  });

  /**
   * A pool of `n` mbufs, every one of them freed with its metadata and buffer dirtied the way
   * a received or forwarded packet leaves them: another data offset, offload flags, VLAN
   * tags, lengths, and bytes other than the frame's.
   */
  function dirtyPool(name: string, n: number, privSize = 0, dataRoomSize?: number): Mempool {
    const p = pktmbufPoolCreate(eal.arena, name, n, 0, privSize, dataRoomSize);
    const handles = arenaHandles(n);
    expect(mbufs.allocBulk(p, handles, n)).toBe(0);
    for (const h of handles) {
      eal.arena.u8.fill(0xee, h + MBUF_HDR_SIZE, mbufs.bufAddr(h) + mbufs.bufLen(h));
      mbufs.setDataOff(h, MBUF_HEADROOM + 6);
      mbufs.setDataLen(h, 333);
      mbufs.setPktLen(h, 333);
      mbufs.setOlFlagsLo(h, 0xffffffff);
      mbufs.setOlFlagsHi(h, 0x80000001);
      mbufs.setVlanTci(h, 0xabcd);
      mbufs.setVlanTciOuter(h, 0x1234);
    }
    mbufs.freeBulk(handles, n);
    expect(p.availCount()).toBe(n);
    return p;
  }

  it('gives mbufs freed with dirty metadata the default headroom, no flags or tags, and the frame length', () => {
    const n = 6;
    const dirty = dirtyPool('dirty_pool', n);
    const cfg = txonlyConfig(DEFAULT_OPTIONS);
    const handles = arenaHandles(n);
    expect(ENGINES.txonly.create({ ...context('txonly', cfg), pool: dirty }).apply(handles, n)).toBe(n);
    expect(dirty.availCount()).toBe(0);
    const template = [...buildUdpFrame(cfg, parseMac(PEER_MAC), parseMac(TX_MAC)).subarray(0, cfg.length)];
    for (const h of handles) {
      expect({
        dataOff: mbufs.dataOff(h),
        dataLen: mbufs.dataLen(h),
        pktLen: mbufs.pktLen(h),
        nbSegs: mbufs.nbSegs(h),
        olFlagsLo: mbufs.olFlagsLo(h),
        olFlagsHi: mbufs.olFlagsHi(h),
        vlanTci: mbufs.vlanTci(h),
        vlanTciOuter: mbufs.vlanTciOuter(h),
      }).toEqual({ dataOff: MBUF_HEADROOM, dataLen: cfg.length, pktLen: cfg.length, nbSegs: 1, olFlagsLo: 0, olFlagsHi: 0, vlanTci: 0, vlanTciOuter: 0 });
      expect(bytes(h, cfg.length)).toEqual(template);
    }
    mbufs.freeBulk(handles, n);
    dirty.free();
  });

  it.each([42, 60, 61, 63, 100, 127, 129, 1514])('writes exactly the template into dirty buffers for %i-byte frames', (length) => {
    const n = 3;
    const dirty = dirtyPool(`dirty_${length}`, n);
    const cfg = { ...txonlyConfig(DEFAULT_OPTIONS), length };
    const handles = arenaHandles(n);
    expect(ENGINES.txonly.create({ ...context('txonly', cfg), pool: dirty }).apply(handles, n)).toBe(n);
    const template = buildUdpFrame(cfg, parseMac(PEER_MAC), parseMac(TX_MAC)).subarray(0, length);
    // The frame's own fields follow the length: IPv4 total length and UDP length.
    expect(readBe16(template, ETH_HDR_LEN + 2)).toBe(length - ETH_HDR_LEN);
    expect(readBe16(template, ETH_HDR_LEN + IP_HDR_LEN + 4)).toBe(length - ETH_HDR_LEN - IP_HDR_LEN);
    for (const h of handles) {
      expect([mbufs.dataLen(h), mbufs.pktLen(h)]).toEqual([length, length]);
      expect(bytes(h, length)).toEqual([...template]);
    }
    mbufs.freeBulk(handles, n);
    dirty.free();
  });

  it.each([
    [64, 2176],
    [192, 1024],
  ])('writes the frame into the buffer of a pool with a %i-byte private area and a %i-byte data room, keeping buf_len', (privSize, dataRoom) => {
    const n = 4;
    const dirty = dirtyPool(`dirty_priv_${privSize}`, n, privSize, dataRoom);
    const cfg = txonlyConfig(DEFAULT_OPTIONS);
    const handles = arenaHandles(n);
    expect(ENGINES.txonly.create({ ...context('txonly', cfg), pool: dirty }).apply(handles, n)).toBe(n);
    const template = buildUdpFrame(cfg, parseMac(PEER_MAC), parseMac(TX_MAC)).subarray(0, cfg.length);
    for (const h of handles) {
      expect(mbufs.bufAddr(h)).toBe(h + MBUF_HDR_SIZE + privSize);
      expect([mbufs.bufLen(h), mbufs.vlanTciOuter(h), mbufs.dataOff(h)]).toEqual([dataRoom, 0, MBUF_HEADROOM]);
      expect(bytes(h, cfg.length)).toEqual([...template]);
      // The private area (filled with 0xee when dirtied below the buffer) is not written.
      expect(eal.arena.u8.subarray(h + MBUF_HDR_SIZE, h + MBUF_HDR_SIZE + privSize).every((b) => b === 0xee)).toBe(true);
    }
    mbufs.freeBulk(handles, n);
    dirty.free();
  });

  it('copies exactly a frame whose 8-byte groups read as NaN doubles (signalling NaN bits included)', () => {
    // Bytes 0-7 of the frame: the peer MAC, then f2 ff: as a little-endian double, exponent
    // all ones, quiet bit clear, mantissa non-zero. The same pattern follows in the source MAC.
    const txMac = parseMac('f2:ff:f2:ff:00:01');
    const n = 3;
    const dirty = dirtyPool('dirty_nan', n);
    const cfg = { ...txonlyConfig(DEFAULT_OPTIONS), length: 70 };
    const handles = arenaHandles(n);
    expect(ENGINES.txonly.create({ ...context('txonly', cfg), pool: dirty, txMac }).apply(handles, n)).toBe(n);
    const template = buildUdpFrame(cfg, parseMac(PEER_MAC), txMac).subarray(0, cfg.length);
    expect(Number.isNaN(new DataView(template.buffer).getFloat64(0, true))).toBe(true);
    for (const h of handles) expect(bytes(h, cfg.length)).toEqual([...template]);
    mbufs.freeBulk(handles, n);
    dirty.free();
  });

  it('makes no packet when the pool cannot give the whole burst', () => {
    const small = pktmbufPoolCreate(eal.arena, 'tiny_pool', 3);
    const handles = arenaHandles(4);
    expect(ENGINES.txonly.create({ ...context('txonly'), pool: small }).apply(handles, 4)).toBe(0);
    expect(small.availCount()).toBe(3);
    small.free();
  });

  it('refuses a burst array outside the arena, taking nothing from the pool', () => {
    const before = pool.availCount();
    const engine = ENGINES.txonly.create(context('txonly'));
    expect(() => engine.apply(new Uint32Array(4), 4)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL', message: expect.stringContaining('view of the arena') }));
    expect(pool.availCount()).toBe(before);
  });

  it('takes only frames that are zeros past their first 64 bytes, and no longer than the packets', () => {
    const buffers = { bufOffset: MBUF_HDR_SIZE, bufLen: 2176 };
    const frame = new Uint8Array(72);
    expect(() => packetWriter(frame, 72, eal.arena, buffers)).not.toThrow();
    frame[70] = 1;
    expect(() => packetWriter(frame, 72, eal.arena, buffers)).toThrow(/zeros past its first 64 bytes/);
    expect(() => packetWriter(new Uint8Array(80), 70, eal.arena, buffers)).toThrow(/longer than the 72 bytes/);
  });

  it('refuses frames larger than the data room', () => {
    const small = pktmbufPoolCreate(eal.arena, 'room_pool', 3, 0, 0, 256);
    expect(() => ENGINES.txonly.create({ ...context('txonly', { ...config, length: 200 }), pool: small })).toThrow(/do not fit/);
    small.free();
  });
});
