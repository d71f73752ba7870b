import { afterEach, describe, expect, it } from 'vitest';
import { MbufView, NicError, type Eal, type Mempool } from '@nic/eal';
import { close, linkGet, linkGetNowait, macAddrGet, mtuSet, portIdByName, rxBurst, rxIntrEnable, rxIntrFd, statsGet, stop, txBurst, type EthConf } from '@nic/ethdev';
import { epollWait } from '@nic/native';
import { parseMac } from '@nic/ethdev/driver';
import {
  disableIpv6,
  etherTypeOf,
  framePackets,
  harnessEal,
  harnessPool,
  hasLink,
  ip,
  isTestFrame,
  kernelTierMissing,
  linkState,
  netns,
  receiveFrames,
  startPort,
  testFrame,
  uniqueName,
  until,
} from '@nic/test-kit';
import { NET_AF_PACKET, netAfPacketDriver } from '@nic/pmd-af-packet/driver';
import { NET_TAP, netTapDriver, tapInterface } from './driver.js';

const KERNEL_TIER_MISSING = kernelTierMissing('net_tap', { tun: true });
const BURST = 32;
const TAP = `${NET_TAP}0`;
/** A net_af_packet port on the TAP interface: it sees what the kernel receives there and sends as the kernel would. */
const KERNEL = `${NET_AF_PACKET}0`;

let eal: Eal | undefined;
let pool: Mempool;
let mbufs: MbufView;

afterEach(async () => {
  await eal?.cleanup();
  eal = undefined;
});

/** An EAL instance with the devices of `vdevs`; the pool is `poolSize` mbufs. */
async function instance(vdevs: readonly string[], poolSize = 1023): Promise<Eal> {
  eal = await harnessEal('tap-traffic', vdevs.flatMap((v) => ['--vdev', v]), [netTapDriver, netAfPacketDriver]);
  pool = harnessPool(eal, poolSize);
  mbufs = new MbufView(eal.arena);
  return eal;
}

/** Configures port `name` with `queues` queue pairs (and `conf`) and starts it; its id. */
function started(name: string, queues = 1, conf?: EthConf): number {
  const id = portIdByName(name, eal);
  startPort(id, pool, queues, conf);
  return id;
}

const packets = (frames: readonly Uint8Array[]): Uint32Array => framePackets(eal as Eal, pool, frames);
const receive = (id: number, count: number, keep: (f: Uint8Array) => boolean): Promise<Uint8Array[]> => receiveFrames(eal as Eal, id, count, keep);

/** The TAP port (configured with `conf`) and a net_af_packet port on its interface, both started, IPv6 off on the interface. */
async function wired(queues = 1, poolSize = 1023, conf?: EthConf): Promise<{ tap: number; kernel: number; ifname: string; mac: Uint8Array }> {
  const ifname = uniqueName('ttap');
  await instance([`${TAP},iface=${ifname}`, `${KERNEL},iface=${ifname}`], poolSize);
  disableIpv6(ifname);
  const tap = started(TAP, queues, conf);
  const kernel = started(KERNEL);
  // A TAP reports its operational state as UNKNOWN; LOWER_UP says it has its carrier.
  await until('the TAP to run', () => linkState(ifname).flags.includes('LOWER_UP'));
  return { tap, kernel, ifname, mac: parseMac(macAddrGet(tap)) };
}

describe.skipIf(KERNEL_TIER_MISSING !== undefined)('net_tap and the kernel', () => {
  it('creates a TAP the kernel sees, with the port address, up while the port is started, gone at close', async () => {
    const ifname = uniqueName('ttap');
    await instance([`${TAP},iface=${ifname},mac=02:74:61:70:00:01`]);
    const state = linkState(ifname);
    expect(state.kind).toBe('tun');
    expect(state.infoData).toMatchObject({ type: 'tap', pi: false, multi_queue: true, persist: false });
    expect(state.address).toBe('02:74:61:70:00:01');
    expect(state.flags).not.toContain('UP');
    disableIpv6(ifname);
    const id = started(TAP);
    expect(tapInterface(id)).toBe(ifname);
    expect(linkState(ifname).flags).toContain('UP');
    expect(await linkGet(id)).toMatchObject({ up: true });
    mtuSet(id, 1400);
    expect(linkState(ifname).mtu).toBe(1400);
    stop(id);
    expect(linkState(ifname).flags).not.toContain('UP');
    expect(linkGetNowait(id).up).toBe(false);
    close(id);
    await until('the interface to go', () => !hasLink(ifname));
  });

  it("names the interface dtapN when not told, and gives DPDK's fixed address with mac=fixed", async () => {
    await instance([`${TAP},mac=fixed`]);
    const id = portIdByName(TAP, eal);
    const ifname = tapInterface(id);
    expect(ifname).toMatch(/^dtap\d+$/);
    expect(macAddrGet(id).toLowerCase()).toMatch(/^00:64:74:61:70:3\d$/);
    expect(linkState(ifname).address).toBe(macAddrGet(id).toLowerCase());
  });

  it("writes its frames to the kernel and reads the kernel's, with their exact bytes", async () => {
    const { tap, kernel, ifname, mac } = await wired();
    const out = [testFrame(1, 60, mac), testFrame(2, 1514, mac), testFrame(3, 333, mac)];
    const rxBefore = linkState(ifname).rxPackets;
    expect(txBurst(tap, 0, packets(out), out.length)).toBe(out.length);
    expect((await receive(kernel, 3, isTestFrame)).map((f) => Array.from(f))).toEqual(out.map((f) => Array.from(f)));
    expect(linkState(ifname).rxPackets).toBe(rxBefore + 3);

    const back = [testFrame(4, 64, Uint8Array.of(2, 0, 0, 0, 0, 4)), testFrame(5, 1200, Uint8Array.of(2, 0, 0, 0, 0, 4))];
    expect(txBurst(kernel, 0, packets(back), back.length)).toBe(back.length);
    expect((await receive(tap, 2, isTestFrame)).map((f) => Array.from(f))).toEqual(back.map((f) => Array.from(f)));
    expect(statsGet(tap)).toMatchObject({ opackets: 3, obytes: 60 + 1514 + 333, ipackets: 2, ibytes: 64 + 1200, oerrors: 0 });
  });

  it('wakes a waiter on an rx queue once a frame waits there, and not while the queue is empty (rx interrupts)', async () => {
    const { tap, kernel, mac } = await wired(1, 1023, { intrConf: { rxq: true } });
    const fd = rxIntrFd(tap, 0);
    rxIntrEnable(tap, 0);
    expect(epollWait([fd], 0)).toEqual([]);
    const frame = testFrame(8, 80, mac);
    expect(txBurst(kernel, 0, packets([frame]), 1)).toBe(1);
    expect(epollWait([fd], 5000)).toEqual([fd]);
    // Still readable: waking did not take the frame, the burst does.
    expect(epollWait([fd], 0)).toEqual([fd]);
    expect((await receive(tap, 1, isTestFrame)).map((f) => Array.from(f))).toEqual([Array.from(frame)]);
    expect(epollWait([fd], 0)).toEqual([]);
  });

  it('opens one queue fd per queue pair of the multi-queue TAP, and each carries frames', async () => {
    const { tap, kernel, mac } = await wired(2);
    const frames = [testFrame(6, 100, mac), testFrame(7, 100, mac)];
    expect(txBurst(tap, 0, packets([frames[0]]), 1)).toBe(1);
    expect(txBurst(tap, 1, packets([frames[1]]), 1)).toBe(1);
    const got = await receive(kernel, 2, isTestFrame);
    expect(got.map((f) => f[15]).sort()).toEqual([6, 7]);
    expect(statsGet(tap).qOpackets).toEqual([1, 1]);
  });

  it('counts frames the kernel refuses, and multi-segment packets it does not send, as oerrors', async () => {
    const { tap, mac } = await wired();
    const runt = packets([new Uint8Array(10)]);
    const head = packets([testFrame(8, 100, mac)]);
    const tail = packets([new Uint8Array(50)]);
    expect(mbufs.chain(head[0], tail[0])).toBe(0);
    const good = packets([testFrame(9, 100, mac)]);
    expect(txBurst(tap, 0, Uint32Array.of(runt[0], head[0], good[0]), 3)).toBe(3);
    expect(statsGet(tap)).toMatchObject({ opackets: 1, obytes: 100, oerrors: 2 });
    expect(pool.availCount()).toBe(1023);
  });

  it('drops what the kernel sends while the pool is empty, counting rx_nombuf', async () => {
    const { tap, kernel } = await wired(1, 64);
    const hold = new Uint32Array(64);
    const kernelFrames = packets([testFrame(10, 80, Uint8Array.of(2, 0, 0, 0, 0, 4)), testFrame(11, 80, Uint8Array.of(2, 0, 0, 0, 0, 4))]);
    expect(txBurst(kernel, 0, kernelFrames, 2)).toBe(2);
    const free = pool.availCount();
    expect(mbufs.allocBulk(pool, hold, free)).toBe(0);
    const handles = new Uint32Array(BURST);
    await until('two allocation failures', () => {
      expect(rxBurst(tap, 0, handles, BURST)).toBe(0);
      return statsGet(tap).rxNombuf >= 2;
    });
    expect(statsGet(tap).rxNombuf).toBe(2);
    mbufs.freeBulk(hold, free);
    stop(tap);
    expect(pool.availCount()).toBe(64);
  });

  it('hears the kernel of another namespace speak on the interface, and is heard there', async () => {
    const ifname = uniqueName('ttap');
    await instance([`${TAP},iface=${ifname}`]);
    const id = started(TAP);
    const ns = netns('ntap');
    try {
      // In its own namespace, with IPv6 on, the kernel announces itself on the link (MLD
      // reports, router solicitations, duplicate address detection).
      ip('link', 'set', ifname, 'netns', ns.name);
      ns.ip('link', 'set', ifname, 'up');
      const mine = macAddrGet(id).toLowerCase();
      const [heard] = await receive(id, 1, (f) => etherTypeOf(f) === 0x86dd);
      expect(Array.from(heard.subarray(6, 12), (b) => b.toString(16).padStart(2, '0')).join(':')).toBe(mine);
      // IPv6, carrying ICMPv6 directly or behind a hop-by-hop header (MLD).
      expect(heard[14] >> 4).toBe(6);
      expect([0, 58]).toContain(heard[20]);
      const before = linkState(ifname, ns).rxPackets;
      const mac = parseMac(mine);
      expect(txBurst(id, 0, packets([testFrame(12, 90, mac), testFrame(13, 90, mac)]), 2)).toBe(2);
      await until('the kernel to count both', () => linkState(ifname, ns).rxPackets >= before + 2);
    } finally {
      // Back before the namespace goes, or the kernel would delete the interface with it.
      ns.ip('link', 'set', ifname, 'netns', String(process.pid));
      ns.remove();
    }
    stop(id);
    close(id);
    await until('the interface to go', () => !hasLink(ifname));
  });
});

describe.skipIf(KERNEL_TIER_MISSING !== undefined)('net_tap devices with bad arguments', () => {
  async function failure(args: string): Promise<NicError> {
    try {
      await instance([`${TAP},${args}`]);
    } catch (e) {
      if (e instanceof NicError) return e;
      throw e;
    }
    throw new Error(`${args}: the device was created`);
  }

  it('never takes over an existing interface', async () => {
    const e = await failure('iface=lo');
    expect(e.code).toBe('NIC_EEXIST');
    expect(e.message).toMatch(/net_tap0: iface=lo: .*exists already/);
  });

  it('rejects bad names, addresses and keys, naming them', async () => {
    expect(await failure('iface=a-name-of-16-byt')).toMatchObject({ code: 'NIC_EINVAL', message: expect.stringMatching(/iface=a-name-of-16-byt/) });
    expect(await failure('iface=')).toMatchObject({ code: 'NIC_EINVAL', message: expect.stringMatching(/"iface" names no interface/) });
    expect(await failure('mac=02:00:00:00:00')).toMatchObject({ code: 'NIC_EINVAL', message: expect.stringMatching(/"02:00:00:00:00" for key "mac"/) });
    expect(await failure('mac=01:00:5e:00:00:01')).toMatchObject({ code: 'NIC_EINVAL', message: expect.stringMatching(/"01:00:5e:00:00:01" for key "mac"/) });
    expect(await failure('remote=eth0')).toMatchObject({ code: 'NIC_EINVAL', message: expect.stringMatching(/unknown key "remote"/) });
  });
});
