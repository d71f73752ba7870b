import { describe, expect, it } from 'vitest';
import { MRQC_RSS_FIELD_IPV4, MRQC_RSS_FIELD_IPV4_TCP, MRQC_RSS_FIELD_IPV6, MRQC_RSS_FIELD_IPV6_TCP } from './rss.js';
import { MS_IPV4_VECTORS, MS_RSS_KEY, tcp4Frame } from './__fixtures__/rss-vectors.js';
import { parsePacket, PKT_TYPE_IPV4, PKT_TYPE_TCP, RSS_TYPE_IPV4, RSS_TYPE_IPV4_TCP, RSS_TYPE_IPV6_TCP, RSS_TYPE_NONE, rssInput, rssType, toeplitzHash } from './rss.js';

function tcp6Frame(src: readonly number[], dst: readonly number[], sport: number, dport: number): Uint8Array {
  const f = new Uint8Array(14 + 40 + 20);
  f.set([0x33, 0x33, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 1, 0x86, 0xdd, 0x60], 0);
  f[14 + 5] = 20;
  f[14 + 6] = 6;
  f.set(src, 22);
  f.set(dst, 38);
  f.set([sport >> 8, sport & 0xff, dport >> 8, dport & 0xff], 54);
  return f;
}

describe('Toeplitz hash (Microsoft RSS verification suite)', () => {
  it.each(MS_IPV4_VECTORS)('hashes $src -> $dst', (v) => {
    const frame = tcp4Frame(v.src, v.dst, v.sport, v.dport);
    const packet = parsePacket(frame, 0x8100);
    expect(packet.packetType).toBe(PKT_TYPE_IPV4 | PKT_TYPE_TCP);
    expect(toeplitzHash(MS_RSS_KEY, rssInput(frame, packet, RSS_TYPE_IPV4))).toBe(v.ip);
    expect(toeplitzHash(MS_RSS_KEY, rssInput(frame, packet, RSS_TYPE_IPV4_TCP))).toBe(v.tcp);
  });

  it('hashes IPv6 with TCP ports', () => {
    // 3ffe:2501:200:1fff::7 port 2794 -> 3ffe:2501:200:3::1 port 1766.
    const src = [0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x1f, 0xff, 0, 0, 0, 0, 0, 0, 0, 7];
    const dst = [0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 1];
    const frame = tcp6Frame(src, dst, 2794, 1766);
    const packet = parsePacket(frame, 0x8100);
    expect(toeplitzHash(MS_RSS_KEY, rssInput(frame, packet, RSS_TYPE_IPV6_TCP))).toBe(0x40207d3d);
  });
});

describe('rssType', () => {
  const v = MS_IPV4_VECTORS[0];
  const tcp = parsePacket(tcp4Frame(v.src, v.dst, v.sport, v.dport), 0x8100);

  it('follows the MRQC field bits', () => {
    expect(rssType(tcp, MRQC_RSS_FIELD_IPV4_TCP | MRQC_RSS_FIELD_IPV4)).toBe(RSS_TYPE_IPV4_TCP);
    expect(rssType(tcp, MRQC_RSS_FIELD_IPV4)).toBe(RSS_TYPE_IPV4);
    expect(rssType(tcp, MRQC_RSS_FIELD_IPV6 | MRQC_RSS_FIELD_IPV6_TCP)).toBe(RSS_TYPE_NONE);
  });

  it('does not hash ports of a fragment, nor anything of a non-IP frame', () => {
    const fragment = tcp4Frame(v.src, v.dst, v.sport, v.dport);
    fragment[14 + 6] = 0x20; // more fragments
    expect(rssType(parsePacket(fragment, 0x8100), MRQC_RSS_FIELD_IPV4_TCP)).toBe(RSS_TYPE_NONE);
    const arp = tcp4Frame(v.src, v.dst, v.sport, v.dport);
    arp[12] = 0x08;
    arp[13] = 0x06;
    expect(rssType(parsePacket(arp, 0x8100), MRQC_RSS_FIELD_IPV4 | MRQC_RSS_FIELD_IPV4_TCP)).toBe(RSS_TYPE_NONE);
  });
});
