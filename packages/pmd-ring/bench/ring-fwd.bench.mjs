// Ring-to-ring io forwarding on one lcore, no kernel: rx bursts of 32 from one net_ring port
// are sent on the other, both ways, as testpmd's io mode does with two ports. Packets never
// leave the arena, so the figure is the framework's own per-packet cost. Measured in the same
// run: the same loop on bare rings (no ethdev: the dispatch and accounting overhead is the
// difference) and DPDK's dpdk-testpmd doing the same job (the peer ratio).
//
// Lcores run on the CPUs of this process's affinity set: nic's on the first, testpmd's main
// lcore on the first and its forwarding lcore on the second. With one CPU (`taskset -c 1`)
// testpmd's two lcores share it and the output says the figures are not comparable.
//
// Run with `npm run bench -w @nic/pmd-ring` after building (workers and benches load dist).
// BENCH_MS sets the measuring time per contender (default 3000; BENCH_MS=200 for a quick check).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { init, lcoreCpus, lcoresOnCpus, MBUF_DATA_LEN, MBUF_PKT_LEN, MbufView, pktmbufPoolCreate, processCpus, Ring, RING_F_SC_DEQ, RING_F_SP_ENQ } from '@nic/eal';
import { close, configure, portIdByName, rxBurst, rxQueueSetup, start, stop, txBurst, txQueueSetup } from '@nic/ethdev';
import '@nic/pmd-ring';

const BURST = 32;
const PACKET_LENGTH = 64;
const MEASURE_MS = Number(process.env.BENCH_MS ?? 3000);
const WARMUP_MS = 1000;
/** Loop iterations between two looks at the clock. */
const CLOCK_EVERY = 4096;
const POOL_SIZE = 8191;
const RAW_RING_SIZE = 1024;
const TESTPMD = 'dpdk-testpmd';
/**
 * testpmd's per-second reports that show traffic before it is stopped: the first may cover a
 * partial second, the last is the figure.
 */
const TESTPMD_BUSY_REPORTS = Math.max(2, Math.ceil(MEASURE_MS / 1000));
/** How long testpmd may take to show that many (its memory set-up is slow on a loaded machine). */
const TESTPMD_DEADLINE_MS = 60_000;
const RESULTS = new URL('./results/ring-fwd.json', import.meta.url);
const CPUS = processCpus();
/** testpmd's lcores (main, forwarding); nic's one lcore is the first. */
const PEER_CPUS = lcoreCpus(2, CPUS);
const SHARED_CPU = PEER_CPUS[0] === PEER_CPUS[1];

/** Runs `step` (which returns packets moved) for WARMUP_MS, then for MEASURE_MS; returns packets per second. */
function measure(step) {
  for (const [ms, counted] of [
    [WARMUP_MS, false],
    [MEASURE_MS, true],
  ]) {
    const t0 = performance.now();
    let packets = 0;
    let elapsed = 0;
    while (elapsed < ms) {
      for (let i = 0; i < CLOCK_EVERY; i++) packets += step();
      elapsed = performance.now() - t0;
    }
    if (counted) return (packets * 1000) / elapsed;
  }
  return 0;
}

function report(label, pps) {
  console.log(`  ${label.padEnd(34)} ${(pps / 1e6).toFixed(2).padStart(8)} Mpps  ${(1e9 / pps).toFixed(2).padStart(7)} ns/packet`);
}

async function nicEthdev() {
  const { eal } = await init(['--no-pci', '--no-huge', '-m', '128', '-l', lcoresOnCpus(1, CPUS), '--file-prefix', `ring-fwd-${process.pid}`, '--vdev', 'net_ring0', '--vdev', 'net_ring1']);
  try {
    const pool = pktmbufPoolCreate(eal.arena, 'bench_pool', POOL_SIZE, 0);
    const mbufs = new MbufView(eal.arena);
    const a = portIdByName('net_ring0');
    const b = portIdByName('net_ring1');
    for (const port of [a, b]) {
      configure(port, 1, 1);
      rxQueueSetup(port, 0, 0, undefined, pool);
      txQueueSetup(port, 0, 0);
      start(port);
      const first = new Uint32Array(BURST);
      mbufs.allocBulk(pool, first, BURST);
      for (const h of first) {
        eal.arena.u16[(h + MBUF_DATA_LEN) >>> 1] = PACKET_LENGTH;
        eal.arena.u32[(h + MBUF_PKT_LEN) >>> 2] = PACKET_LENGTH;
      }
      txBurst(port, 0, first, BURST);
    }
    const buf = new Uint32Array(BURST);
    const forward = (from, to) => {
      const n = rxBurst(from, 0, buf, BURST);
      if (n !== 0) {
        const sent = txBurst(to, 0, buf, n);
        if (sent !== n) mbufs.freeBulk(buf, n - sent, sent);
      }
      return n;
    };
    const pps = measure(() => forward(a, b) + forward(b, a));
    for (const port of [a, b]) {
      stop(port);
      close(port);
    }
    return pps;
  } finally {
    await eal.cleanup();
  }
}

async function rawRings() {
  const { eal } = await init(['--no-pci', '--no-huge', '-m', '64', '-l', lcoresOnCpus(1, CPUS), '--file-prefix', `ring-raw-${process.pid}`]);
  try {
    const ra = Ring.create(eal.arena, 'raw_a', RAW_RING_SIZE, RING_F_SP_ENQ | RING_F_SC_DEQ);
    const rb = Ring.create(eal.arena, 'raw_b', RAW_RING_SIZE, RING_F_SP_ENQ | RING_F_SC_DEQ);
    const buf = new Uint32Array(BURST);
    for (const ring of [ra, rb]) {
      for (let i = 0; i < BURST; i++) buf[i] = i + 1;
      ring.enqueueBurst(buf, BURST);
    }
    const forward = (from, to) => {
      const n = from.dequeueBurst(buf, BURST);
      if (n !== 0) to.enqueueBurst(buf, n);
      return n;
    };
    return measure(() => forward(ra, rb) + forward(rb, ra));
  } finally {
    await eal.cleanup();
  }
}

/**
 * DPDK's testpmd in io mode between two net_ring ports on one forwarding lcore: the Rx-pps of
 * both ports in its last report that shows traffic, summed.
 */
async function testpmd() {
  if (spawnSync(TESTPMD, ['--version'], { stdio: 'ignore' }).error) {
    console.log(`  !! ${TESTPMD} not found: no peer ratio (install DPDK: apt-get install dpdk)`);
    return undefined;
  }
  const prefix = `ring-fwd-peer-${process.pid}`;
  const args = ['--lcores', lcoresOnCpus(2, CPUS), '--no-huge', '-m', '1024', '--no-pci', '--file-prefix', prefix, '--vdev', 'net_ring0', '--vdev', 'net_ring1'];
  args.push('--', '--forward-mode=io', '--tx-first', '--stats-period', '1', '--nb-cores=1', `--burst=${BURST}`, '--total-num-mbufs=16384');
  const child = spawn(TESTPMD, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  let running = true;
  const exited = new Promise((resolve) => child.on('exit', resolve)).then(() => (running = false));
  const busyReports = () => {
    const rates = [...out.matchAll(/Rx-pps:\s+(\d+)/g)].map((m) => Number(m[1]));
    const reports = [];
    for (let i = 0; i + 1 < rates.length; i += 2) reports.push(rates[i] + rates[i + 1]);
    return reports.filter((pps) => pps > 0);
  };
  const deadline = Date.now() + TESTPMD_DEADLINE_MS;
  while (running && busyReports().length < TESTPMD_BUSY_REPORTS && Date.now() < deadline) await sleep(100);
  child.kill('SIGINT');
  await exited;
  // DPDK leaves its runtime directory (/var/run/dpdk/<prefix> for root) behind.
  const runtime = process.getuid?.() === 0 ? '/var/run/dpdk' : `${process.env.XDG_RUNTIME_DIR ?? '/tmp'}/dpdk`;
  rmSync(`${runtime}/${prefix}`, { recursive: true, force: true });
  const busy = busyReports();
  if (busy.length === 0) {
    console.log(`  !! ${TESTPMD} reported no traffic; its output ends with:\n${out.slice(-400)}`);
    return undefined;
  }
  return busy.at(-1);
}

console.log(`ring-fwd: io forwarding between two net_ring ports, burst ${BURST}, ${PACKET_LENGTH}-byte packets, one lcore (CPU ${PEER_CPUS[0]}; testpmd's main lcore on CPU ${PEER_CPUS[0]}, its forwarding lcore on CPU ${PEER_CPUS[1]})`);
if (SHARED_CPU) console.log(`  !! one CPU in this process's affinity set: testpmd's two lcores share CPU ${PEER_CPUS[0]}, so these figures are not comparable with a run on two CPUs`);
const nic = await nicEthdev();
report('nic ethdev rx/txBurst (net_ring)', nic);
const raw = await rawRings();
report('nic bare rings (no ethdev)', raw);
console.log(`  ethdev dispatch and accounting: ${(1e9 / nic - 1e9 / raw).toFixed(2)} ns/packet over bare rings`);
const peer = await testpmd();
if (peer !== undefined) {
  report('dpdk-testpmd io (net_ring)', peer);
  console.log(`  ratio nic / dpdk-testpmd: ${(nic / peer).toFixed(3)}`);
}
const result = {
  bench: 'ring-fwd',
  date: new Date().toISOString(),
  node: process.version,
  burst: BURST,
  packetLength: PACKET_LENGTH,
  measureMs: MEASURE_MS,
  cpus: PEER_CPUS,
  sharedCpu: SHARED_CPU,
  nicMpps: nic / 1e6,
  nicNsPerPacket: 1e9 / nic,
  bareRingsMpps: raw / 1e6,
  dpdkTestpmdMpps: peer === undefined ? null : peer / 1e6,
  ratioToDpdk: peer === undefined ? null : nic / peer,
};
mkdirSync(new URL('./', RESULTS), { recursive: true });
writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
console.log(`  results: ${RESULTS.pathname}`);
