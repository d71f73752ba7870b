/**
 * Network fixtures for the AF_PACKET, TAP and interface tests: `ip` commands, interface names
 * unique to the run, veth pairs with IPv6 off (so the kernel sends nothing of its own on
 * them), link state as `ip -j` reports it, and simple AF_PACKET ring access for checking
 * frames. Tests delete everything they create.
 *
 * The drivers' tests take such helpers from @nic/test-kit's netns module. This package
 * cannot: test-kit needs packages built on this one. So this file keeps the few that the
 * addon's own tests need, and nothing more.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import {
  BD_BLOCK_STATUS,
  BD_NUM_PKTS,
  BD_OFFSET_TO_FIRST_PKT,
  packetTxFrameOffset,
  packetTxKick,
  TP3_LEN,
  TP3_MAC,
  TP3_NEXT_OFFSET,
  TP3_SIZE,
  TP3_SNAPLEN,
  TP3_STATUS,
  TP_STATUS_AVAILABLE,
  TP_STATUS_KERNEL,
  TP_STATUS_SEND_REQUEST,
  TP_STATUS_USER,
  TPACKET3_TX_DATA_OFFSET,
  SLL_PKTTYPE,
  type PacketSocket,
} from '../index.js';

/**
 * Why the kernel-tier tests cannot run on this machine (root, iproute2, /dev/net/tun), or undefined when
 * they can. Files import it once and skip their kernel tests with a loud line.
 */
export const KERNEL_TIER_MISSING = kernelTierMissing();
if (KERNEL_TIER_MISSING !== undefined) console.warn(`\n!!! SKIPPING the AF_PACKET, TAP and interface kernel tests: ${KERNEL_TIER_MISSING}\n`);

function kernelTierMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'they need root (CAP_NET_ADMIN and CAP_NET_RAW)';
  if (spawnSync('ip', ['-V'], { stdio: 'ignore' }).error !== undefined) return 'ip is missing (apt-get install iproute2)';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun is missing (modprobe tun)';
  return undefined;
}

/** Runs `ip` with `args` and returns its output. */
export function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

let serial = 0;

/** An interface name unique to this process and call: `<tag><pid in base 36><n>`, at most 15 bytes. */
export function uniqueIfname(tag: string): string {
  const name = `${tag}${process.pid.toString(36)}${(serial++).toString(36)}`;
  if (name.length > 15) throw new Error(`interface name ${name} is too long; shorten the tag`);
  return name;
}

/** Turns IPv6 off on `ifname` (of the test's network namespace), so the kernel sends nothing on it. */
export function disableIpv6(ifname: string): void {
  writeFileSync(`/proc/sys/net/ipv6/conf/${ifname}/disable_ipv6`, '1');
}

/** A veth pair created for a test. */
export interface VethPair {
  readonly a: string;
  readonly b: string;
  /** Deletes the pair (both ends go). */
  remove(): void;
}

/** Creates a veth pair `a`-`b` in the test's namespace, IPv6 off, and waits until both ends are operationally up. */
export async function vethPair(tag: string): Promise<VethPair> {
  const a = uniqueIfname(tag);
  const b = uniqueIfname(tag);
  ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b);
  const remove = (): void => {
    try {
      ip('link', 'del', a);
    } catch {
      // Already gone.
    }
  };
  try {
    for (const end of [a, b]) {
      disableIpv6(end);
      ip('link', 'set', end, 'up');
    }
    await until(`${a} and ${b} to come up`, () => linkState(a)?.operstate === 'UP' && linkState(b)?.operstate === 'UP');
  } catch (e) {
    remove();
    throw e;
  }
  return { a, b, remove };
}

/** What `ip -j -d -s link show` says about an interface. */
export interface LinkState {
  readonly ifindex: number;
  readonly flags: readonly string[];
  readonly operstate: string;
  readonly mtu: number;
  readonly address: string;
  readonly promiscuity: number;
  readonly allmulti: number;
  readonly kind: string | undefined;
  readonly infoData: Readonly<Record<string, unknown>> | undefined;
  readonly rxPackets: number;
}

interface IpLink {
  ifindex: number;
  flags: string[];
  operstate: string;
  mtu: number;
  address: string;
  promiscuity: number;
  allmulti: number;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> };
  stats64: { rx: { packets: number } };
}

/** The state of `ifname`, or undefined when it does not exist. */
export function linkState(ifname: string): LinkState | undefined {
  let text: string;
  try {
    text = ip('-j', '-d', '-s', 'link', 'show', 'dev', ifname);
  } catch {
    return undefined;
  }
  const [link] = JSON.parse(text) as IpLink[];
  return {
    ifindex: link.ifindex,
    flags: link.flags,
    operstate: link.operstate,
    mtu: link.mtu,
    address: link.address,
    promiscuity: link.promiscuity,
    allmulti: link.allmulti,
    kind: link.linkinfo?.info_kind,
    infoData: link.linkinfo?.info_data,
    rxPackets: link.stats64.rx.packets,
  };
}

/** Waits (polling, at most `timeoutMs`) until `condition` holds; throws naming `what` otherwise. */
export async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** EtherType for local experiments (IEEE 802 "Local Experimental Ethertype 1"): the kernel ignores it. */
const TEST_ETHERTYPE = 0x88b5;

/** A frame the test recognises: broadcast, `TEST_ETHERTYPE`, `length` bytes in all, payload starting with `tag`. */
export function testFrame(tag: number, length = 100): Uint8Array {
  const frame = new Uint8Array(length);
  frame.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, TEST_ETHERTYPE >> 8, TEST_ETHERTYPE & 0xff]);
  for (let i = 14; i < length; i++) frame[i] = (tag + i - 14) & 0xff;
  frame[14] = tag >> 8;
  frame[15] = tag & 0xff;
  return frame;
}

/** One packet taken from an rx ring. */
export interface RingPacket {
  readonly data: Uint8Array;
  readonly len: number;
  readonly snaplen: number;
  readonly status: number;
  readonly pktType: number;
}

/** Simple, allocating access to the rings of a PacketSocket, for checking what it carries. */
export class RingAccess {
  readonly #socket: PacketSocket;
  readonly #u8: Uint8Array;
  readonly #dv: DataView;
  #rxBlock = 0;
  #txFrame = 0;

  constructor(socket: PacketSocket) {
    this.#socket = socket;
    this.#u8 = new Uint8Array(socket.ring.buffer);
    this.#dv = new DataView(socket.ring.buffer);
  }

  /** Every packet in the blocks handed over so far, in order; the blocks go back to the kernel. */
  take(): RingPacket[] {
    const { blockSize, blockCount } = this.#socket.geometry;
    const packets: RingPacket[] = [];
    for (let seen = 0; seen < blockCount; seen++) {
      const block = this.#rxBlock * blockSize;
      if ((this.#dv.getUint32(block + BD_BLOCK_STATUS, true) & TP_STATUS_USER) === 0) break;
      let at = block + this.#dv.getUint32(block + BD_OFFSET_TO_FIRST_PKT, true);
      const count = this.#dv.getUint32(block + BD_NUM_PKTS, true);
      for (let i = 0; i < count; i++) {
        const snaplen = this.#dv.getUint32(at + TP3_SNAPLEN, true);
        const mac = at + this.#dv.getUint16(at + TP3_MAC, true);
        packets.push({
          data: this.#u8.slice(mac, mac + snaplen),
          len: this.#dv.getUint32(at + TP3_LEN, true),
          snaplen,
          status: this.#dv.getUint32(at + TP3_STATUS, true),
          pktType: this.#u8[at + TP3_SIZE + SLL_PKTTYPE],
        });
        at += this.#dv.getUint32(at + TP3_NEXT_OFFSET, true);
      }
      this.#dv.setUint32(block + BD_BLOCK_STATUS, TP_STATUS_KERNEL, true);
      this.#rxBlock = (this.#rxBlock + 1) % blockCount;
    }
    return packets;
  }

  /** Puts `frames` in the tx ring (without kicking); returns how many fitted. */
  queue(frames: readonly Uint8Array[]): number {
    const g = this.#socket.geometry;
    let n = 0;
    for (const frame of frames) {
      const at = packetTxFrameOffset(g, this.#txFrame);
      if (this.#dv.getUint32(at + TP3_STATUS, true) !== TP_STATUS_AVAILABLE) break;
      this.#u8.set(frame, at + TPACKET3_TX_DATA_OFFSET);
      this.#dv.setUint32(at + TP3_LEN, frame.length, true);
      this.#dv.setUint32(at + TP3_STATUS, TP_STATUS_SEND_REQUEST, true);
      this.#txFrame = (this.#txFrame + 1) % g.frameCount;
      n++;
    }
    return n;
  }

  /** Queues `frames` and kicks; returns what the kick returned. */
  send(frames: readonly Uint8Array[]): number {
    if (this.queue(frames) !== frames.length) throw new Error('the tx ring is full');
    return packetTxKick(this.#socket.fd);
  }

  /** Status of tx frame `i`. */
  txStatus(i: number): number {
    return this.#dv.getUint32(packetTxFrameOffset(this.#socket.geometry, i) + TP3_STATUS, true);
  }
}

/** Waits until `access` has received packets for which `keep` holds, at least `count` of them, and returns them. */
export async function receive(access: RingAccess, count: number, keep: (p: RingPacket) => boolean = isTestFrame): Promise<RingPacket[]> {
  const got: RingPacket[] = [];
  await until(`${count} packets`, () => {
    got.push(...access.take().filter(keep));
    return got.length >= count;
  });
  return got;
}

/** Whether a packet carries `TEST_ETHERTYPE`. */
function isTestFrame(p: RingPacket): boolean {
  return p.data.length >= 14 && ((p.data[12] << 8) | p.data[13]) === TEST_ETHERTYPE;
}
