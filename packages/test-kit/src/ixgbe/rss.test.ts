import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RXD_STAT_DD } from '../model/descriptors.js';
import { l4v6Frame, MS_IPV4_VECTORS, MS_IPV6_VECTORS, MS_RSS_KEY, tcp4Frame, toeplitzByDefinition, udp4Frame } from '../model/__fixtures__/rss-vectors.js';
import { PKT_TYPE_IPV4, PKT_TYPE_IPV6, PKT_TYPE_TCP, PKT_TYPE_UDP, RSS_TYPE_IPV4, RSS_TYPE_IPV4_TCP, RSS_TYPE_IPV4_UDP, RSS_TYPE_IPV6_TCP } from '../model/rss.js';
import { enableRx, RxRing, TestMemory } from './__fixtures__/rings.js';
import { IxgbeModel } from './model.js';
import * as R from './regs.js';

const ALL_FIELDS =
  R.MRQC_RSS_FIELD_IPV4 | R.MRQC_RSS_FIELD_IPV4_TCP | R.MRQC_RSS_FIELD_IPV4_UDP | R.MRQC_RSS_FIELD_IPV6 | R.MRQC_RSS_FIELD_IPV6_TCP | R.MRQC_RSS_FIELD_IPV6_UDP;

let model: IxgbeModel;
let mem: TestMemory;
let rings: RxRing[];
/** Descriptors used so far per queue. */
let next: number[];

beforeEach(() => {
  model = new IxgbeModel({ mac: '02:00:00:00:00:0b' });
  mem = new TestMemory([model], 4 << 20);
  enableRx(model, R.FCTRL_MPE);
  rings = Array.from({ length: 16 }, (_, q) => new RxRing(R, model, mem, q, 8));
  next = new Array<number>(16).fill(0);
  setKey(MS_RSS_KEY);
  // RETA entry i holds queue i % 16 (one byte per entry, four per register).
  for (let i = 0; i < 32; i++) model.write32(R.RETA + 4 * i, (4 * i) % 16 | (((4 * i + 1) % 16) << 8) | (((4 * i + 2) % 16) << 16) | (((4 * i + 3) % 16) << 24));
  model.write32(R.MRQC, R.MRQC_RSSEN | ALL_FIELDS);
  model.write32(R.RXCSUM, R.RXCSUM_PCSD);
});

afterEach(() => mem.release());

function setKey(key: Uint8Array): void {
  for (let i = 0; i < 10; i++) model.write32(R.RSSRK + 4 * i, new DataView(key.buffer, key.byteOffset).getUint32(4 * i, true));
}

/** Receives `frame`; returns the queue it landed on and its descriptor's first two dwords. */
function receive(frame: Uint8Array): { queue: number; info: number; rss: number } {
  expect(model.receiveFrame(frame)).toBe('delivered');
  const queue = rings.findIndex((r, q) => (r.status(next[q]) & RXD_STAT_DD) !== 0);
  expect(queue).toBeGreaterThanOrEqual(0);
  const i = next[queue]++;
  return { queue, info: rings[queue].dword(i, 0), rss: rings[queue].dword(i, 1) };
}

describe('RSS on the 82599 model (Microsoft verification suite)', () => {
  it.each(MS_IPV4_VECTORS)('puts IPv4/TCP $src:$sport -> $dst:$dport on RETA[hash & 127] with hash $tcp and type 1', (v) => {
    const got = receive(tcp4Frame(v.src, v.dst, v.sport, v.dport, [...model.mac]));
    expect(got.rss).toBe(v.tcp);
    expect(got.queue).toBe((v.tcp & 0x7f) % 16);
    expect(got.info & 0xfff).toBe(RSS_TYPE_IPV4_TCP | PKT_TYPE_IPV4 | PKT_TYPE_TCP);
  });

  it.each(MS_IPV6_VECTORS)('puts IPv6/TCP vector $sport -> $dport on its RETA queue with hash $tcp', (v) => {
    const got = receive(l4v6Frame(v.src, v.dst, v.sport, v.dport));
    expect(got.rss).toBe(v.tcp);
    expect(got.queue).toBe((v.tcp & 0x7f) % 16);
    expect(got.info & 0xfff).toBe(RSS_TYPE_IPV6_TCP | PKT_TYPE_IPV6 | PKT_TYPE_TCP);
  });

  it('hashes addresses only when MRQC leaves the ports out, and UDP ports only with the UDP field', () => {
    model.write32(R.MRQC, R.MRQC_RSSEN | R.MRQC_RSS_FIELD_IPV4);
    const v = MS_IPV4_VECTORS[2];
    const ip = receive(tcp4Frame(v.src, v.dst, v.sport, v.dport, [...model.mac]));
    expect(ip.rss).toBe(v.ip);
    expect(ip.info & 0xf).toBe(RSS_TYPE_IPV4);
    const udp = receive(udp4Frame(v.src, v.dst, v.sport, v.dport, [...model.mac]));
    expect(udp.rss).toBe(v.ip);
    expect(udp.info & 0xfff).toBe(RSS_TYPE_IPV4 | PKT_TYPE_IPV4 | PKT_TYPE_UDP);
    model.write32(R.MRQC, R.MRQC_RSSEN | R.MRQC_RSS_FIELD_IPV4 | R.MRQC_RSS_FIELD_IPV4_UDP);
    const ports = receive(udp4Frame(v.src, v.dst, v.sport, v.dport, [...model.mac]));
    expect(ports.info & 0xf).toBe(RSS_TYPE_IPV4_UDP);
    expect(ports.rss).toBe(v.tcp);
  });

  it('agrees with the hash by definition under random keys, RETA tables and flows', () => {
    let seed = 0xc0ffee;
    const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    for (let round = 0; round < 4; round++) {
      const key = Uint8Array.from({ length: 40 }, rnd);
      setKey(key);
      const reta = Uint8Array.from({ length: 128 }, () => rnd() % 16);
      for (let i = 0; i < 32; i++) model.write32(R.RETA + 4 * i, new DataView(reta.buffer).getUint32(4 * i, true));
      for (let n = 0; n < 6; n++) {
        const src = [rnd(), rnd(), rnd(), rnd()];
        const dst = [rnd(), rnd(), rnd(), rnd()];
        const sport = (rnd() << 8) | rnd();
        const dport = (rnd() << 8) | rnd();
        const input = Uint8Array.from([...src, ...dst, sport >> 8, sport & 0xff, dport >> 8, dport & 0xff]);
        const expected = toeplitzByDefinition(key, input);
        const got = receive(tcp4Frame(src, dst, sport, dport, [...model.mac]));
        expect(got.rss).toBe(expected);
        expect(got.queue).toBe(reta[expected & 0x7f]);
        for (const [q, ring] of rings.entries()) {
          if (next[q] < 6) continue;
          for (let i = 0; i < 8; i++) ring.rearm(i);
          model.write32(R.RDT(q), (model.read32(R.RDH(q)) + 7) % 8);
          next[q] = 0;
          model.write32(R.RDH(q), 0);
          model.write32(R.RDT(q), 7);
        }
      }
    }
  });

  it('uses queue 0 and reports no hash without MRQC.RSSEN, and no hash without RXCSUM.PCSD', () => {
    const v = MS_IPV4_VECTORS[1];
    const frame = tcp4Frame(v.src, v.dst, v.sport, v.dport, [...model.mac]);
    model.write32(R.RXCSUM, 0);
    const noPcsd = receive(frame);
    expect(noPcsd.queue).toBe((v.tcp & 0x7f) % 16);
    expect(noPcsd.rss).toBe(0);
    model.write32(R.MRQC, ALL_FIELDS);
    const off = receive(frame);
    expect(off.queue).toBe(0);
    expect(off.info & 0xf).toBe(0);
    expect(off.info & 0xfff0).toBe(PKT_TYPE_IPV4 | PKT_TYPE_TCP);
  });

  it('hashes no ports of an IPv4 fragment', () => {
    const v = MS_IPV4_VECTORS[3];
    const fragment = tcp4Frame(v.src, v.dst, v.sport, v.dport, [...model.mac]);
    fragment[14 + 6] = 0x20;
    const got = receive(fragment);
    expect(got.rss).toBe(v.ip);
    expect(got.info & 0xf).toBe(RSS_TYPE_IPV4);
  });
});
