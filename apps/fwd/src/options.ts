/**
 * The application arguments of nic-fwd, the part of the command line after `--`, spelled as
 * testpmd spells them: `--name=value` or `--name value`. Every malformed or unknown argument
 * is a {@link FwdUsageError} naming the option.
 */
import { TxOffload } from '@nic/ethdev';
import { PAUSE_MAX_US } from '@nic/intr';
import { ETH_MAX_FRAME_LEN, UDP_FRAME_MIN_LEN } from './frame.js';

/** The forwarding engines. */
export const FORWARD_MODES = ['io', 'mac', 'macswap', 'l2fwd', 'rxonly', 'txonly'] as const;
/** A forwarding engine (testpmd's `--forward-mode`, plus l2fwd's MAC rewrite). */
export type ForwardMode = (typeof FORWARD_MODES)[number];

/** The port topologies. */
export const PORT_TOPOLOGIES = ['paired', 'chained', 'loop'] as const;
/** Which port a stream transmits on, given the port it receives from (testpmd's `--port-topology`). */
export type PortTopology = (typeof PORT_TOPOLOGIES)[number];

/** Packets per burst without `--burst` (testpmd's `DEF_PKT_BURST`). */
export const DEFAULT_BURST = 32;
/** The idle policies of `--pmd-mgmt` (l3fwd-power's modes; `monitor` and `scale` have no counterpart here). */
export const PMD_MGMT_MODES = ['pause'] as const;
/** An idle policy of worker lcores (l3fwd-power's `--pmd-mgmt`). */
export type PmdMgmtMode = (typeof PMD_MGMT_MODES)[number];
/** Largest `--max-empty-poll`. */
export const MAX_EMPTY_POLL = 1 << 20;
/** Largest `--burst` (testpmd's `MAX_PKT_BURST`). */
export const MAX_BURST = 512;
/** Most queues per port nic-fwd sets up. */
export const MAX_QUEUES = 1024;
/** Largest `--rxd` / `--txd` (testpmd's `RTE_TEST_RX_DESC_MAX`). */
export const MAX_DESCRIPTORS = 2048;
/** Per-lcore mempool cache without `--mbcache` (testpmd's `DEF_MBUF_CACHE`). */
export const DEFAULT_MBUF_CACHE = 250;
/** Largest `--mbcache` (`RTE_MEMPOOL_CACHE_MAX_SIZE`). */
export const MAX_MBUF_CACHE = 512;
/** Largest `--total-num-mbufs`. */
export const MAX_MBUFS = 1 << 22;
/** txonly frame length without `--txpkts` (testpmd's `TXONLY_DEF_PACKET_LEN`). */
export const DEFAULT_TX_PKT_LEN = 64;
/** Flows `--txonly-multi-flow` generates unless `--tx-flows` says otherwise. */
export const MULTI_FLOW_COUNT = 256;
/** Most `--tx-flows`: every UDP source port. */
export const MAX_TX_FLOWS = 65536;
/** txonly source and destination addresses without `--tx-ip` (testpmd's: the benchmarking range of RFC 2544). */
export const DEFAULT_TX_IP_SRC = '198.18.0.1';
/** See {@link DEFAULT_TX_IP_SRC}. */
export const DEFAULT_TX_IP_DST = '198.18.0.2';
/** txonly UDP port without `--tx-udp` (testpmd's: discard). */
export const DEFAULT_TX_UDP_PORT = 9;
/** Largest `--stats-period`, in seconds (l2fwd's `MAX_TIMER_PERIOD`). */
export const MAX_STATS_PERIOD = 86400;
/** Most ports nic-fwd forwards between (`--portmask` bits). */
export const MAX_PORTS = 32;
/** Tx offloads without `--tx-offloads` (testpmd's): fast free, dropped on ports whose driver lacks it. */
export const DEFAULT_TX_OFFLOADS = TxOffload.MBUF_FAST_FREE;

/** What the application arguments ask for. */
export interface FwdOptions {
  /** `-h`/`--help`: print the usage and exit. */
  readonly help: boolean;
  readonly forwardMode: ForwardMode;
  readonly portTopology: PortTopology;
  /** Forwarding lcores; `undefined`: every worker lcore (the main lcore when there is none). */
  readonly nbCores: number | undefined;
  readonly burst: number;
  /** Rx queues per port (one stream each). */
  readonly rxq: number;
  /** Tx queues per port, at least {@link FwdOptions.rxq}. */
  readonly txq: number;
  /** Rx descriptors per queue; 0: the driver's preferred count. */
  readonly rxd: number;
  /** Tx descriptors per queue; 0: the driver's preferred count. */
  readonly txd: number;
  /** Seconds between live statistics; 0: none. */
  readonly statsPeriod: number;
  /** Statistics as JSON lines on stdout instead of text. */
  readonly statsJson: boolean;
  /** File the forwarded packets are written to, in pcap format. */
  readonly pcap: string | undefined;
  /** Length of txonly frames, Ethernet header included. */
  readonly txPktLen: number;
  /** txonly flows: consecutive UDP source ports from {@link FwdOptions.txUdpSrc}. */
  readonly txFlows: number;
  /** txonly IPv4 source, as a 32-bit number. */
  readonly txIpSrc: number;
  /** txonly IPv4 destination, as a 32-bit number. */
  readonly txIpDst: number;
  readonly txUdpSrc: number;
  readonly txUdpDst: number;
  /** `--eth-peer` addresses by port id (`aa:bb:cc:dd:ee:ff`). */
  readonly ethPeers: ReadonlyMap<number, string>;
  /** Mbufs in the pool; `undefined`: l2fwd's formula. */
  readonly totalNumMbufs: number | undefined;
  readonly mbcache: number;
  /** Ports to forward between, as a bit mask of port ids; `undefined`: every port. */
  readonly portmask: number | undefined;
  /** Seconds after which nic-fwd stops by itself; `undefined`: until SIGINT or SIGTERM. */
  readonly duration: number | undefined;
  /** Send one burst of txonly packets on every port before forwarding (testpmd's `--tx-first`). */
  readonly txFirst: boolean;
  /**
   * `TxOffload` bits every port is configured with (`--tx-offloads`); `MBUF_FAST_FREE` is
   * dropped on a port whose driver lacks it, any other missing bit fails the port's set-up.
   */
  readonly txOffloads: number;
  /** Record how many packets each rx and tx burst had, and show the spread at the end (testpmd's `--record-burst-stats`). */
  readonly recordBurstStats: boolean;
  /**
   * Worker lcores sleep while their rx queues are idle and wake on the queues' interrupts
   * (the NAPI-style loop of @nic/intr, l3fwd-power's interrupt mode) instead of polling
   * without a pause as testpmd does.
   */
  readonly rxInterrupts: boolean;
  /**
   * With `pause`, worker lcores pause (block their thread for {@link FwdOptions.pauseUs})
   * after each empty poll once {@link FwdOptions.maxEmptyPoll} empty polls ran in a row
   * (l3fwd-power's `--pmd-mgmt=pause`); `undefined`: they poll without a pause.
   */
  readonly pmdMgmt: PmdMgmtMode | undefined;
  /** Microseconds per pause (`--pause-duration`); `undefined`: the pause loop's default. */
  readonly pauseUs: number | undefined;
  /** Empty polls in a row before an lcore sleeps or pauses (`--max-empty-poll`); `undefined`: the loop's default. */
  readonly maxEmptyPoll: number | undefined;
}

/** A malformed or unknown application argument. */
export class FwdUsageError extends Error {
  /** The option at fault, as written (`--burst`). */
  readonly option: string;

  constructor(option: string, message: string) {
    // an empty argument is shown quoted, so the message still names what was wrong
    super(`${option === '' ? '""' : option}: ${message}`);
    this.name = 'FwdUsageError';
    this.option = option;
  }
}

const MAC_RE = /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/;
const INTEGER_RE = /^[0-9]+$/;
const HEX_MASK_RE = /^(0[xX])?[0-9a-fA-F]+$/;
const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const UDP_PORT_MAX = 0xffff;

/** The defaults: io forwarding on paired ports, one queue, bursts of 32. */
export const DEFAULT_OPTIONS: FwdOptions = {
  help: false,
  forwardMode: 'io',
  portTopology: 'paired',
  nbCores: undefined,
  burst: DEFAULT_BURST,
  rxq: 1,
  txq: 1,
  rxd: 0,
  txd: 0,
  statsPeriod: 0,
  statsJson: false,
  pcap: undefined,
  txPktLen: DEFAULT_TX_PKT_LEN,
  txFlows: 1,
  txIpSrc: parseIpv4('--tx-ip', DEFAULT_TX_IP_SRC),
  txIpDst: parseIpv4('--tx-ip', DEFAULT_TX_IP_DST),
  txUdpSrc: DEFAULT_TX_UDP_PORT,
  txUdpDst: DEFAULT_TX_UDP_PORT,
  ethPeers: new Map(),
  totalNumMbufs: undefined,
  mbcache: DEFAULT_MBUF_CACHE,
  portmask: undefined,
  duration: undefined,
  txFirst: false,
  txOffloads: DEFAULT_TX_OFFLOADS,
  recordBurstStats: false,
  rxInterrupts: false,
  pmdMgmt: undefined,
  pauseUs: undefined,
  maxEmptyPoll: undefined,
};

function integer(option: string, text: string, min: number, max: number): number {
  const value = INTEGER_RE.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) throw new FwdUsageError(option, `"${text}" is not an integer from ${min} to ${max}`);
  return value;
}

function oneOf<T extends string>(option: string, text: string, choices: readonly T[]): T {
  const found = choices.find((c) => c === text);
  if (found === undefined) throw new FwdUsageError(option, `"${text}" is not one of ${choices.join(', ')}`);
  return found;
}

/** Parses a dotted IPv4 address into a 32-bit number. */
export function parseIpv4(option: string, text: string): number {
  const m = IPV4_RE.exec(text);
  const bytes = m ? m.slice(1).map(Number) : [];
  if (bytes.length !== 4 || bytes.some((b) => b > 0xff)) throw new FwdUsageError(option, `"${text}" is not an IPv4 address`);
  return ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
}

/** A 32-bit IPv4 address in dotted form. */
export function formatIpv4(address: number): string {
  return [address >>> 24, (address >>> 16) & 0xff, (address >>> 8) & 0xff, address & 0xff].join('.');
}

function seconds(option: string, text: string, max: number): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!(value > 0 && value <= max)) throw new FwdUsageError(option, `"${text}" is not a number of seconds above 0 and up to ${max}`);
  return value;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Applies one valued option to `o`. */
type ValueHandler = (o: Mutable<FwdOptions>, value: string, option: string, peers: Map<number, string>) => void;

const VALUED: ReadonlyMap<string, ValueHandler> = new Map(Object.entries({
  '--forward-mode': (o, v, opt) => (o.forwardMode = oneOf(opt, v, FORWARD_MODES)),
  '--port-topology': (o, v, opt) => (o.portTopology = oneOf(opt, v, PORT_TOPOLOGIES)),
  '--nb-cores': (o, v, opt) => (o.nbCores = integer(opt, v, 1, MAX_QUEUES)),
  '--burst': (o, v, opt) => (o.burst = integer(opt, v, 1, MAX_BURST)),
  '--rxq': (o, v, opt) => (o.rxq = integer(opt, v, 1, MAX_QUEUES)),
  '--txq': (o, v, opt) => (o.txq = integer(opt, v, 1, MAX_QUEUES)),
  '--rxd': (o, v, opt) => (o.rxd = integer(opt, v, 0, MAX_DESCRIPTORS)),
  '--txd': (o, v, opt) => (o.txd = integer(opt, v, 0, MAX_DESCRIPTORS)),
  '--stats-period': (o, v, opt) => (o.statsPeriod = integer(opt, v, 0, MAX_STATS_PERIOD)),
  '--pcap': (o, v, opt) => {
    if (v === '') throw new FwdUsageError(opt, 'needs a file name');
    o.pcap = v;
  },
  '--txpkts': (o, v, opt) => (o.txPktLen = integer(opt, v, UDP_FRAME_MIN_LEN, ETH_MAX_FRAME_LEN)),
  '--tx-flows': (o, v, opt) => (o.txFlows = integer(opt, v, 1, MAX_TX_FLOWS)),
  '--tx-ip': (o, v, opt) => {
    const parts = v.split(',');
    if (parts.length !== 2) throw new FwdUsageError(opt, `"${v}" is not SRC,DST`);
    o.txIpSrc = parseIpv4(opt, parts[0]);
    o.txIpDst = parseIpv4(opt, parts[1]);
  },
  '--tx-udp': (o, v, opt) => {
    const parts = v.split(',');
    if (parts.length > 2) throw new FwdUsageError(opt, `"${v}" is not SRC[,DST]`);
    o.txUdpSrc = integer(opt, parts[0], 0, UDP_PORT_MAX);
    o.txUdpDst = parts.length === 2 ? integer(opt, parts[1], 0, UDP_PORT_MAX) : o.txUdpSrc;
  },
  '--eth-peer': (_o, v, opt, peers) => {
    const comma = v.indexOf(',');
    const mac = v.slice(comma + 1);
    if (comma < 0 || !MAC_RE.test(mac)) throw new FwdUsageError(opt, `"${v}" is not PORT,aa:bb:cc:dd:ee:ff`);
    peers.set(integer(opt, v.slice(0, comma), 0, MAX_PORTS - 1), mac.toLowerCase());
  },
  '--total-num-mbufs': (o, v, opt) => (o.totalNumMbufs = integer(opt, v, 1, MAX_MBUFS)),
  '--mbcache': (o, v, opt) => (o.mbcache = integer(opt, v, 0, MAX_MBUF_CACHE)),
  '--portmask': (o, v, opt) => {
    const mask = HEX_MASK_RE.test(v) ? Number.parseInt(v.replace(/^0[xX]/, ''), 16) : 0;
    if (!(mask > 0 && mask < 2 ** MAX_PORTS)) throw new FwdUsageError(opt, `"${v}" is not a non-zero hexadecimal mask of ports 0 to ${MAX_PORTS - 1}`);
    o.portmask = mask;
  },
  '--duration': (o, v, opt) => (o.duration = seconds(opt, v, MAX_STATS_PERIOD)),
  '--pmd-mgmt': (o, v, opt) => {
    if (v === 'monitor' || v === 'scale') throw new FwdUsageError(opt, `"${v}" is a DPDK mode nic has no means for (${v === 'monitor' ? 'UMWAIT on the rx descriptor' : 'CPU frequency scaling'}); use pause or --rx-interrupts`);
    o.pmdMgmt = oneOf(opt, v, PMD_MGMT_MODES);
  },
  '--pause-duration': (o, v, opt) => (o.pauseUs = integer(opt, v, 1, PAUSE_MAX_US)),
  '--max-empty-poll': (o, v, opt) => (o.maxEmptyPoll = integer(opt, v, 1, MAX_EMPTY_POLL)),
  '--tx-offloads': (o, v, opt) => {
    const mask = HEX_MASK_RE.test(v) ? Number.parseInt(v.replace(/^0[xX]/, ''), 16) : Number.NaN;
    if (!(mask >= 0 && mask < 2 ** 31)) throw new FwdUsageError(opt, `"${v}" is not a hexadecimal mask of tx offloads (bits 0 to 30)`);
    o.txOffloads = mask;
  },
} satisfies Record<string, ValueHandler>));

/** Applies one flag to `o`. */
type FlagHandler = (o: Mutable<FwdOptions>, multiFlow: { on: boolean }) => void;

const FLAGS: ReadonlyMap<string, FlagHandler> = new Map(Object.entries({
  '-h': (o) => (o.help = true),
  '--help': (o) => (o.help = true),
  '--stats-json': (o) => (o.statsJson = true),
  '--tx-first': (o) => (o.txFirst = true),
  '--record-burst-stats': (o) => (o.recordBurstStats = true),
  '--rx-interrupts': (o) => (o.rxInterrupts = true),
  '--txonly-multi-flow': (_o, multiFlow) => (multiFlow.on = true),
} satisfies Record<string, FlagHandler>));

/**
 * Parses the application arguments (what follows `--`).
 * @throws FwdUsageError naming the option for an unknown option, a missing or malformed
 *   value, or options that contradict each other.
 */
export function parseFwdArgs(argv: readonly string[]): FwdOptions {
  const o: Mutable<FwdOptions> = { ...DEFAULT_OPTIONS };
  const peers = new Map<number, string>();
  const multiFlow = { on: false };
  let flowsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const flag = FLAGS.get(name);
    if (flag !== undefined && name === arg) {
      flag(o, multiFlow);
      continue;
    }
    const handler = VALUED.get(name);
    if (handler === undefined) {
      throw new FwdUsageError(name, flag === undefined ? 'unknown option (see --help)' : 'takes no value');
    }
    let value: string;
    if (name !== arg) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length) value = argv[++i];
    else throw new FwdUsageError(name, 'needs a value');
    handler(o, value, name, peers);
    if (name === '--tx-flows') flowsGiven = true;
  }
  if (multiFlow.on && !flowsGiven) o.txFlows = MULTI_FLOW_COUNT;
  if (o.rxInterrupts && o.forwardMode === 'txonly') throw new FwdUsageError('--rx-interrupts', 'txonly receives nothing, so it has no queue to sleep on');
  if (o.pmdMgmt !== undefined && o.rxInterrupts) throw new FwdUsageError('--pmd-mgmt', 'an lcore either pauses or sleeps on rx interrupts, not both');
  if (o.pmdMgmt !== undefined && o.forwardMode === 'txonly') throw new FwdUsageError('--pmd-mgmt', 'txonly never polls empty, so it never pauses');
  if (o.pauseUs !== undefined && o.pmdMgmt !== 'pause') throw new FwdUsageError('--pause-duration', 'needs --pmd-mgmt=pause');
  if (o.maxEmptyPoll !== undefined && o.pmdMgmt === undefined && !o.rxInterrupts) throw new FwdUsageError('--max-empty-poll', 'needs --pmd-mgmt=pause or --rx-interrupts');
  if (o.txq < o.rxq) throw new FwdUsageError('--txq', `${o.txq} is fewer than --rxq=${o.rxq}: every stream needs a tx queue of its own`);
  if (o.mbcache > 0 && o.totalNumMbufs !== undefined && o.mbcache * 1.5 > o.totalNumMbufs) {
    throw new FwdUsageError('--mbcache', `${o.mbcache} is too large for --total-num-mbufs=${o.totalNumMbufs} (at most two thirds of it)`);
  }
  o.ethPeers = peers;
  return o;
}
