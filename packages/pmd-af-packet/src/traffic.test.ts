import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MbufView, type Eal, type Mempool } from '@nic/eal';
import { close, rxBurst, statsGet, stop, txBurst, portIdByName } from '@nic/ethdev';
import {
  etherFrame,
  etherTypeOf,
  framePacket,
  framePackets,
  harnessEal,
  harnessPool,
  ip,
  isTestFrame,
  linkState,
  macOf,
  netns,
  packetBytes,
  receiveFrames,
  startPort,
  testFrame,
  until,
  vethPair,
  type Netns,
  type VethPair,
} from '@nic/test-kit';
import { NET_AF_PACKET, netAfPacketDriver } from './driver.js';
import {
  arpReplyFrom,
  arpRequest,
  ETHERTYPE_IPV4,
  icmpEcho,
  IPPROTO_ICMP,
  ipv4,
  ipv4Packet,
  KERNEL_TIER_MISSING,
  rawSend,
  udpFrame,
  vlanTagged,
} from './__fixtures__/net.js';

const BURST = 32;

let veth: VethPair;
let eal: Eal;
let pool: Mempool;
let mbufs: MbufView;
let device = 0;


/** An EAL instance with one started net_af_packet port on `iface`; its port id. */
async function port(iface: string, extra = '', queues = 1, poolSize = 1023): Promise<number> {
  const name = `${NET_AF_PACKET}${device++}`;
  eal = await harnessEal('af-packet-traffic', ['--vdev', `${name},iface=${iface}${extra}`], [netAfPacketDriver]);
  pool = harnessPool(eal, poolSize);
  mbufs = new MbufView(eal.arena);
  const id = portIdByName(name, eal);
  startPort(id, pool, queues);
  return id;
}

const receive = (id: number, count: number, keep: (f: Uint8Array) => boolean): Promise<Uint8Array[]> => receiveFrames(eal, id, count, keep);
const packet = (frame: Uint8Array, segment?: number): number => framePacket(eal, pool, frame, segment);
const packets = (frames: readonly Uint8Array[]): Uint32Array => framePackets(eal, pool, frames);

describe.skipIf(KERNEL_TIER_MISSING !== undefined)('net_af_packet moves real frames', () => {
  beforeAll(async () => {
    veth = await vethPair('tfa');
  });

  afterAll(() => veth.remove());

  afterEach(async () => {
    await eal?.cleanup();
  });

  it('receives frames sent from the peer end with their exact bytes, VLAN tags put back', async () => {
    const id = await port(veth.a);
    const frames = [testFrame(1, 60), testFrame(2, 1514), vlanTagged(testFrame(3, 200), 42, 5), testFrame(4, 64)];
    await rawSend(veth.b, frames);
    const got = await receive(id, frames.length, (f) => isTestFrame(f) || etherTypeOf(f) === 0x8100);
    expect(got.map((f) => Array.from(f))).toEqual(frames.map((f) => Array.from(f)));
    const stats = statsGet(id);
    expect(stats.ipackets).toBe(frames.length);
    expect(stats.ibytes).toBe(60 + 1514 + 204 + 64);
    stop(id);
    close(id);
    expect(pool.availCount()).toBe(1023);
  });

  it('transmits frames a kernel in another namespace answers: ARP, then ICMP echoes of one and of three segments', async () => {
    const ns: Netns = netns('nfa');
    const pair = await vethPair('qfa');
    try {
      ip('link', 'set', pair.b, 'netns', ns.name);
      ns.ip('addr', 'add', '192.0.2.2/24', 'dev', pair.b);
      ns.ip('link', 'set', pair.b, 'up');
      await until('the pair to come up across namespaces', () => linkState(pair.a).operstate === 'UP' && linkState(pair.b, ns).operstate === 'UP');
      // Transmitting with the qdisc bypassed.
      const id = await port(pair.a, ',qdisc_bypass=1');
      const mine = macOf(pair.a);
      const me = ipv4('192.0.2.1');
      const them = ipv4('192.0.2.2');
      const rxBefore = linkState(pair.b, ns).rxPackets;
      expect(txBurst(id, 0, packets([arpRequest(mine, me, them)]), 1)).toBe(1);
      const [reply] = await receive(id, 1, (f) => arpReplyFrom(f, them) !== undefined);
      const theirs = arpReplyFrom(reply, them) ?? new Uint8Array(6);
      expect(Array.from(theirs)).toEqual(Array.from(macOf(pair.b, ns)));
      expect(Array.from(reply.subarray(0, 6))).toEqual(Array.from(mine));

      const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
      const echo = (seq: number): Uint8Array => etherFrame(theirs, mine, ETHERTYPE_IPV4, ipv4Packet(me, them, IPPROTO_ICMP, icmpEcho(0x4e49, seq, data)));
      const isReply = (f: Uint8Array): boolean => etherTypeOf(f) === ETHERTYPE_IPV4 && f[23] === IPPROTO_ICMP && f[34] === 0;
      for (const [seq, segment] of [[1, 2000], [2, 400]]) {
        expect(txBurst(id, 0, Uint32Array.of(packet(echo(seq), segment)), 1)).toBe(1);
        const [pong] = await receive(id, 1, isReply);
        // An echo reply from them to me, with our identifier, sequence and data.
        expect(Array.from(pong.subarray(26, 34))).toEqual([...them, ...me]);
        expect(Array.from(pong.subarray(38, 42))).toEqual([0x4e, 0x49, 0, seq]);
        expect(Array.from(pong.subarray(42))).toEqual(Array.from(data));
      }
      expect(linkState(pair.b, ns).rxPackets).toBeGreaterThanOrEqual(rxBefore + 3);
      expect(statsGet(id)).toMatchObject({ opackets: 3, obytes: 42 + 2 * echo(1).length, oerrors: 0 });
    } finally {
      pair.remove();
      ns.remove();
    }
  });

  it('spreads flows over its queue pairs through the fanout group', async () => {
    const id = await port(veth.a, ',qpairs=2', 2);
    const flows = Array.from({ length: 64 }, (_, i) => udpFrame(2000 + i, Uint8Array.of(2, 0, 0, 0, 0, 9)));
    await rawSend(veth.b, flows);
    const isUdp = (f: Uint8Array): boolean => etherTypeOf(f) === ETHERTYPE_IPV4 && f[23] === 17;
    const ports: number[][] = [[], []];
    const handles = new Uint32Array(BURST);
    await until('every flow', () => {
      for (const q of [0, 1]) {
        const n = rxBurst(id, q, handles, BURST);
        for (let i = 0; i < n; i++) {
          const f = packetBytes(eal, handles[i]);
          if (isUdp(f)) ports[q].push((f[34] << 8) | f[35]);
        }
        mbufs.freeBulk(handles, n);
      }
      return ports[0].length + ports[1].length >= 64;
    });
    expect(ports[0].length).toBeGreaterThan(0);
    expect(ports[1].length).toBeGreaterThan(0);
    expect([...ports[0], ...ports[1]].sort((x, y) => x - y)).toEqual(flows.map((_, i) => 2000 + i));
    const stats = statsGet(id);
    expect(stats.qIpackets).toEqual([ports[0].length, ports[1].length]);
  });

  it('counts frames the kernel dropped for want of ring space as imissed', async () => {
    // One 4 KiB block per ring: a flood overflows it while nobody polls.
    const id = await port(veth.a, ',blocksz=4096,framesz=2048,framecnt=2');
    await rawSend(veth.b, Array.from({ length: 64 }, (_, i) => testFrame(i, 1000)));
    const handles = new Uint32Array(BURST);
    let received = 0;
    await until('every frame to be received or missed', () => {
      const n = rxBurst(id, 0, handles, BURST);
      mbufs.freeBulk(handles, n);
      received += n;
      return received + statsGet(id).imissed >= 64;
    });
    const stats = statsGet(id);
    expect(stats.imissed).toBeGreaterThan(0);
    expect(stats.ipackets + stats.imissed).toBe(64);
  });

  it('drops what arrives while the pool is empty, counting rx_nombuf', async () => {
    const id = await port(veth.a, '', 1, 16);
    const hold = new Uint32Array(16);
    expect(mbufs.allocBulk(pool, hold, 16)).toBe(0);
    await rawSend(veth.b, [testFrame(7), testFrame(8), testFrame(9)]);
    const handles = new Uint32Array(BURST);
    await until('three allocation failures', () => {
      expect(rxBurst(id, 0, handles, BURST)).toBe(0);
      return statsGet(id).rxNombuf >= 3;
    });
    expect(statsGet(id).rxNombuf).toBe(3);
    mbufs.freeBulk(hold, 16);
    // The frames were taken off the ring: nothing is left to receive.
    await rawSend(veth.b, [testFrame(10)]);
    const [next] = await receive(id, 1, isTestFrame);
    expect(next[15]).toBe(10);
  });

  it('refuses packets longer than the MTU allows or shorter than a header, as oerrors', async () => {
    const id = await port(veth.a);
    const handles = packets([testFrame(1, 1600), new Uint8Array(10), testFrame(2, 1518)]);
    expect(txBurst(id, 0, handles, 3)).toBe(3);
    expect(statsGet(id)).toMatchObject({ opackets: 1, obytes: 1518, oerrors: 2 });
    expect(pool.availCount()).toBe(1023);
  });
});
