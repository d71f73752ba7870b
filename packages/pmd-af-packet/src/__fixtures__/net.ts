/**
 * The network the net_af_packet tests run on: veth pairs and network namespaces they
 * create (names unique to the run, IPv6 off so that the kernel adds nothing of its own),
 * link state from `ip -j`, frames sent raw from the peer end through @nic/native, and the
 * ARP / IPv4 / ICMP frames that make a namespace's kernel answer. Every test deletes what
 * it creates; the machine's own interfaces and routes are never touched.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import {
  packetOpen,
  packetTxFrameOffset,
  packetTxKick,
  TP3_LEN,
  TP3_STATUS,
  TP_STATUS_AVAILABLE,
  TP_STATUS_SEND_REQUEST,
  TPACKET3_TX_DATA_OFFSET,
} from '@nic/native';

/**
 * Why the kernel-tier tests cannot run on this machine (root, iproute2), or undefined when
 * they can. Files import it once and skip their kernel tests with a loud line.
 */
export const KERNEL_TIER_MISSING = kernelTierMissing();
if (KERNEL_TIER_MISSING !== undefined) console.warn(`\n!!! SKIPPING the net_af_packet kernel tests: ${KERNEL_TIER_MISSING}\n`);

function kernelTierMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'they need root (CAP_NET_ADMIN and CAP_NET_RAW)';
  if (spawnSync('ip', ['-V'], { stdio: 'ignore' }).error !== undefined) return 'ip is missing (apt-get install iproute2)';
  return undefined;
}

/** Runs `ip` with `args` and returns its output. */
export function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

let serial = 0;

/** A name unique to this process and call: `<tag><pid in base 36><n>`, at most 15 bytes. */
export function uniqueName(tag: string): string {
  const name = `${tag}${process.pid.toString(36)}${(serial++).toString(36)}`;
  if (name.length > 15) throw new Error(`name ${name} is too long; shorten the tag`);
  return name;
}

/** Waits (polling, at most `timeoutMs`) until `condition` holds; throws naming `what` otherwise. */
export async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** A veth pair created for a test, both ends up with IPv6 off, in the test's namespace. */
export interface VethPair {
  readonly a: string;
  readonly b: string;
  /** Deletes the pair, wherever its ends are. */
  remove(): void;
}

/** Creates a veth pair and waits until both ends are operationally up (their queues active). */
export async function vethPair(tag: string): Promise<VethPair> {
  const a = uniqueName(tag);
  const b = uniqueName(tag);
  ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b);
  const remove = (): void => {
    try {
      ip('link', 'del', a);
    } catch {
      // Gone already (with its namespace, or deleted by the test).
    }
  };
  try {
    for (const end of [a, b]) {
      writeFileSync(`/proc/sys/net/ipv6/conf/${end}/disable_ipv6`, '1');
      ip('link', 'set', end, 'up');
    }
    await until(`${a} and ${b} to come up`, () => linkState(a).operstate === 'UP' && linkState(b).operstate === 'UP');
  } catch (e) {
    remove();
    throw e;
  }
  return { a, b, remove };
}

/** A network namespace created for a test. */
export interface Netns {
  readonly name: string;
  /** Runs `ip` inside the namespace. */
  ip(...args: string[]): string;
  /** Deletes the namespace (and the interfaces in it). */
  remove(): void;
}

/** Creates a network namespace with IPv6 off. */
export function netns(tag: string): Netns {
  const name = uniqueName(tag);
  ip('netns', 'add', name);
  const ns: Netns = {
    name,
    ip: (...args) => ip('-n', name, ...args),
    remove: () => ip('netns', 'del', name),
  };
  try {
    execFileSync('ip', ['netns', 'exec', name, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  } catch (e) {
    ns.remove();
    throw e;
  }
  return ns;
}

/** What `ip -j -d -s link show` says about an interface. */
export interface LinkState {
  readonly ifindex: number;
  readonly flags: readonly string[];
  /** `UP` once the kernel has activated the interface's queues (frames sent earlier may be dropped). */
  readonly operstate: string;
  readonly mtu: number;
  readonly address: string;
  readonly promiscuity: number;
  readonly rxPackets: number;
  readonly txPackets: number;
}

/** The state of `ifname` (in namespace `ns` when given). */
export function linkState(ifname: string, ns?: Netns): LinkState {
  const args = ['-j', '-d', '-s', 'link', 'show', 'dev', ifname];
  const [link] = JSON.parse(ns ? ns.ip(...args) : ip(...args)) as {
    ifindex: number;
    flags: string[];
    operstate: string;
    mtu: number;
    address: string;
    promiscuity: number;
    stats64: { rx: { packets: number }; tx: { packets: number } };
  }[];
  return {
    ifindex: link.ifindex,
    flags: link.flags,
    operstate: link.operstate,
    mtu: link.mtu,
    address: link.address,
    promiscuity: link.promiscuity,
    rxPackets: link.stats64.rx.packets,
    txPackets: link.stats64.tx.packets,
  };
}

/** The MAC address of `ifname` as bytes. */
export function macOf(ifname: string, ns?: Netns): Uint8Array {
  return Uint8Array.from(linkState(ifname, ns).address.split(':'), (h) => Number.parseInt(h, 16));
}

/**
 * Sends `frames` out of `ifname` from a raw AF_PACKET socket of its own (a tx ring and one
 * kick), then closes the socket once the kernel has taken every frame.
 */
export async function rawSend(ifname: string, frames: readonly Uint8Array[]): Promise<void> {
  const frameSize = 2048;
  const blockSize = 4096;
  const perBlock = blockSize / frameSize;
  const blockCount = Math.max(1, Math.ceil(frames.length / perBlock));
  const geometry = { blockSize, blockCount, frameSize, frameCount: blockCount * perBlock };
  const socket = packetOpen(ifname, geometry);
  try {
    const dv = new DataView(socket.ring.buffer);
    const u8 = new Uint8Array(socket.ring.buffer);
    frames.forEach((frame, i) => {
      const at = packetTxFrameOffset(geometry, i);
      u8.set(frame, at + TPACKET3_TX_DATA_OFFSET);
      dv.setUint32(at + TP3_LEN, frame.length, true);
      dv.setUint32(at + TP3_STATUS, TP_STATUS_SEND_REQUEST, true);
    });
    const sent = (): boolean => frames.every((_, i) => dv.getUint32(packetTxFrameOffset(geometry, i) + TP3_STATUS, true) === TP_STATUS_AVAILABLE);
    await until('the raw frames to leave', () => {
      packetTxKick(socket.fd);
      return sent();
    });
  } finally {
    socket.close();
  }
}

/** EtherType for local experiments: the kernel ignores such frames. */
export const TEST_ETHERTYPE = 0x88b5;
/** EtherType of IPv4. */
export const ETHERTYPE_IPV4 = 0x0800;
/** EtherType of ARP. */
export const ETHERTYPE_ARP = 0x0806;
/** IP protocol number of ICMP. */
export const IPPROTO_ICMP = 1;
/** IP protocol number of UDP. */
export const IPPROTO_UDP = 17;

/** Bytes of an Ethernet header. */
const ETH_LEN = 14;
/** Bytes of an IPv4 header without options. */
const IPV4_LEN = 20;
/** The broadcast address. */
export const BROADCAST = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

/** An Ethernet frame of `dst`, `src`, `etherType` and `payload`. */
export function etherFrame(dst: Uint8Array, src: Uint8Array, etherType: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(ETH_LEN + payload.length);
  frame.set(dst, 0);
  frame.set(src, 6);
  frame[12] = etherType >> 8;
  frame[13] = etherType & 0xff;
  frame.set(payload, ETH_LEN);
  return frame;
}

/** A broadcast frame of `TEST_ETHERTYPE`, `length` bytes in all, whose payload starts with `tag` (u16) and counts up. */
export function testFrame(tag: number, length = 100): Uint8Array {
  const payload = new Uint8Array(length - ETH_LEN);
  for (let i = 0; i < payload.length; i++) payload[i] = (tag + i) & 0xff;
  payload[0] = tag >> 8;
  payload[1] = tag & 0xff;
  return etherFrame(BROADCAST, Uint8Array.of(0x02, 0, 0, 0, 0, 1), TEST_ETHERTYPE, payload);
}

/** `frame` with an 802.1Q tag (VLAN `vid`, priority `pcp`) inserted after the addresses. */
export function vlanTagged(frame: Uint8Array, vid: number, pcp: number): Uint8Array {
  const tci = (pcp << 13) | vid;
  const out = new Uint8Array(frame.length + 4);
  out.set(frame.subarray(0, 12), 0);
  out.set([0x81, 0x00, tci >> 8, tci & 0xff], 12);
  out.set(frame.subarray(12), 16);
  return out;
}

/** The 16-bit ones' complement sum of `bytes`, as IP checksums use it. */
export function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An IPv4 address `a.b.c.d` as bytes. */
export function ipv4(text: string): Uint8Array {
  return Uint8Array.from(text.split('.'), Number);
}

/** An ARP request from `mac`/`ip` for `target`, broadcast. */
export function arpRequest(mac: Uint8Array, ip: Uint8Array, target: Uint8Array): Uint8Array {
  const arp = new Uint8Array(28);
  arp.set([0, 1, 0x08, 0x00, 6, 4, 0, 1], 0);
  arp.set(mac, 8);
  arp.set(ip, 14);
  arp.set(target, 24);
  return etherFrame(BROADCAST, mac, ETHERTYPE_ARP, arp);
}

/** The sender MAC of an ARP reply for `ip`, or undefined when `frame` is no such reply. */
export function arpReplyFrom(frame: Uint8Array, ip: Uint8Array): Uint8Array | undefined {
  const isReply = frame.length >= ETH_LEN + 28 && ((frame[12] << 8) | frame[13]) === ETHERTYPE_ARP && frame[ETH_LEN + 7] === 2;
  if (!isReply || !ip.every((b, i) => frame[ETH_LEN + 14 + i] === b)) return undefined;
  return frame.slice(ETH_LEN + 8, ETH_LEN + 14);
}

/** An IPv4 packet from `src` to `dst` of protocol `proto` carrying `payload`, with its header checksum. */
export function ipv4Packet(src: Uint8Array, dst: Uint8Array, proto: number, payload: Uint8Array): Uint8Array {
  const packet = new Uint8Array(IPV4_LEN + payload.length);
  packet.set([0x45, 0, packet.length >> 8, packet.length & 0xff, 0, 1, 0x40, 0, 64, proto], 0);
  packet.set(src, 12);
  packet.set(dst, 16);
  const sum = checksum(packet.subarray(0, IPV4_LEN));
  packet[10] = sum >> 8;
  packet[11] = sum & 0xff;
  packet.set(payload, IPV4_LEN);
  return packet;
}

/** An ICMP echo request (`id`, `seq`) carrying `data`, with its checksum. */
export function icmpEcho(id: number, seq: number, data: Uint8Array): Uint8Array {
  const icmp = new Uint8Array(8 + data.length);
  icmp.set([8, 0, 0, 0, id >> 8, id & 0xff, seq >> 8, seq & 0xff], 0);
  icmp.set(data, 8);
  const sum = checksum(icmp);
  icmp[2] = sum >> 8;
  icmp[3] = sum & 0xff;
  return icmp;
}

/** A UDP/IPv4 frame from 10.0.0.1:`port` to 10.0.0.2:9, broadcast (UDP checksum 0: none). */
export function udpFrame(port: number, src: Uint8Array): Uint8Array {
  const udp = Uint8Array.of(port >> 8, port & 0xff, 0, 9, 0, 12, 0, 0, 1, 2, 3, 4);
  return etherFrame(BROADCAST, src, ETHERTYPE_IPV4, ipv4Packet(ipv4('10.0.0.1'), ipv4('10.0.0.2'), IPPROTO_UDP, udp));
}
