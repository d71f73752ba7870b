import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MbufView, type Eal, type Mempool } from '@nic/eal';
import {
  close,
  configure,
  infoGet,
  linkGet,
  linkGetNowait,
  macAddrGet,
  macAddrSet,
  mtuSet,
  portIdByName,
  promiscuousDisable,
  promiscuousEnable,
  rxQueueSetup,
  setLinkDown,
  setLinkUp,
  start,
  statsGet,
  stop,
  txBurst,
  txQueueSetup,
} from '@nic/ethdev';
import { errorCode, harnessEal, harnessPool, linkState, testFrame, until, vethPair, type VethPair } from '@nic/test-kit';
import { NET_AF_PACKET, netAfPacketDriver } from './driver.js';
import { KERNEL_TIER_MISSING } from './__fixtures__/net.js';

let veth: VethPair;
let eal: Eal;
let pool: Mempool;
let mbufs: MbufView;
let device = 0;


/** An EAL instance with one configured net_af_packet port on the veth's `a` end, started unless told otherwise. */
async function port(extra = '', started = true): Promise<number> {
  const name = `${NET_AF_PACKET}${device++}`;
  eal = await harnessEal('af-packet-control', ['--vdev', `${name},iface=${veth.a}${extra}`], [netAfPacketDriver]);
  pool = harnessPool(eal, 1023);
  mbufs = new MbufView(eal.arena);
  const id = portIdByName(name, eal);
  configure(id, 1, 1);
  rxQueueSetup(id, 0, 0, undefined, pool);
  txQueueSetup(id, 0, 0);
  if (started) start(id);
  return id;
}

function packets(count: number, length: number): Uint32Array {
  const handles = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const h = mbufs.alloc(pool);
    mbufs.append(h, length);
    eal.arena.u8.set(testFrame(i, length), mbufs.mtod(h));
    handles[i] = h;
  }
  return handles;
}

/** AF_PACKET sockets bound to interface `ifindex`, from /proc/net/packet. */
function packetSockets(ifindex: number): number {
  const rows = readFileSync('/proc/net/packet', 'utf8').trim().split('\n').slice(1);
  return rows.filter((row) => Number(row.trim().split(/\s+/)[4]) === ifindex).length;
}

describe.skipIf(KERNEL_TIER_MISSING !== undefined)('net_af_packet control', () => {
  beforeAll(async () => {
    veth = await vethPair('kfa');
  });

  afterAll(() => veth.remove());

  afterEach(async () => {
    await eal?.cleanup();
    await until('the interface to be up again', () => linkState(veth.a).operstate === 'UP');
  });

  it('takes the MAC address and the link from the interface', async () => {
    const id = await port();
    expect(macAddrGet(id).toLowerCase()).toBe(linkState(veth.a).address);
    expect(await linkGet(id)).toEqual({ up: true, speed: 10_000, fullDuplex: true, autoneg: false });
    const info = infoGet(id);
    expect(info).toMatchObject({ driverName: NET_AF_PACKET, maxRxQueues: 1, maxTxQueues: 1, maxRxPktLen: 2000, maxMtu: 1982 });
  });

  it('brings the interface down and up, and reports the link it has', async () => {
    const id = await port();
    setLinkDown(id);
    expect(linkState(veth.a).flags).not.toContain('UP');
    expect(linkGetNowait(id).up).toBe(false);
    setLinkUp(id);
    expect(linkState(veth.a).flags).toContain('UP');
    await until('the link to come back', () => linkGetNowait(id).up);
  });

  it('holds frames while the interface is down, stops taking packets when its ring is full, and sends them once it is up', async () => {
    // Four tx frames.
    const id = await port(',blocksz=4096,framesz=2048,framecnt=4');
    setLinkDown(id);
    const rxBefore = linkState(veth.b).rxPackets;
    const burst = packets(10, 100);
    expect(txBurst(id, 0, burst, 10)).toBe(4);
    expect(txBurst(id, 0, burst, 6, 4)).toBe(0);
    setLinkUp(id);
    await until('the ring to drain', () => txBurst(id, 0, burst, 1, 4) === 1);
    mbufs.freeBulk(burst, 5, 5);
    await until('the peer to get all five', () => linkState(veth.b).rxPackets >= rxBefore + 5);
    expect(statsGet(id).opackets).toBe(5);
  });

  it('sets the MTU of the interface and sends frames up to it', async () => {
    const id = await port();
    mtuSet(id, 1400);
    try {
      expect(linkState(veth.a).mtu).toBe(1400);
      // MTU + Ethernet header + one VLAN tag is the longest frame.
      expect(txBurst(id, 0, packets(1, 1418), 1)).toBe(1);
      expect(txBurst(id, 0, packets(1, 1419), 1)).toBe(1);
      expect(statsGet(id)).toMatchObject({ opackets: 1, oerrors: 1 });
      expect(errorCode(() => mtuSet(id, 1983))).toBe('NIC_EINVAL');
    } finally {
      mtuSet(id, 1500);
    }
  });

  it('sets the MAC address of the interface', async () => {
    const id = await port();
    const before = macAddrGet(id);
    macAddrSet(id, '02:61:66:70:6b:74');
    expect(linkState(veth.a).address).toBe('02:61:66:70:6b:74');
    macAddrSet(id, before);
    expect(linkState(veth.a).address).toBe(before.toLowerCase());
  });

  it('makes the interface promiscuous through a membership that ends with the port', async () => {
    const id = await port();
    const base = linkState(veth.a).promiscuity;
    promiscuousEnable(id);
    promiscuousEnable(id);
    expect(linkState(veth.a).promiscuity).toBe(base + 1);
    promiscuousDisable(id);
    expect(linkState(veth.a).promiscuity).toBe(base);
    promiscuousEnable(id);
    stop(id);
    close(id);
    expect(linkState(veth.a).promiscuity).toBe(base);
  });

  it('opens one socket per queue pair at probe and closes them with the port', async () => {
    const ifindex = linkState(veth.a).ifindex;
    const before = packetSockets(ifindex);
    const id = await port(',qpairs=3', false);
    expect(packetSockets(ifindex)).toBe(before + 3);
    expect(infoGet(id)).toMatchObject({ maxRxQueues: 3, maxTxQueues: 3 });
    close(id);
    expect(packetSockets(ifindex)).toBe(before);
  });
});
