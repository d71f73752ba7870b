/**
 * A two-host testbed on this machine, for the demo, the kernel tests and the benchmark: two
 * network namespaces `a` and `b`, each joined by a veth pair to the root namespace. The ends
 * inside the namespaces carry 198.18.0.1/24 and 198.18.0.2/24 (the benchmarking range
 * testpmd uses); the root ends are up with no address, for the forwarder's af_packet ports.
 * IPv6 is off on every end, so the only traffic is what the user of the testbed sends.
 * Transmit checksum offload is off on the inner ends: the kernel would otherwise leave UDP
 * and TCP checksums for the "hardware" to fill in, and the frames the af_packet ports pass
 * on would arrive with them unfilled (DPDK's af_packet has the same caveat).
 * Everything has a unique name and {@link destroyTestbed} removes it all; nothing else of
 * the root namespace (its interfaces, addresses, routes) is touched. Needs root, iproute2
 * and ethtool.
 */
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';

/** One side of the testbed. */
export interface TestbedSide {
  /** The network namespace. */
  readonly namespace: string;
  /** The veth end inside the namespace. */
  readonly inner: string;
  /** Its MAC address. */
  readonly innerMac: string;
  /** Its IPv4 address. */
  readonly address: string;
  /** The veth end in the root namespace, for the forwarder. */
  readonly outer: string;
}

/** A live testbed. */
export interface Testbed {
  readonly a: TestbedSide;
  readonly b: TestbedSide;
}

/** How to build a testbed. */
export interface TestbedOptions {
  /** Start of the namespace names: `<prefix>-a-<suffix>`. */
  readonly prefix: string;
  /** Short start of the interface names (at most 4 characters): `<tag><suffix>a`. */
  readonly tag: string;
  /** Enter each side's neighbour as a permanent entry, so that no ARP crosses the forwarder. */
  readonly staticNeighbours?: boolean;
}

/** Address of side a (testpmd's default txonly source). */
export const ADDRESS_A = '198.18.0.1';
/** Address of side b (testpmd's default txonly destination). */
export const ADDRESS_B = '198.18.0.2';
/** Prefix length of both addresses. */
export const PREFIX_LENGTH = 24;
/** Longest interface name Linux takes. */
const IFNAMSIZ = 15;
const IPV6_CONF = '/proc/sys/net/ipv6/conf';

let created = 0;

const QUIET: ExecFileSyncOptions = { stdio: ['ignore', 'pipe', 'pipe'] };

/** Runs `ip` with `args`; throws with its error output when it fails. */
export function ip(...args: string[]): string {
  return execFileSync('ip', args, { ...QUIET, encoding: 'utf8' });
}

/**
 * Why this process cannot build testbeds, or `undefined` when it can: it needs root, `ip`
 * and `ethtool`.
 */
export function testbedUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  for (const [tool, version, install] of [
    ['ip', '-V', 'iproute2'],
    ['ethtool', '--version', 'ethtool'],
  ]) {
    try {
      execFileSync(tool, [version], QUIET);
    } catch {
      return `${tool} is missing (apt-get install ${install})`;
    }
  }
  return undefined;
}

/** A suffix unique to this process and call. */
function uniqueSuffix(): string {
  created += 1;
  return `${process.pid.toString(36)}${created.toString(36)}`;
}

/** Turns IPv6 off in the namespace (for interfaces created or moved there later) or on one root interface. */
function disableIpv6(namespace: string | undefined, iface = 'all'): void {
  if (!existsSync(IPV6_CONF)) return;
  if (namespace === undefined) {
    writeFileSync(`${IPV6_CONF}/${iface}/disable_ipv6`, '1');
    return;
  }
  for (const conf of ['all', 'default']) execFileSync('ip', ['netns', 'exec', namespace, 'sh', '-c', `echo 1 > ${IPV6_CONF}/${conf}/disable_ipv6`], QUIET);
}

function macOf(namespace: string, iface: string): string {
  const [info] = JSON.parse(ip('-n', namespace, '-j', 'link', 'show', 'dev', iface)) as { address: string }[];
  return info.address;
}

/** The names of one side. */
type SideNames = Pick<TestbedSide, 'namespace' | 'inner' | 'outer'>;

function sideNames(side: 'a' | 'b', options: TestbedOptions, suffix: string): SideNames {
  const outer = `${options.tag}${suffix}${side}`;
  return { namespace: `${options.prefix}-${side}-${suffix}`, outer, inner: `${outer}p` };
}

/** Removes a side's namespace and veth pair, whichever of them exist. */
function removeSide({ namespace, outer }: SideNames): void {
  // Deleting the namespace deletes the inner end, and with it the outer one.
  for (const args of [['netns', 'del', namespace], ['link', 'del', outer]]) {
    try {
      ip(...args);
    } catch {
      // already gone
    }
  }
}

function buildSide({ namespace, outer, inner }: SideNames, address: string): TestbedSide {
  if (inner.length > IFNAMSIZ) throw new RangeError(`testbed interface name ${inner} is longer than ${IFNAMSIZ} characters`);
  ip('netns', 'add', namespace);
  disableIpv6(namespace);
  ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', inner);
  disableIpv6(undefined, outer);
  ip('link', 'set', inner, 'netns', namespace);
  ip('-n', namespace, 'addr', 'add', `${address}/${PREFIX_LENGTH}`, 'dev', inner);
  ip('-n', namespace, 'link', 'set', 'lo', 'up');
  ip('-n', namespace, 'link', 'set', inner, 'up');
  execFileSync('ip', ['netns', 'exec', namespace, 'ethtool', '-K', inner, 'tx', 'off'], QUIET);
  ip('link', 'set', outer, 'up');
  return { namespace, inner, innerMac: macOf(namespace, inner), address, outer };
}

/**
 * Builds a testbed. On failure, what was built is removed before the error is thrown.
 * @throws Error from `ip` (not root, no iproute2, no namespaces in this kernel).
 */
export function createTestbed(options: TestbedOptions): Testbed {
  const suffix = uniqueSuffix();
  const names = [sideNames('a', options, suffix), sideNames('b', options, suffix)];
  try {
    const a = buildSide(names[0], ADDRESS_A);
    const b = buildSide(names[1], ADDRESS_B);
    if (options.staticNeighbours) {
      ip('-n', a.namespace, 'neigh', 'replace', b.address, 'lladdr', b.innerMac, 'dev', a.inner, 'nud', 'permanent');
      ip('-n', b.namespace, 'neigh', 'replace', a.address, 'lladdr', a.innerMac, 'dev', b.inner, 'nud', 'permanent');
    }
    return { a, b };
  } catch (e) {
    names.forEach(removeSide);
    throw e;
  }
}

/** Removes the namespaces and veth pairs of `testbed`; safe to call twice. */
export function destroyTestbed(testbed: Testbed): void {
  removeSide(testbed.a);
  removeSide(testbed.b);
}

/** The argv that runs `command` inside `namespace`. */
export function inNamespace(namespace: string, command: string, ...args: string[]): [string, string[]] {
  return ['ip', ['netns', 'exec', namespace, command, ...args]];
}

/** Packets a veth end failed to hand to its peer (its `tx_dropped`), read in its namespace. */
export function vethTxDropped(namespace: string | undefined, iface: string): number {
  const args = namespace === undefined ? [] : ['-n', namespace];
  const [info] = JSON.parse(ip(...args, '-s', '-j', 'link', 'show', 'dev', iface)) as { stats64: { tx: { dropped: number } } }[];
  return info.stats64.tx.dropped;
}

/** The UDP counters of a namespace's IPv4 stack (`/proc/net/snmp`). */
export interface UdpCounters {
  readonly InDatagrams: number;
  readonly NoPorts: number;
  readonly InErrors: number;
  readonly RcvbufErrors: number;
  readonly InCsumErrors: number;
}

/** Reads the UDP counters of `namespace`. */
export function udpCounters(namespace: string): UdpCounters {
  return parseUdpCounters(execFileSync('ip', ['netns', 'exec', namespace, 'cat', '/proc/net/snmp'], { ...QUIET, encoding: 'utf8' }));
}

/** The UDP counters in `snmp`, the text of a `/proc/net/snmp` (a namespace's, or a guest's). */
export function parseUdpCounters(snmp: string): UdpCounters {
  const [names, values] = snmp
    .split('\n')
    .filter((line) => line.startsWith('Udp:'))
    .map((line) => line.split(/\s+/).slice(1));
  const field = (name: keyof UdpCounters): number => Number(values[names.indexOf(name)]);
  return { InDatagrams: field('InDatagrams'), NoPorts: field('NoPorts'), InErrors: field('InErrors'), RcvbufErrors: field('RcvbufErrors'), InCsumErrors: field('InCsumErrors') };
}
