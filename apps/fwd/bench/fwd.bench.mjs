// nic-fwd against dpdk-testpmd, io forwarding, in one run on this machine:
//
// (a) ring to ring, no kernel: two net_ring ports looped back, --tx-first, one forwarding
//     lcore. The rate is the framework's own cost per packet.
// (b) af_packet on veth: the forwarder's two ports are the root ends of two veth pairs (see
//     src/testbed.ts); a generator (dpdk-testpmd txonly, the same for both contenders) sends
//     64-byte UDP frames from namespace a into port 0; the forwarder passes them to port 1,
//     out to namespace b. Forwarded Mpps = port 1's Tx rate. Needs root.
//
// Both contenders are measured the same way: the per-second rates they print, averaged over
// BENCH_SECONDS (default 5) after WARMUP_SECONDS from their first rate that shows traffic (a
// loaded machine can take seconds to start a forwarding lcore), in BENCH_ROUNDS (default 3) alternating
// rounds; the figures are the medians. The JS heap of nic-fwd's forwarding lcore is read
// after its warm-up and when it stops, with the garbage collections in between.
//
// Pinning, on the first two CPUs A and B of this process's affinity set: every forwarder runs
// lcores 0@A,1@B, its main lcore on A (statistics only) and its forwarding lcore on B; the
// generator runs the same lcores with `--main-lcore 1`, its sending lcore on A. Generator and
// forwarder compete for A's kernel work (veth, softirq) and the forwarder's main thread.
// With one CPU (`taskset -c 1`) A is B: everything shares it and the output says the
// figures are not comparable.
//
// Run with `npm run bench -w @nic/fwd` after `npm run build` (BENCH_SECONDS=1 BENCH_ROUNDS=1
// for a quick check). Results: bench/results/fwd.json.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg as osLoadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { lcoreCpus, lcoresOnCpus, processCpus } from '@nic/eal';
import { JsonChild } from '../dist/child.js';
import { createTestbed, destroyTestbed, inNamespace, testbedUnavailable } from '../dist/testbed.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
/** Rounds per contender, alternating nic-fwd and dpdk-testpmd: the medians damp the noise of a shared machine. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_SECONDS = 2;
const RUN_SECONDS = WARMUP_SECONDS + SECONDS;
const CLI = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const RESULTS = new URL('./results/fwd.json', import.meta.url);
const TESTPMD = 'dpdk-testpmd';
const BURST = 32;
/** testpmd's default pool (150k mbufs) does not fit its arena with --no-huge -m 512. */
const TESTPMD_MBUFS = 16384;
const START_MS = 20_000;
/** Lcores 0 (main) and 1 on the first two CPUs of the affinity set, for nic-fwd (`-l`) and testpmd (`--lcores`: its `-l` takes no `@`). */
const AFFINITY = processCpus();
const LCORES = lcoresOnCpus(2, AFFINITY);
const CPUS = lcoreCpus(2, AFFINITY);
const SHARED_CPU = CPUS[0] === CPUS[1];

const loadavg1 = () => osLoadavg()[0];
const hasTestpmd = spawnSync(TESTPMD, ['-h'], { stdio: 'ignore' }).error === undefined;
let prefixes = 0;
const prefix = (tag) => `fwdbench-${tag}-${process.pid}-${prefixes++}`;
const mpps = (pps) => (pps === undefined ? 'n/a' : `${(pps / 1e6).toFixed(3)} Mpps`);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mean = (values) => (values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length);

// A contender, once started, is `{ flowing(), stop() }`: flowing() resolves once it reports
// traffic; stop() ends it with SIGINT and returns its last SECONDS per-second samples (each an
// array of per-port { rxPps, txPps }) and, for nic-fwd, the heap report of its forwarding lcore.

/** nic-fwd with `ealArgs`, io forwarding, JSON statistics every second. */
async function nicFwd(ealArgs, extra = []) {
  const run = new JsonChild(process.execPath, [CLI, '-l', LCORES, '--no-huge', '-m', '256', '--no-pci', '--file-prefix', prefix('nic'), ...ealArgs, '--', '--forward-mode=io', `--burst=${BURST}`, '--stats-json', '--stats-period=1', ...extra]);
  await run.waitFor((l) => l.event === 'start', START_MS, 'its start line');
  return {
    async flowing() {
      await run.waitFor((l) => l.event === 'stats' && l.ports.some((p) => p.rxPps > 0), START_MS, 'a rate that shows traffic');
    },
    async stop() {
      const code = await run.stop('SIGINT');
      if (code !== 0) throw new Error(`nic-fwd exited with ${code}:\n${run.text}`);
      const final = run.last((l) => l.event === 'final');
      return { samples: run.lines.filter((l) => l.event === 'stats').map((l) => l.ports).slice(-SECONDS), lcore: final.lcores[0] };
    },
  };
}

/** Per-period, per-port rates from testpmd's `--stats-period` blocks. */
function testpmdSamples(output, nbPorts) {
  const blocks = [...output.matchAll(/NIC statistics for port (\d+)[\s\S]*?Rx-pps:\s+(\d+)[\s\S]*?Tx-pps:\s+(\d+)/g)].map((m) => ({ port: Number(m[1]), rxPps: Number(m[2]), txPps: Number(m[3]) }));
  const periods = [];
  for (let i = 0; i + nbPorts <= blocks.length; i += nbPorts) periods.push(blocks.slice(i, i + nbPorts));
  return periods.slice(-SECONDS);
}

/** dpdk-testpmd with `ealArgs` and `appArgs` (`nbPorts` ports), once it prints statistics. */
async function testpmd(nbPorts, ealArgs, appArgs, wrap = (cmd, args) => [cmd, args]) {
  const [cmd, args] = wrap(TESTPMD, ['--no-huge', '-m', '512', '--no-pci', '--file-prefix', prefix('dpdk'), ...ealArgs, '--', '--stats-period', '1', `--total-num-mbufs=${TESTPMD_MBUFS}`, `--burst=${BURST}`, ...appArgs]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (out += chunk));
  const exited = new Promise((resolve) => child.on('close', resolve));
  const deadline = Date.now() + START_MS;
  while (!out.includes('NIC statistics for port')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${TESTPMD} did not start:\n${out.slice(-2000)}`);
    await Promise.race([sleep(50), exited]);
  }
  return {
    async flowing() {
      const until = Date.now() + START_MS;
      while (!testpmdSamples(out, nbPorts).some((ports) => ports.some((p) => p.rxPps > 0))) {
        if (Date.now() > until || child.exitCode !== null) throw new Error(`${TESTPMD} showed no traffic:\n${out.slice(-2000)}`);
        await Promise.race([sleep(50), exited]);
      }
    },
    async stop() {
      child.kill('SIGINT');
      await exited;
      return { samples: testpmdSamples(out, nbPorts) };
    },
  };
}

/** Runs a started contender (and an optional generator) for RUN_SECONDS once it forwards; stops the contender first. */
async function measure(contender, generator) {
  await contender.flowing();
  await sleep(RUN_SECONDS * 1000);
  const result = await contender.stop();
  const offered = generator ? await generator.stop() : undefined;
  return { ...result, offered: offered && mean(offered.samples.map(([p]) => p.txPps)) };
}

function heapLine(lcore) {
  const delta = lcore.heapAfter - lcore.heapBefore;
  return `nic-fwd lcore ${lcore.lcore}: JS heap ${lcore.heapBefore} -> ${lcore.heapAfter} bytes (${delta >= 0 ? '+' : ''}${delta}), ${lcore.gcs} GCs over ${lcore.passes} passes`;
}

async function ringBench() {
  console.log(`(a) ring to ring: io between two looped-back net_ring ports, --tx-first, burst ${BURST}, one forwarding lcore, ${ROUNDS} rounds of ${SECONDS} s after ${WARMUP_SECONDS} s`);
  const rings = ['--vdev', 'net_ring0', '--vdev', 'net_ring1'];
  const rounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    const nic = await measure(await nicFwd(rings, ['--tx-first']));
    const nicPps = mean(nic.samples.map((ports) => ports[0].rxPps + ports[1].rxPps));
    let peerPps;
    if (hasTestpmd) {
      const peer = await measure(await testpmd(2, ['--lcores', LCORES, ...rings], ['--forward-mode=io', '--tx-first', '--nb-cores=1']));
      peerPps = mean(peer.samples.map(([p0, p1]) => p0.rxPps + p1.rxPps));
    }
    console.log(`  round ${round + 1}: nic-fwd ${mpps(nicPps)} (${(1e9 / nicPps).toFixed(1)} ns/packet), dpdk-testpmd ${mpps(peerPps)}${peerPps === undefined ? '' : ` (${(1e9 / peerPps).toFixed(1)} ns/packet)`}; ${heapLine(nic.lcore)}`);
    rounds.push({ nicMpps: nicPps / 1e6, dpdkTestpmdMpps: peerPps === undefined ? null : peerPps / 1e6, heap: nic.lcore });
  }
  return summarize(rounds);
}

/** Medians over the rounds, the ratio of the medians, and the rounds themselves. */
function summarize(rounds) {
  const nicMpps = median(rounds.map((r) => r.nicMpps));
  const dpdkTestpmdMpps = hasTestpmd ? median(rounds.map((r) => r.dpdkTestpmdMpps)) : null;
  const ratio = dpdkTestpmdMpps === null ? null : nicMpps / dpdkTestpmdMpps;
  console.log(`  median: nic-fwd ${nicMpps.toFixed(3)} Mpps (${(1e3 / nicMpps).toFixed(1)} ns/packet), dpdk-testpmd ${dpdkTestpmdMpps === null ? 'n/a' : `${dpdkTestpmdMpps.toFixed(3)} Mpps`}${ratio === null ? '' : `, ratio nic-fwd / dpdk-testpmd ${ratio.toFixed(3)}`}`);
  return { nicMpps, nicNsPerPacket: 1e3 / nicMpps, dpdkTestpmdMpps, ratio, rounds };
}

/** The generator: dpdk-testpmd txonly on namespace a's veth end, its sending lcore on the first CPU. */
function generator(bed) {
  return testpmd(1, ['--lcores', LCORES, '--main-lcore', '1', '--vdev', `net_af_packet0,iface=${bed.a.inner}`], ['--forward-mode=txonly', '--nb-cores=1'], (cmd, args) => inNamespace(bed.a.namespace, cmd, ...args));
}

async function afPacketBench() {
  const why = testbedUnavailable();
  if (why !== undefined || !hasTestpmd) {
    console.log(`(b) af_packet: skipped: ${why ?? `${TESTPMD} is missing (apt-get install dpdk)`}`);
    return null;
  }
  console.log(`(b) af_packet on veth: dpdk-testpmd txonly (64-byte UDP) in namespace a -> port 0 -> io -> port 1 -> namespace b, ${ROUNDS} rounds of ${SECONDS} s after ${WARMUP_SECONDS} s`);
  const bed = createTestbed({ prefix: 'nicbench', tag: 'nb' });
  const ports = [bed.a.outer, bed.b.outer].flatMap((iface, i) => ['--vdev', `net_af_packet${i},iface=${iface}`]);
  try {
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      const nicFwdRun = await nicFwd(ports);
      const nic = await measure(nicFwdRun, await generator(bed));
      const nicPps = mean(nic.samples.map((p) => p[1].txPps));
      const peerRun = await testpmd(2, ['--lcores', LCORES, ...ports], ['--forward-mode=io', '--nb-cores=1']);
      const peer = await measure(peerRun, await generator(bed));
      const peerPps = mean(peer.samples.map(([, p1]) => p1.txPps));
      console.log(`  round ${round + 1}: nic-fwd ${mpps(nicPps)} of ${mpps(nic.offered)} offered, dpdk-testpmd ${mpps(peerPps)} of ${mpps(peer.offered)} offered; ${heapLine(nic.lcore)}`);
      rounds.push({ nicMpps: nicPps / 1e6, dpdkTestpmdMpps: peerPps / 1e6, offeredToNicMpps: nic.offered / 1e6, offeredToTestpmdMpps: peer.offered / 1e6, heap: nic.lcore });
    }
    return summarize(rounds);
  } finally {
    destroyTestbed(bed);
  }
}

if (!hasTestpmd) console.log(`!! ${TESTPMD} not found: no peer ratios (apt-get install dpdk)`);
const loadavg = loadavg1();
console.log(`load average before the run: ${loadavg.toFixed(2)} on ${availableParallelism()} CPUs (other work on the machine skews the figures); lcores ${LCORES}`);
if (SHARED_CPU) console.log(`!! one CPU in this process's affinity set: main and forwarding lcores (and the generator) share CPU ${CPUS[0]}, so these figures are not comparable with a run on two CPUs`);
const ring = await ringBench();
const afPacket = await afPacketBench();
const result = { bench: 'fwd', date: new Date().toISOString(), node: process.version, cpus: availableParallelism(), lcoreCpus: CPUS, sharedCpu: SHARED_CPU, loadavg, burst: BURST, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, rounds: ROUNDS, ring, afPacket };
mkdirSync(new URL('./', RESULTS), { recursive: true });
writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
console.log(`results: ${fileURLToPath(RESULTS)}`);
