/**
 * The kernel network that tests of interfaces and interface-backed drivers (this addon's
 * AF_PACKET and TAP tests, net_af_packet, net_tap) run on, for every package from this one
 * up (@nic/test-kit re-exports it): `ip` commands, names unique to the run, veth pairs and network namespaces the tests
 * create, and link state as `ip -j` reports it. A test deletes what it creates; the
 * machine's own interfaces and routes are never touched. Everything here needs root and
 * iproute2, see {@link kernelTierMissing}.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';

/**
 * Waits, looking every millisecond for at most `timeoutMs`, until `condition` holds.
 * @throws Error naming `what` when the time runs out; what `condition` throws.
 */
export async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** What a kernel-tier suite needs besides root and iproute2. */
export interface KernelTierNeeds {
  /** `/dev/net/tun`, for TAP interfaces. */
  readonly tun?: boolean;
}

/**
 * Why the kernel-tier tests of `suite` cannot run on this machine (no root, no `ip`, no
 * `/dev/net/tun` when `needs.tun`), or undefined when they can. When they cannot, it also
 * prints a loud line saying they are skipped. Call it once per test file and pass the
 * result to `describe.skipIf(… !== undefined)`.
 */
export function kernelTierMissing(suite: string, needs: KernelTierNeeds = {}): string | undefined {
  const missing = firstMissing(needs);
  if (missing !== undefined) console.warn(`\n!!! SKIPPING the ${suite} kernel tests: ${missing}\n`);
  return missing;
}

function firstMissing(needs: KernelTierNeeds): string | undefined {
  if (process.getuid?.() !== 0) return 'they need root (CAP_NET_ADMIN and CAP_NET_RAW)';
  if (spawnSync('ip', ['-V'], { stdio: 'ignore' }).error !== undefined) return 'ip is missing (apt-get install iproute2)';
  if (needs.tun === true && !existsSync('/dev/net/tun')) return '/dev/net/tun is missing (modprobe tun)';
  return undefined;
}

/**
 * Runs `ip` with `args` and returns what it printed.
 * @throws Error when `ip` fails (its message holds `ip`'s error output).
 */
export function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

let serial = 0;

/**
 * A name for an interface or a namespace, unique to this process and call:
 * `<tag><pid in base 36><n>`.
 * @throws Error when it would be longer than the kernel's 15 bytes (shorten `tag`).
 */
export function uniqueName(tag: string): string {
  const name = `${tag}${process.pid.toString(36)}${(serial++).toString(36)}`;
  if (name.length > 15) throw new Error(`name ${name} is too long; shorten the tag`);
  return name;
}

/** Turns IPv6 off on interface `ifname` of the test's namespace, so that the kernel sends nothing of its own there. */
export function disableIpv6(ifname: string): void {
  writeFileSync(`/proc/sys/net/ipv6/conf/${ifname}/disable_ipv6`, '1');
}

/** A veth pair created for a test: ends `a` and `b`, both up with IPv6 off, in the test's namespace. */
export interface VethPair {
  readonly a: string;
  readonly b: string;
  /** Deletes the pair (both ends), wherever its `b` end went; nothing when it is gone already. */
  remove(): void;
}

/**
 * Creates a veth pair with names from `tag` (see {@link uniqueName}) and waits until both
 * ends are operationally up, i.e. their queues are active and frames sent are not lost.
 * Deletes the pair again when that fails.
 */
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
      disableIpv6(end);
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
  /** Runs `ip` inside the namespace, as {@link ip}. */
  ip(...args: string[]): string;
  /**
   * Deletes the namespace. The kernel deletes the virtual interfaces left in it (a veth
   * pair with them), so move back first what must outlive it.
   */
  remove(): void;
}

/** How {@link netns} sets up a namespace. */
export interface NetnsOptions {
  /** Whether IPv6 stays on, as the kernel starts it (default true): with it, the kernel there speaks on a link unasked. */
  readonly ipv6?: boolean;
}

/** Creates a network namespace named from `tag` (see {@link uniqueName}); deletes it again when setting it up fails. */
export function netns(tag: string, options: NetnsOptions = {}): Netns {
  const name = uniqueName(tag);
  ip('netns', 'add', name);
  const ns: Netns = { name, ip: (...args) => ip('-n', name, ...args), remove: () => ip('netns', 'del', name) };
  if (options.ipv6 === false) {
    try {
      execFileSync('ip', ['netns', 'exec', name, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    } catch (e) {
      ns.remove();
      throw e;
    }
  }
  return ns;
}

/** What `ip -j -d -s link show` says about an interface. */
export interface LinkState {
  readonly ifindex: number;
  readonly flags: readonly string[];
  /** `UP` once the kernel has activated the interface's queues (frames sent earlier may be dropped); a TAP says `UNKNOWN`. */
  readonly operstate: string;
  readonly mtu: number;
  /** The MAC address, lower case with colons. */
  readonly address: string;
  readonly promiscuity: number;
  /** How many all-multicast requests are open on the interface. */
  readonly allmulti: number;
  /** The link kind (`veth`, `tun`, …), when it has one. */
  readonly kind: string | undefined;
  /** What the link kind adds (for a TAP: `type`, `pi`, `multi_queue`, `persist`, …). */
  readonly infoData: Readonly<Record<string, unknown>> | undefined;
  readonly rxPackets: number;
}

/**
 * The state of interface `ifname`, of namespace `ns` when given.
 * @throws Error when there is no such interface (see {@link hasLink}).
 */
export function linkState(ifname: string, ns?: Netns): LinkState {
  const args = ['-j', '-d', '-s', 'link', 'show', 'dev', ifname];
  const [link] = JSON.parse(ns ? ns.ip(...args) : ip(...args)) as {
    ifindex: number;
    flags: string[];
    operstate: string;
    mtu: number;
    address: string;
    promiscuity: number;
    allmulti: number;
    linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> };
    stats64: { rx: { packets: number } };
  }[];
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

/** Whether interface `ifname` exists (in namespace `ns` when given). */
export function hasLink(ifname: string, ns?: Netns): boolean {
  const args = ['link', 'show', 'dev', ifname];
  try {
    if (ns) ns.ip(...args);
    else ip(...args);
    return true;
  } catch {
    return false;
  }
}

/**
 * The MAC address of interface `ifname` (of namespace `ns` when given) as bytes.
 * @throws Error as {@link linkState}.
 */
export function macOf(ifname: string, ns?: Netns): Uint8Array {
  return Uint8Array.from(linkState(ifname, ns).address.split(':'), (h) => Number.parseInt(h, 16));
}
