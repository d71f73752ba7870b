import { describe, expect, it } from 'vitest';
import { MRQC_RSS_FIELD_IPV4, MRQC_RSS_FIELD_IPV4_TCP, MRQC_RSS_FIELD_IPV6, MRQC_RSS_FIELD_IPV6_TCP } from './rss.js';
import { l4v6Frame, MS_IPV4_VECTORS, MS_IPV6_VECTORS, MS_RSS_KEY, tcp4Frame, toeplitzByDefinition } from './__fixtures__/rss-vectors.js';
import { parsePacket, PKT_TYPE_IPV4, PKT_TYPE_TCP, RSS_TYPE_IPV4, RSS_TYPE_IPV4_TCP, RSS_TYPE_IPV6, RSS_TYPE_IPV6_TCP, RSS_TYPE_NONE, rssInput, rssType, toeplitzHash } from './rss.js';

describe('Toeplitz hash (Microsoft RSS verification suite)', () => {
  it.each(MS_IPV4_VECTORS)('hashes $src -> $dst', (v) => {
    const frame = tcp4Frame(v.src, v.dst, v.sport, v.dport);
    const packet = parsePacket(frame, 0x8100);
    expect(packet.packetType).toBe(PKT_TYPE_IPV4 | PKT_TYPE_TCP);
    expect(toeplitzHash(MS_RSS_KEY, rssInput(frame, packet, RSS_TYPE_IPV4))).toBe(v.ip);
    expect(toeplitzHash(MS_RSS_KEY, rssInput(frame, packet, RSS_TYPE_IPV4_TCP))).toBe(v.tcp);
  });

  it.each(MS_IPV6_VECTORS)('hashes IPv6 vector $sport -> $dport, with and without TCP ports', (v) => {
    const frame = l4v6Frame(v.src, v.dst, v.sport, v.dport);
    const packet = parsePacket(frame, 0x8100);
    expect(toeplitzHash(MS_RSS_KEY, rssInput(frame, packet, RSS_TYPE_IPV6))).toBe(v.ip);
    expect(toeplitzHash(MS_RSS_KEY, rssInput(frame, packet, RSS_TYPE_IPV6_TCP))).toBe(v.tcp);
  });

  it('agrees with the hash by definition on random keys and inputs', () => {
    let seed = 0x12345678;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    for (let n = 0; n < 200; n++) {
      const key = Uint8Array.from({ length: 40 }, next);
      const input = Uint8Array.from({ length: 1 + (next() % 36) }, next);
      expect(toeplitzHash(key, input)).toBe(toeplitzByDefinition(key, input));
    }
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
