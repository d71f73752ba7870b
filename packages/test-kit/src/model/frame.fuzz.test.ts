/**
 * Fuzz target: the device models' frame parsing, over frames as they come from outside (a
 * UDP peer or QEMU's dgram netdev on the cable, a test's `receiveFrame`): the VLAN tag, the
 * IPv4/IPv6 and TCP/UDP headers RSS hashes and the descriptor reports, the redirection-table
 * choice, and the bytes a receive path stores.
 *
 * Two kinds of input: arbitrary bytes of any length (nothing may throw, every offset the
 * parser reports must lie inside the frame), and frames built layer by layer and then cut
 * at any length, whose expected parse the builder knows from how it built them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzz } from '@nic/native/testing';
import { FCS_LEN } from './crc.js';
import { destinationKind, storedFrame, TPID_8021Q, VLAN_TAG, vlanTci } from './frame.js';
import {
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  MRQC,
  parsePacket,
  PKT_TYPE_IPV4,
  PKT_TYPE_IPV6,
  PKT_TYPE_TCP,
  PKT_TYPE_UDP,
  RETA,
  RETA_ENTRIES,
  RETA_QUEUE_MASK,
  rssChoose,
  rssInput,
  RSS_TYPE_NONE,
  RSSRK,
  RSSRK_BYTES,
  type ParsedPacket,
  type RssChoice,
} from './rss.js';

const ETH_HEADER = 14;
const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const PORTS = 4;
/** Bytes of the register space the RSS registers live in (MRQC, RETA, RSSRK all below it). */
const RSS_REG_BYTES = 0x6000;

/** A frame built layer by layer, then cut to `length` bytes. */
interface Built {
  readonly frame: Uint8Array;
  readonly tpid: number;
  /** The parse a correct parser gives. */
  readonly expected: ParsedPacket;
}

const bytes = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n });
const be16 = (v: number): number[] => [v >>> 8, v & 0xff];

/** Frames whose layers are known: an optional tag, IPv4 (any IHL, fragments), IPv6 or other, TCP, UDP or other, cut anywhere. */
const built: fc.Arbitrary<Built> = fc
  .record({
    macs: bytes(12),
    tpid: fc.constantFrom(TPID_8021Q, 0x88a8),
    tagged: fc.boolean(),
    tci: fc.integer({ min: 0, max: 0xffff }),
    l3: fc.constantFrom('ipv4', 'ipv6', 'other'),
    otherType: fc.integer({ min: 0, max: 0xffff }).filter((t) => t !== ETHERTYPE_IPV4 && t !== ETHERTYPE_IPV6),
    ihl: fc.integer({ min: 0, max: 15 }),
    fragment: fc.constantFrom(0, 0x2000, 0x0001, 0x4000, 0x1fff),
    proto: fc.oneof(fc.constantFrom(IPPROTO_TCP, IPPROTO_UDP), fc.integer({ min: 0, max: 255 })),
    rest: fc.uint8Array({ maxLength: 120 }),
    cut: fc.nat(),
  })
  .map((b) => {
    const head = [...b.macs, ...(b.tagged ? [...be16(b.tpid), ...be16(b.tci)] : [])];
    const l3At = head.length + 2;
    const type = b.l3 === 'ipv4' ? ETHERTYPE_IPV4 : b.l3 === 'ipv6' ? ETHERTYPE_IPV6 : b.otherType;
    let l3: number[] = [];
    if (b.l3 === 'ipv4') {
      l3 = Array.from({ length: Math.max(IPV4_HEADER, b.ihl * 4) }, (_, i) => (i * 37 + 11) & 0xff);
      l3[0] = 0x40 | b.ihl;
      [l3[6], l3[7]] = be16(b.fragment);
      l3[9] = b.proto;
    } else if (b.l3 === 'ipv6') {
      l3 = Array.from({ length: IPV6_HEADER }, (_, i) => (i * 53 + 7) & 0xff);
      l3[0] = 0x60;
      l3[6] = b.proto;
    }
    const whole = Uint8Array.from([...head, ...be16(type), ...l3, ...b.rest]);
    const frame = whole.subarray(0, b.cut % (whole.length + 1));
    const length = frame.length;
    const notIp: ParsedPacket = { packetType: 0, addrAt: undefined, addrLen: 0, portsAt: undefined, ipv6: false, l4: undefined };
    // The tag is stepped over only when the frame holds the whole tag and the type after it.
    const tagStepped = b.tagged && length >= ETH_HEADER + VLAN_TAG;
    const seenType = !b.tagged ? type : tagStepped ? type : b.tpid;
    let expected = notIp;
    const l4 = b.proto === IPPROTO_TCP ? 'tcp' : b.proto === IPPROTO_UDP ? 'udp' : undefined;
    const l4Bits = l4 === 'tcp' ? PKT_TYPE_TCP : l4 === 'udp' ? PKT_TYPE_UDP : 0;
    if (seenType === ETHERTYPE_IPV4 && length >= l3At + IPV4_HEADER) {
      // An L4 header follows an unfragmented IPv4 header of at least the minimum size, whole.
      const portsAt = l3At + b.ihl * 4;
      const hasPorts = l4 !== undefined && (b.fragment & 0x3fff) === 0 && b.ihl >= 5 && portsAt + PORTS <= length;
      expected = { packetType: PKT_TYPE_IPV4 | (hasPorts ? l4Bits : 0), addrAt: l3At + 12, addrLen: 4, portsAt: hasPorts ? portsAt : undefined, ipv6: false, l4: hasPorts ? l4 : undefined };
    } else if (seenType === ETHERTYPE_IPV6 && length >= l3At + IPV6_HEADER) {
      const portsAt = l3At + IPV6_HEADER;
      const hasPorts = l4 !== undefined && portsAt + PORTS <= length;
      expected = { packetType: PKT_TYPE_IPV6 | (hasPorts ? l4Bits : 0), addrAt: l3At + 8, addrLen: 16, portsAt: hasPorts ? portsAt : undefined, ipv6: true, l4: hasPorts ? l4 : undefined };
    }
    return { frame, tpid: b.tpid, expected };
  });

/** Any bytes, any length up to a jumbo frame's start, with the IP EtherTypes and a tag made likely. */
const arbitrary = fc
  .record({ body: fc.uint8Array({ maxLength: 200 }), type: fc.constantFrom(undefined, ETHERTYPE_IPV4, ETHERTYPE_IPV6, TPID_8021Q), tpid: fc.oneof(fc.constant(TPID_8021Q), fc.integer({ min: 0, max: 0xffff })) })
  .map(({ body, type, tpid }) => {
    const frame = Uint8Array.from(body);
    if (type !== undefined && frame.length >= 14) frame.set(be16(type), 12);
    return { frame, tpid };
  });

/** RSS registers: MRQC, the redirection table and the key, all arbitrary, in one register file reused. */
const registers = new Uint32Array(RSS_REG_BYTES / 4);
const rssRegs = fc
  .record({ mrqc: fc.integer({ min: 0, max: 0xffffffff }), reta: fc.uint32Array({ minLength: RETA_ENTRIES / 4, maxLength: RETA_ENTRIES / 4 }), key: fc.uint32Array({ minLength: RSSRK_BYTES / 4, maxLength: RSSRK_BYTES / 4 }) })
  .map(({ mrqc, reta, key }) => {
    registers[MRQC >>> 2] = mrqc;
    registers.set(reta, RETA >>> 2);
    registers.set(key, RSSRK >>> 2);
    return registers;
  });

/** What is wrong with a parse of `frame`, or '' (offsets inside the frame, bits consistent). */
function parseFault(frame: Uint8Array, p: ParsedPacket): string {
  if (p.addrAt === undefined) return p.packetType === 0 && p.portsAt === undefined && p.l4 === undefined ? '' : 'no IP but packet type or ports';
  if (p.addrLen !== (p.ipv6 ? 16 : 4)) return `address length ${p.addrLen}`;
  if (p.addrAt + 2 * p.addrLen > frame.length) return `addresses at ${p.addrAt} past the ${frame.length}-byte frame`;
  if ((p.packetType & (PKT_TYPE_IPV4 | PKT_TYPE_IPV6)) !== (p.ipv6 ? PKT_TYPE_IPV6 : PKT_TYPE_IPV4)) return `packet type ${p.packetType}`;
  if (p.portsAt === undefined) return p.l4 === undefined && (p.packetType & (PKT_TYPE_TCP | PKT_TYPE_UDP)) === 0 ? '' : 'L4 type without ports';
  if (p.portsAt < p.addrAt + 2 * p.addrLen) return `ports at ${p.portsAt} inside the IP header`;
  if (p.portsAt + PORTS > frame.length) return `ports at ${p.portsAt} past the ${frame.length}-byte frame`;
  return (p.packetType & (PKT_TYPE_TCP | PKT_TYPE_UDP)) === (p.l4 === 'tcp' ? PKT_TYPE_TCP : PKT_TYPE_UDP) ? '' : `packet type ${p.packetType} for ${p.l4}`;
}

describe('the device models parse frames from the cable', () => {
  it('arbitrary bytes: nothing throws, every offset lies inside the frame, RSS picks a queue of the table', async () => {
    const key = new Uint8Array(RSSRK_BYTES);
    const choice: RssChoice = { type: 0, hash: 0, queue: 0 };
    await fuzz('model frame parser (arbitrary bytes)', (s) =>
      fc.assert(
        fc.property(arbitrary, rssRegs, fc.boolean(), ({ frame, tpid }, regs, rssOn) => {
          const packet = parsePacket(frame, tpid);
          expect(parseFault(frame, packet)).toBe('');
          const tci = vlanTci(frame, tpid);
          expect(tci >= -1 && tci <= 0xffff).toBe(true);
          expect(['unicast', 'multicast', 'broadcast']).toContain(destinationKind(frame));
          const { type, hash, queue } = rssChoose(regs, frame, packet, rssOn, key, choice);
          expect(queue >= 0 && queue <= RETA_QUEUE_MASK).toBe(true);
          if (!rssOn || packet.addrAt === undefined) expect([type, hash, queue]).toEqual([RSS_TYPE_NONE, 0, 0]);
          if (type !== RSS_TYPE_NONE) expect(rssInput(frame, packet, type).length).toBeGreaterThanOrEqual(2 * packet.addrLen);
          // What a receive path stores: the tag out only when there is one, the FCS after.
          const strip = tci >= 0;
          const stored = storedFrame(frame, strip, true, false);
          expect(stored.length).toBe(frame.length - (strip ? VLAN_TAG : 0) + FCS_LEN);
        }),
        s,
      ),
    );
  });

  it('frames built layer by layer and cut anywhere: the parse the builder expects', async () => {
    await fuzz('model frame parser (built frames)', (s) =>
      fc.assert(
        fc.property(built, ({ frame, tpid, expected }) => {
          expect(parsePacket(frame, tpid)).toEqual(expected);
        }),
        s,
      ),
    );
  });

  it('an IPv4 header claiming fewer than 20 bytes (IHL below 5) has no TCP/UDP ports (found by the fuzz target)', () => {
    const frame = new Uint8Array(64);
    frame.set(be16(ETHERTYPE_IPV4), 12);
    frame[14] = 0x40; // IHL 0: the "ports" would be the IP header's own first bytes
    frame[14 + 9] = IPPROTO_UDP;
    expect(parsePacket(frame, TPID_8021Q)).toEqual({ packetType: PKT_TYPE_IPV4, addrAt: 26, addrLen: 4, portsAt: undefined, ipv6: false, l4: undefined });
  });
});
