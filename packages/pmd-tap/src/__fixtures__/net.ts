/**
 * What the net_tap tests need around the TAP interfaces the ports create: `ip` commands,
 * names unique to the run, network namespaces (IPv6 on, so that the kernel there speaks on
 * its own), link state from `ip -j`, and polling for a condition. Tests delete what they
 * create and never touch the machine's own interfaces or routes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';

/**
 * Why the kernel-tier tests cannot run on this machine (root, iproute2, /dev/net/tun), or undefined when
 * they can. Files import it once and skip their kernel tests with a loud line.
 */
export const KERNEL_TIER_MISSING = kernelTierMissing();
if (KERNEL_TIER_MISSING !== undefined) console.warn(`\n!!! SKIPPING the net_tap kernel tests: ${KERNEL_TIER_MISSING}\n`);

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

/** Turns IPv6 off on `ifname` of the test's namespace, so that the kernel sends nothing on it. */
export function disableIpv6(ifname: string): void {
  writeFileSync(`/proc/sys/net/ipv6/conf/${ifname}/disable_ipv6`, '1');
}

/** A network namespace created for a test. */
export interface Netns {
  readonly name: string;
  /** Runs `ip` inside the namespace. */
  ip(...args: string[]): string;
  /** Deletes the namespace. Move interfaces out first: the kernel deletes virtual ones left there. */
  remove(): void;
}

/** Creates a network namespace. */
export function netns(tag: string): Netns {
  const name = uniqueName(tag);
  ip('netns', 'add', name);
  return { name, ip: (...args) => ip('-n', name, ...args), remove: () => ip('netns', 'del', name) };
}

/** What `ip -j -d -s link show` says about an interface. */
export interface LinkState {
  readonly flags: readonly string[];
  readonly operstate: string;
  readonly mtu: number;
  readonly address: string;
  readonly kind: string | undefined;
  readonly infoData: Readonly<Record<string, unknown>> | undefined;
  readonly rxPackets: number;
  readonly rxBytes: number;
  readonly txPackets: number;
}

/** The state of `ifname` (in namespace `ns` when given), or undefined when there is no such interface. */
export function linkState(ifname: string, ns?: Netns): LinkState | undefined {
  const args = ['-j', '-d', '-s', 'link', 'show', 'dev', ifname];
  let text: string;
  try {
    text = ns ? ns.ip(...args) : ip(...args);
  } catch {
    return undefined;
  }
  const [link] = JSON.parse(text) as {
    flags: string[];
    operstate: string;
    mtu: number;
    address: string;
    linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> };
    stats64: { rx: { packets: number; bytes: number }; tx: { packets: number } };
  }[];
  return {
    flags: link.flags,
    operstate: link.operstate,
    mtu: link.mtu,
    address: link.address,
    kind: link.linkinfo?.info_kind,
    infoData: link.linkinfo?.info_data,
    rxPackets: link.stats64.rx.packets,
    rxBytes: link.stats64.rx.bytes,
    txPackets: link.stats64.tx.packets,
  };
}

/** EtherType for local experiments: the kernel ignores such frames. */
export const TEST_ETHERTYPE = 0x88b5;

/** A broadcast frame of `TEST_ETHERTYPE` from `src`, `length` bytes in all, whose payload starts with `tag` (u16) and counts up. */
export function testFrame(tag: number, length: number, src: Uint8Array): Uint8Array {
  const frame = new Uint8Array(length);
  frame.fill(0xff, 0, 6);
  frame.set(src, 6);
  frame[12] = TEST_ETHERTYPE >> 8;
  frame[13] = TEST_ETHERTYPE & 0xff;
  for (let i = 14; i < length; i++) frame[i] = (tag + i) & 0xff;
  frame[14] = tag >> 8;
  frame[15] = tag & 0xff;
  return frame;
}
