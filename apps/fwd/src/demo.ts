/**
 * nic-fwd-demo, what `npm start` runs: nic-fwd forwarding real traffic on this machine.
 *
 * As root: two network namespaces, each joined by a veth pair to one of the forwarder's
 * af_packet ports; io forwarding between the ports; a ping and a UDP stream from one
 * namespace to the other, across the forwarder; live statistics; everything torn down at
 * the end, also on an error or Ctrl-C.
 *
 * Without root: the same forwarding over in-process net_ring ports, fed by a txonly
 * generator and drained by an rxonly sink (see `pipeline.ts`).
 *
 * Either way the demo checks what it shows: every packet of the stream is received or counted
 * as dropped at one named place (`accounting.ts`), and every mbuf is back in the pool at the
 * end. When either does not hold it says so and exits with status 1.
 */
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { init, lcoresOnCpus, processCpus, type Eal } from '@nic/eal';
import { ports as ethPorts } from '@nic/ethdev';
import { accountingHolds, formatAccounting, type Accounting } from './accounting.js';
import { formatPorts, formatStreams } from './banner.js';
import { JsonChild } from './child.js';
import { buildStreams, type Stream } from './config.js';
import './drivers.js';
import { Forwarder, type FinalReport } from './forwarder.js';
import { DEFAULT_OPTIONS, type FwdOptions } from './options.js';
import { pipeline, PIPELINE_VDEVS } from './pipeline.js';
import { runSession } from './session.js';
import { txDropped, type PortCounts } from './stats.js';
import { createTestbed, destroyTestbed, inNamespace, testbedUnavailable, udpCounters, vethTxDropped, type Testbed, type UdpCounters } from './testbed.js';

/** Datagrams of the demo's UDP stream. */
const UDP_COUNT = 100_000;
/** UDP port of the stream (testpmd's txonly default, discard). */
const UDP_PORT = 9;
/** Echo requests of the ping. */
const PING_COUNT = 3;
/** Seconds the ring demo forwards. */
const RING_SECONDS = 5;
/** Arena of the namespace demo, MiB. */
const NAMESPACE_MEMORY_MB = 256;
/**
 * Arena of the ring demo, MiB: it runs without root, where the kernel lets a process lock
 * 8 MiB (the usual RLIMIT_MEMLOCK), so it also uses a smaller pool than l2fwd's formula.
 */
const RING_MEMORY_MB = 7;
/** Mbufs of the ring demo. */
const RING_MBUFS = 2047;
/** Per-lcore mbuf cache of the ring demo. */
const RING_MBUF_CACHE = 64;
/**
 * Most milliseconds to wait for the stream to be sent, then for every datagram of it to be
 * accounted for (bounds for a machine loaded by other work; seconds suffice on an idle one).
 */
const SETTLE_MS = 60_000;
/** Milliseconds between two looks at the counters while the stream settles. */
const READ_MS = 100;
/** Milliseconds a helper process may take to start. */
const START_MS = 20_000;

/** Signals that end the demo early (it still tears everything down). */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

const run = promisify(execFile);
const say = (line: string): void => void process.stdout.write(`${line}\n`);

/**
 * EAL arguments of a demo: one forwarding lcore when the process may run on two CPUs (its
 * affinity set), `megabytes` of locked ordinary memory.
 */
function ealArgs(prefix: string, megabytes: number, vdevs: readonly string[]): string[] {
  const cpus = processCpus();
  const lcores = lcoresOnCpus(cpus.length > 1 ? 2 : 1, cpus);
  return ['-l', lcores, '--no-huge', '-m', String(megabytes), '--no-pci', '--file-prefix', `${prefix}-${process.pid}`, ...vdevs.flatMap((v) => ['--vdev', v])];
}

/** Starts forwarding `streams` between `ports` on every worker lcore (or the main one). */
function startForwarder(eal: Eal, options: FwdOptions, ports: readonly number[], streams: readonly Stream[]): Forwarder {
  const workers = eal.lcores.workerIds();
  const lcores = workers.length > 0 ? workers : [eal.lcores.mainLcore];
  const fwd = Forwarder.start({ eal, options, ports, streams, lcores });
  const mode = options.forwardMode;
  for (const line of [...formatPorts(ports), ...formatStreams(mode, ports.length, fwd.streams)]) say(line);
  return fwd;
}

/** Runs the session with live statistics every second, without clearing the screen. */
function session(fwd: Forwarder, until: Promise<unknown> | undefined, duration: number | undefined): Promise<FinalReport> {
  return runSession(fwd, { statsPeriod: 1, statsJson: false, duration, out: { write: (text: string) => process.stdout.write(text) }, log: say, until });
}

/** The path of a built helper script next to this file. */
function script(name: string): string {
  return fileURLToPath(new URL(`./${name}.js`, import.meta.url));
}

/** The counters a UDP stream's accounting starts from. */
interface StreamBaseline {
  readonly ports: readonly PortCounts[];
  readonly udp: UdpCounters;
  readonly vethIn: number;
  readonly vethOut: number;
}

function baseline(bed: Testbed, fwd: Forwarder): StreamBaseline {
  return { ports: fwd.monitor.counts(), udp: udpCounters(bed.b.namespace), vethIn: vethTxDropped(bed.a.namespace, bed.a.inner), vethOut: vethTxDropped(undefined, bed.b.outer) };
}

/**
 * Where the `sent` datagrams from a to b ended since `before`: received by the receiver, or
 * dropped on the veth into the forwarder, by its rx or tx port, on the veth out of it, or by
 * the receiver's UDP stack (a full socket buffer).
 */
function udpAccounting(bed: Testbed, fwd: Forwarder, before: StreamBaseline, sent: number, received: number): Accounting {
  const [inBefore, outBefore] = before.ports;
  const [inPort, outPort] = fwd.monitor.counts();
  return {
    sent,
    terms: [
      { count: received, where: `received in ${bed.b.namespace}` },
      { count: vethTxDropped(bed.a.namespace, bed.a.inner) - before.vethIn, where: `dropped on the veth into nic-fwd (${bed.a.inner})` },
      { count: inPort.rxMissed - inBefore.rxMissed, where: `nic-fwd RX-dropped (${inPort.name})` },
      { count: txDropped(outPort) - txDropped(outBefore), where: `nic-fwd TX-dropped (${outPort.name})` },
      { count: vethTxDropped(undefined, bed.b.outer) - before.vethOut, where: `dropped on the veth out of nic-fwd (${bed.b.outer})` },
      { count: udpCounters(bed.b.namespace).InErrors - before.udp.InErrors, where: `dropped by the UDP stack in ${bed.b.namespace}` },
    ],
  };
}

/** Says `accounting`; throws when it does not hold. */
function check(tag: string, accounting: Accounting): void {
  say(`${tag} ${formatAccounting(accounting)}`);
  if (!accountingHolds(accounting)) throw new Error(`${tag} not every packet is accounted for`);
}

/**
 * Pings b from a, then streams UDP from a to b through `fwd`, and checks that every datagram
 * was received or counted as dropped.
 */
async function traffic(bed: Testbed, fwd: Forwarder): Promise<void> {
  say(`\n[ping] ${bed.a.namespace} (${bed.a.address}) -> ${bed.b.namespace} (${bed.b.address}), through nic-fwd`);
  if (spawnSync('ping', ['-V'], { stdio: 'ignore' }).error === undefined) {
    const ping = await run(...inNamespace(bed.a.namespace, 'ping', '-c', String(PING_COUNT), '-i', '0.2', '-W', '2', bed.b.address));
    for (const line of ping.stdout.trim().split('\n')) say(`[ping] ${line}`);
  } else {
    say('[ping] skipped: ping is missing (apt-get install iputils-ping)');
  }
  const receiver = new JsonChild(...inNamespace(bed.b.namespace, process.execPath, script('udp-recv'), `--port=${UDP_PORT}`));
  try {
    await receiver.waitFor((l) => l.ready === true, START_MS, 'its ready line');
    say(`\n[udp] ${UDP_COUNT} datagrams of 64-byte frames from ${bed.a.namespace} to ${bed.b.address}:${UDP_PORT}`);
    const before = baseline(bed, fwd);
    const sender = new JsonChild(...inNamespace(bed.a.namespace, process.execPath, script('udp-send'), `--to=${bed.b.address}`, `--port=${UDP_PORT}`, `--count=${UDP_COUNT}`));
    const result = await sender.waitFor((l) => typeof l.sent === 'number', START_MS + SETTLE_MS, 'its count');
    const sent = Number(result.sent);
    const received = (): number => Number(receiver.last((l) => typeof l.received === 'number')?.received ?? 0);
    // Datagrams still on their way are in no count yet: wait until the counts add up.
    const deadline = Date.now() + SETTLE_MS;
    while (!accountingHolds(udpAccounting(bed, fwd, before, sent, received())) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, READ_MS));
    await receiver.stop();
    say(`[udp] sent ${sent}, received ${received()}`);
    check('[udp]', udpAccounting(bed, fwd, before, sent, received()));
  } finally {
    await receiver.stop();
  }
}

/** Throws unless every mbuf of the run is back in its pool. */
function checkMbufs(report: FinalReport): void {
  if (report.mbufs.available !== report.mbufs.size) throw new Error(`${report.mbufs.size - report.mbufs.available} mbufs did not come back to pool ${report.mbufs.pool}`);
}

async function namespaceDemo(bed: Testbed): Promise<void> {
  say('nic-fwd demo: two network namespaces joined through nic-fwd (io forwarding between two af_packet ports)');
  let eal: Eal | undefined;
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  for (const signal of STOP_SIGNALS) process.once(signal, onSignal);
  try {
    for (const side of [bed.a, bed.b]) say(`  ${side.namespace}: ${side.inner} ${side.address}/24  <-veth->  ${side.outer} (root namespace, nic-fwd port)`);
    ({ eal } = await init(ealArgs('nicdemo', NAMESPACE_MEMORY_MB, [`net_af_packet0,iface=${bed.a.outer}`, `net_af_packet1,iface=${bed.b.outer}`]), { programName: 'nic-fwd-demo' }));
    const ports = ethPorts(eal);
    const fwd = startForwarder(eal, DEFAULT_OPTIONS, ports, buildStreams('io', 'paired', ports, 1));
    const done = traffic(bed, fwd);
    const stopped = new Promise((resolve) => abort.signal.addEventListener('abort', resolve));
    const report = await session(fwd, Promise.race([done, stopped]), undefined);
    if (!abort.signal.aborted) await done;
    checkMbufs(report);
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    await eal?.cleanup();
    destroyTestbed(bed);
    say(`Removed ${bed.a.namespace}, ${bed.b.namespace} and their veth pairs.`);
  }
}

async function ringDemo(): Promise<void> {
  say('The af_packet demo (ping and UDP between two namespaces across nic-fwd) needs root.');
  say('The same forwarding now runs over in-process net_ring ports:');
  say('  txonly -> net_ring0 ===> net_ring1 -> io -> net_ring2 ===> net_ring3 -> rxonly');
  const { eal } = await init(ealArgs('nicdemo-ring', RING_MEMORY_MB, PIPELINE_VDEVS), { programName: 'nic-fwd-demo' });
  try {
    const { ports, streams } = pipeline();
    const fwd = startForwarder(eal, { ...DEFAULT_OPTIONS, totalNumMbufs: RING_MBUFS, mbcache: RING_MBUF_CACHE }, ports, streams);
    const report = await session(fwd, undefined, RING_SECONDS);
    const [gen, io, , sink] = report.streams;
    say(`generated ${gen.tx + gen.dropped} (sent ${gen.tx}, ${gen.dropped} refused by a full ring), forwarded ${io.tx} of ${io.rx} (${io.dropped} dropped), sink received ${sink.rx}`);
    // What the generator's port sent, after the drain at the stop: at the sink, or counted as
    // dropped by nic-fwd's ports.
    const [genPort, inPort, outPort, sinkPort] = report.ports;
    check('[ring]', {
      sent: genPort.txPackets,
      terms: [
        { count: sinkPort.rxPackets, where: `received by the sink (${sinkPort.name})` },
        { count: inPort.rxMissed, where: `nic-fwd RX-dropped (${inPort.name})` },
        { count: txDropped(outPort), where: `nic-fwd TX-dropped (${outPort.name})` },
      ],
    });
    checkMbufs(report);
  } finally {
    await eal.cleanup();
  }
}

/** Builds the namespaces, or says why not. */
function tryTestbed(): Testbed | undefined {
  const why = testbedUnavailable();
  if (why !== undefined) {
    say(`nic-fwd demo: ${why}, so no network namespaces.`);
    return undefined;
  }
  try {
    // Static neighbour entries: no ARP crosses nic-fwd, so during the UDP stream its counters
    // count the stream alone.
    return createTestbed({ prefix: 'nicdemo', tag: 'nd', staticNeighbours: true });
  } catch (e) {
    say(`nic-fwd demo: cannot build network namespaces here: ${e instanceof Error ? e.message.trim() : String(e)}`);
    return undefined;
  }
}

try {
  const bed = tryTestbed();
  if (bed) await namespaceDemo(bed);
  else await ringDemo();
} catch (e) {
  process.stderr.write(`nic-fwd-demo: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
