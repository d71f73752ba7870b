import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addon } from './addon.js';
import {
  attach,
  NicError,
  PACKET_BROADCAST,
  PACKET_OUTGOING,
  packetMembership,
  packetOpen,
  packetRingBytes,
  packetStatistics,
  packetTxKick,
  TP_STATUS_AVAILABLE,
  TP_STATUS_SEND_REQUEST,
  TP_STATUS_USER,
  type PacketSocket,
  type PacketSocketOptions,
} from './index.js';
import * as layout from './packet-layout.js';
import { KERNEL_TIER_MISSING, receive, RingAccess } from './__fixtures__/netdev.js';
import { ip, linkState, testFrame, until, vethPair, type VethPair } from './testing/index.js';

/** DPDK's af_packet defaults: 4 KiB blocks, 2 KiB frames, 512 frames. */
const RING: PacketSocketOptions = { blockSize: 4096, blockCount: 256, frameSize: 2048, frameCount: 512, retireTimeoutMs: 1 };

let veth: VethPair;
const sockets: PacketSocket[] = [];

function open(ifname: string, options: Partial<PacketSocketOptions> = {}): PacketSocket {
  const socket = packetOpen(ifname, { ...RING, ...options });
  sockets.push(socket);
  return socket;
}

function thrown(fn: () => unknown): NicError {
  try {
    fn();
  } catch (e) {
    if (e instanceof NicError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

describe('packet ring layout', () => {
  it('names every offset, size and status bit as <linux/if_packet.h> defines it', () => {
    const named = layout as unknown as Record<string, unknown>;
    for (const [name, value] of Object.entries(addon.packetLayout)) expect(named[name], name).toBe(value);
    expect(Object.keys(addon.packetLayout).length).toBeGreaterThan(50);
  });

  it('places tx frames block by block', () => {
    const g = { blockSize: 8192, blockCount: 2, frameSize: 3072, frameCount: 4 };
    expect([0, 1, 2, 3].map((i) => layout.packetTxFrameOffset(g, i))).toEqual([16384, 16384 + 3072, 16384 + 8192, 16384 + 8192 + 3072]);
  });
});

describe.skipIf(KERNEL_TIER_MISSING !== undefined)('packetOpen', () => {
  beforeAll(async () => {
    veth = await vethPair('npk');
  });

  afterAll(() => veth.remove());

  it('refuses an unknown interface with NIC_ENODEV naming it', () => {
    const e = thrown(() => packetOpen('nic-no-such', RING));
    expect(e.code).toBe('NIC_ENODEV');
    expect(e.message).toContain('nic-no-such');
  });

  it('names the ring rule a bad geometry breaks', () => {
    const cases: [Partial<PacketSocketOptions>, RegExp][] = [
      [{ blockSize: 1000 }, /block size 1000 must be a non-zero multiple of the page size/],
      [{ blockCount: 0, frameCount: 0 }, /block count must be at least 1/],
      [{ frameSize: 2040 }, /frame size 2040 must be a non-zero multiple of TPACKET_ALIGNMENT \(16\)/],
      [{ frameSize: 1024, frameCount: 1024 }, /frame size 1024 cannot hold a frame of the interface's MTU 1500: it needs 48 header bytes \+ 1500 \+ 14 = 1562/],
      [{ frameSize: 8192 }, /frame size 8192 is larger than the block size 4096/],
      [{ frameCount: 500 }, /frame count 500 must be block count 256 x frames per block 2 = 512/],
    ];
    for (const [options, rule] of cases) {
      const e = thrown(() => packetOpen(veth.a, { ...RING, ...options }));
      expect(e.code, String(rule)).toBe('NIC_EINVAL');
      expect(e.message).toMatch(rule);
      expect(e.message).toContain(veth.a);
    }
  });

  it('maps the rx ring then the tx ring as one registered region', () => {
    const s = open(veth.a);
    expect(s.ring.length).toBe(2 * packetRingBytes(RING));
    expect(s.txRingOffset).toBe(packetRingBytes(RING));
    expect(s.ifindex).toBe(linkState(veth.a).ifindex);
    expect(s.fanoutGroup).toBe(-1);
    // Every tx frame starts free; another view by address sees the same bytes.
    const access = new RingAccess(s);
    expect(access.txStatus(0)).toBe(TP_STATUS_AVAILABLE);
    expect(access.txStatus(RING.frameCount - 1)).toBe(TP_STATUS_AVAILABLE);
    const other = new Uint8Array(attach(s.ring.address, s.ring.length));
    new Uint8Array(s.ring.buffer)[s.txRingOffset + 100] = 0x5a;
    expect(other[s.txRingOffset + 100]).toBe(0x5a);
  });

  it('carries frames both ways with their exact bytes, one kick per burst', async () => {
    const a = new RingAccess(open(veth.a));
    const b = new RingAccess(open(veth.b));
    const frames = [testFrame(1, 60), testFrame(2, 1514), testFrame(3, 333)];
    expect(b.send(frames)).toBe(60 + 1514 + 333);
    const got = await receive(a, 3);
    expect(got.map((p) => Array.from(p.data))).toEqual(frames.map((f) => Array.from(f)));
    for (const p of got) {
      expect(p.len).toBe(p.snaplen);
      expect(p.status & TP_STATUS_USER).toBe(TP_STATUS_USER);
      expect(p.pktType).toBe(PACKET_BROADCAST);
    }
    expect(b.txStatus(0)).toBe(TP_STATUS_AVAILABLE);
    const back = [testFrame(4, 64)];
    a.send(back);
    expect((await receive(b, 1)).map((p) => Array.from(p.data))).toEqual([Array.from(back[0])]);
  });

  it('holds requested frames while the interface is down and sends them at a later kick', async () => {
    const a = new RingAccess(open(veth.a));
    const s = open(veth.b);
    const b = new RingAccess(s);
    ip('link', 'set', veth.b, 'down');
    try {
      expect(b.queue([testFrame(9)])).toBe(1);
      expect(packetTxKick(s.fd)).toBeLessThan(0);
      expect(b.txStatus(0)).toBe(TP_STATUS_SEND_REQUEST);
    } finally {
      ip('link', 'set', veth.b, 'up');
    }
    await until('the link to come back', () => linkState(veth.b).operstate === 'UP');
    // The ENETDOWN the kernel left on the socket does not stop this kick.
    expect(packetTxKick(s.fd)).toBe(100);
    expect(b.txStatus(0)).toBe(TP_STATUS_AVAILABLE);
    expect(Array.from((await receive(a, 1))[0].data)).toEqual(Array.from(testFrame(9)));
  });

  it('sees outgoing frames of other sockets unless told to ignore them', async () => {
    const sender = new RingAccess(open(veth.b));
    const all = new RingAccess(open(veth.b));
    const incoming = open(veth.b, { ignoreOutgoing: true });
    sender.send([testFrame(5)]);
    const seen = await receive(all, 1);
    expect(seen[0].pktType).toBe(PACKET_OUTGOING);
    // Delivery to every socket of the interface happens in one pass, so by now `incoming`
    // would have counted the frame; its counters say it never saw one.
    expect(packetStatistics(incoming.fd).packets).toBe(0);
  });

  it('sends with the qdisc bypassed', async () => {
    const a = new RingAccess(open(veth.a));
    const b = new RingAccess(open(veth.b, { qdiscBypass: true }));
    b.send([testFrame(6)]);
    expect(Array.from((await receive(a, 1))[0].data)).toEqual(Array.from(testFrame(6)));
  });

  it('counts packets and drops, and resets the counters when read', async () => {
    // One block: it holds a few frames, the rest of a flood is dropped.
    const small = open(veth.a, { blockSize: 4096, blockCount: 1, frameSize: 2048, frameCount: 2 });
    const b = new RingAccess(open(veth.b));
    const flood = Array.from({ length: 64 }, (_, i) => testFrame(i, 1000));
    b.send(flood);
    let total = { packets: 0, drops: 0, freezeCount: 0 };
    await until('the flood to be counted', () => {
      const s = packetStatistics(small.fd);
      total = { packets: total.packets + s.packets, drops: total.drops + s.drops, freezeCount: total.freezeCount + s.freezeCount };
      return total.packets >= 64;
    });
    expect(total.packets).toBe(64);
    expect(total.drops).toBeGreaterThan(0);
    expect(total.drops).toBeLessThan(64);
    expect(total.freezeCount).toBeGreaterThanOrEqual(1);
    expect(packetStatistics(small.fd)).toEqual({ packets: 0, drops: 0, freezeCount: 0 });
  });

  it('spreads flows over a hash fanout group and delivers each frame once', async () => {
    const first = open(veth.a, { fanout: {} });
    expect(first.fanoutGroup).toBeGreaterThanOrEqual(0);
    const second = open(veth.a, { fanout: { group: first.fanoutGroup } });
    expect(second.fanoutGroup).toBe(first.fanoutGroup);
    const b = new RingAccess(open(veth.b));
    const flows = Array.from({ length: 64 }, (_, i) => udpFrame(1000 + i));
    b.send(flows);
    const q0 = new RingAccess(first);
    const q1 = new RingAccess(second);
    const got: number[][] = [[], []];
    const isUdp = (p: { data: Uint8Array }): boolean => p.data[12] === 0x08 && p.data[13] === 0x00 && p.data[23] === 17;
    await until('every flow', () => {
      got[0].push(...q0.take().filter(isUdp).map(sourcePort));
      got[1].push(...q1.take().filter(isUdp).map(sourcePort));
      return got[0].length + got[1].length >= 64;
    });
    expect(got[0].length).toBeGreaterThan(0);
    expect(got[1].length).toBeGreaterThan(0);
    expect([...got[0], ...got[1]].sort((x, y) => x - y)).toEqual(Array.from({ length: 64 }, (_, i) => 1000 + i));
  });

  it('refuses to join a fanout group of another interface, naming the group', () => {
    const first = open(veth.a, { fanout: {} });
    const e = thrown(() => open(veth.b, { fanout: { group: first.fanoutGroup } }));
    expect(e.code).toBe('NIC_EINVAL');
    expect(e.message).toContain(`joining hash fanout group ${first.fanoutGroup}`);
  });

  it('turns promiscuous and all-multicast modes on through memberships that end with the socket', () => {
    const s = open(veth.a);
    const before = linkState(veth.a);
    packetMembership(s.fd, s.ifindex, 'promisc', true);
    packetMembership(s.fd, s.ifindex, 'allmulti', true);
    expect(linkState(veth.a).promiscuity).toBe(before.promiscuity + 1);
    expect(linkState(veth.a).allmulti).toBe(before.allmulti + 1);
    packetMembership(s.fd, s.ifindex, 'allmulti', false);
    expect(linkState(veth.a).allmulti).toBe(before.allmulti);
    // Dropping a membership the socket does not hold changes nothing.
    packetMembership(s.fd, s.ifindex, 'allmulti', false);
    expect(linkState(veth.a).allmulti).toBe(before.allmulti);
    s.close();
    expect(linkState(veth.a).promiscuity).toBe(before.promiscuity);
  });

  it('closes: the rings read zeros and the fd is gone', () => {
    const s = open(veth.a);
    const view = new Uint32Array(s.ring.buffer);
    s.close();
    s.close();
    expect(s.closed).toBe(true);
    expect(s.ring.mapped).toBe(false);
    expect(view[(s.txRingOffset + layout.TP3_STATUS) >>> 2]).toBe(0);
    expect(thrown(() => packetStatistics(s.fd)).code).toBe('NIC_EINVAL');
  });
});

/** An IPv4/UDP frame from 10.0.0.1:`port` to 10.0.0.2:9 (checksums left 0: only the flow matters). */
function udpFrame(port: number): Uint8Array {
  const f = new Uint8Array(64);
  f.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00], 0);
  f.set([0x45, 0, 0, 50, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14);
  f.set([port >> 8, port & 0xff, 0, 9, 0, 30, 0, 0], 34);
  return f;
}

function sourcePort(p: { data: Uint8Array }): number {
  return (p.data[34] << 8) | p.data[35];
}
