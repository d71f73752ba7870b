// net_ixgbe's own cost per forwarded packet on the host, against 10 GbE line rate at 64 bytes
// (14.88 Mpps: 67.2 ns per packet on one core; the stretch goal, two ports at line rate, 33.6).
//
// The loop is nic-fwd's io stream loop (apps/fwd/src/loop.ts) on one lcore: an rx burst of 32
// into a burst array in the arena, a tx burst of it on the other port, and what the tx queue
// refused freed. Two modelled 82599 ports (@nic/test-kit's model, written by another hand) are
// joined by a cable: what one sends arrives at the other. Frames are put in both directions at
// the start and circulate, so every rx burst finds 32. 60-byte frames (64 on the wire),
// MBUF_FAST_FREE, --no-huge (IOVA as VA). Rings of 512 descriptors, testpmd's on ixgbe (the
// ethdev fallback, as net_ixgbe names no preferred size), give the figure; 1024 (l2fwd's and
// nic-fwd's) is measured too: the loop is bound by memory, and a ring is a working set.
//
// The model runs in the lcore's thread, inside the driver's tail writes (a TDT write sends the
// frames, the cable delivers them into the peer's ring; an RDT write gives descriptors back).
// To keep its work out of the driver's time, the bench defers the tail writes: during a span
// of 8 passes (a pass is both streams' bursts, 64 packets) each write is only queued, and the
// model gets them, in order, after the span, as a device's DMA engine would act on a doorbell
// a little later; half a ring and two bursts of frames circulate each way, more than a span
// takes. Only the spans are timed, in the thread's CPU time (CLOCK_THREAD_CPUTIME_ID): wall
// time on a loaded machine counts the time the thread is off its CPU as whatever it was
// running. A span's time holds one clock read's worth of the clock itself (the end of the
// first read, the start of the second), measured on empty spans and taken off. What remains is the driver: rx burst (DD scan, mbuf
// swap, descriptor re-arm in rx.wat, RDT every 32 descriptors), tx burst (fill in tx-fill.wat,
// RS every 32, reclaim by DD, one TDT write), the mempool recycling, ethdev's dispatch and the
// loop; a tail write itself costs the driver only the queueing, where a real device's MMIO
// write is a posted write of some 100 ns.
//
//   npm run build && flock /tmp/nic-bench.lock npm run bench -w @nic/pmd-ixgbe
//   BENCH_ROUNDS=7 BENCH_MS=1000 BENCH_RINGS=512,1024,2048 ...   rounds, driver CPU ms per round, ring sizes
//   BENCH_PROFILE=1 node --cpu-prof --cpu-prof-dir=/tmp/p --cpu-prof-interval 50 bench/fwd.bench.mjs
//   node bench/profile.mjs /tmp/p/<file>.cpuprofile                 where the time goes, by function
//
// Prints a summary and writes bench/results/fwd.json. The machine may be shared: the summary
// gives each round, the load average and the thread's share of its CPU; the best round is the
// figure (interference only ever adds time).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { memzoneReserve, MbufView, pktmbufPoolCreate } from '@nic/eal';
import { close, configure, portIdByName, rxBurst, rxQueueSetup, start, statsGet, stop, txBurst, txQueueSetup, TxOffload } from '@nic/ethdev';
import { threadCpuTimeNs } from '@nic/native';
import { IxgbeModelBench, testFrame } from '@nic/test-kit/models';
import '@nic/pmd-ixgbe';

const BURST = 32;
const FRAME_LEN = 60;
/** Ring sizes measured, the first the figure. */
const RINGS = (process.env.BENCH_RINGS ?? '512,1024').split(',').map(Number);
const POOL_SIZE = 16383;
const MEMPOOL_CACHE = 256;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Driver CPU time per round, ms (the model's time comes on top). */
const MEASURE_MS = Number(process.env.BENCH_MS ?? 1000);
const WARMUP_MS = 500;
/** Passes between two hand-overs of the tail writes to the model. */
const SPAN_PASSES = Number(process.env.BENCH_SPAN ?? 8);
/** Frames circulating in each direction on rings of `ring`: more than a span takes, well below a ring. */
const inflight = (ring) => ring / 2 + 2 * BURST;
/**
 * BENCH_PROFILE=1: no clock reads around the spans, for a CPU profile (a thread the scheduler
 * resumes inside a system call takes its profiler sample there, so timed runs profile as clock
 * reads). Rounds then run for a span count and report nothing per packet.
 */
const PROFILE = process.env.BENCH_PROFILE === '1';
const PROFILE_SPANS = 6_000;
const CLOCK_SAMPLES = 200_001;
const GOAL_NS = 1e9 / 14_880_952;
const STRETCH_NS = GOAL_NS / 2;
const RESULTS = new URL('./results/fwd.json', import.meta.url);
/** Deferred tail writes one span can make at most (two per stream and pass, and then some). */
const MAX_DEFERRED = 8 * SPAN_PASSES;

/** The part of a clock read that falls inside a span: the median of empty spans, ns. */
function clockInsideNs() {
  const spans = new Float64Array(CLOCK_SAMPLES);
  for (let i = 0; i < CLOCK_SAMPLES; i++) {
    const t0 = threadCpuTimeNs();
    spans[i] = threadCpuTimeNs() - t0;
  }
  spans.sort();
  return spans[CLOCK_SAMPLES >>> 1];
}

/**
 * Routes the register writes of `models` into a queue; `flush()` hands the queued writes to the
 * models in order, `restore()` puts the models' own `write32` back.
 */
function deferWrites(models) {
  const who = new Uint8Array(MAX_DEFERRED);
  const offsets = new Uint32Array(MAX_DEFERRED);
  const values = new Uint32Array(MAX_DEFERRED);
  const direct = models.map((m) => m.write32.bind(m));
  let queued = 0;
  let total = 0;
  models.forEach((m, k) => {
    m.write32 = (offset, value) => {
      if (queued === MAX_DEFERRED) throw new Error('bench: more tail writes in one span than expected');
      who[queued] = k;
      offsets[queued] = offset;
      values[queued++] = value;
    };
  });
  return {
    flush() {
      for (let i = 0; i < queued; i++) direct[who[i]](offsets[i], values[i]);
      total += queued;
      queued = 0;
    },
    restore() {
      for (const m of models) delete m.write32;
    },
    get writes() {
      return total;
    },
  };
}

function median(values) {
  return [...values].sort((x, y) => x - y)[values.length >>> 1];
}

/** Rounds of the loop on two modelled ports with rings of `ring` descriptors. */
async function measure(ring, clockNs) {
  if (!(inflight(ring) > SPAN_PASSES * BURST && inflight(ring) < ring - BURST)) throw new Error(`bench: rings of ${ring} descriptors are too small for spans of ${SPAN_PASSES} passes`);
  const bench = await IxgbeModelBench.create({ ports: 2, wire: true });
  const rounds = [];
  try {
    const eal = await bench.init(['-a', bench.addresses[0], '-a', bench.addresses[1]]);
    const pool = pktmbufPoolCreate(eal.arena, 'bench_pool', POOL_SIZE, MEMPOOL_CACHE);
    const mbufs = new MbufView(eal.arena);
    const ports = bench.addresses.map((address) => portIdByName(address, eal));
    for (const port of ports) {
      configure(port, 1, 1, { txMode: { offloads: TxOffload.MBUF_FAST_FREE } });
      rxQueueSetup(port, 0, ring, undefined, pool);
      txQueueSetup(port, 0, ring);
      start(port);
    }
    // Frames to each receiving port's own address, so its filters pass them.
    for (const m of bench.models) {
      for (let i = 0; i < inflight(ring); i++) {
        const frame = testFrame(i, FRAME_LEN);
        frame.set(m.mac, 0);
        const outcome = m.receiveFrame(frame);
        if (outcome !== 'delivered') throw new Error(`${m.name}: frame ${i} was not delivered (${outcome})`);
      }
    }
    // nic-fwd's io stream loop, both directions, the burst array in the arena.
    const zone = memzoneReserve(eal.arena, 'bench_burst', BURST * Uint32Array.BYTES_PER_ELEMENT);
    const handles = new Uint32Array(eal.arena.buffer, zone.offset, BURST);
    const [a, b] = ports;
    let refused = 0;
    const stream = (rx, tx) => {
      const n = rxBurst(rx, 0, handles, BURST);
      if (n === 0) return 0;
      const sent = txBurst(tx, 0, handles, n);
      if (sent < n) {
        mbufs.freeBulk(handles, n - sent, sent);
        refused += n - sent;
      }
      return n;
    };
    const doorbells = deferWrites(bench.models);
    /** Runs spans until the driver has used `ms` of CPU time (or `spans` spans when profiling). */
    const run = (ms, spans = Infinity) => {
      const writes0 = doorbells.writes;
      const cpu0 = threadCpuTimeNs();
      let driverNs = 0;
      let packets = 0;
      let done = 0;
      while (driverNs < ms * 1e6 && done++ < spans) {
        const t0 = PROFILE ? 0 : threadCpuTimeNs();
        for (let p = 0; p < SPAN_PASSES; p++) packets += stream(a, b) + stream(b, a);
        if (!PROFILE) driverNs += threadCpuTimeNs() - t0 - clockNs;
        doorbells.flush();
      }
      return { packets, driverNs, cpuNs: threadCpuTimeNs() - cpu0, writes: doorbells.writes - writes0 };
    };
    run(WARMUP_MS, PROFILE ? PROFILE_SPANS / 4 : Infinity);
    for (let r = 0; r < ROUNDS; r++) {
      const load = loadavg()[0];
      const wall0 = Date.now();
      const { packets, driverNs, cpuNs, writes } = run(MEASURE_MS, PROFILE ? PROFILE_SPANS : Infinity);
      const wallMs = Date.now() - wall0;
      rounds.push({
        packets,
        driverNsPerPacket: PROFILE ? undefined : driverNs / packets,
        modelAndClockNsPerPacket: PROFILE ? undefined : (cpuNs - driverNs) / packets,
        cpuNsPerPacket: cpuNs / packets,
        tailWritesPerPacket: writes / packets,
        onCpu: cpuNs / 1e6 / wallMs,
        loadAverage1m: load,
      });
    }
    doorbells.restore();
    const stats = ports.map((p) => statsGet(p));
    if (refused !== 0 || stats.some((s) => s.imissed !== 0 || s.ierrors !== 0)) {
      throw new Error(`frames lost: ${refused} refused by tx, imissed ${stats.map((s) => s.imissed)}, ierrors ${stats.map((s) => s.ierrors)}`);
    }
    for (const port of ports) {
      stop(port);
      close(port);
    }
  } finally {
    await bench.close();
  }
  return rounds;
}

async function main() {
  const clockNs = PROFILE ? 0 : clockInsideNs();
  const results = [];
  for (const ring of RINGS) results.push({ ring, inflightPerDirection: inflight(ring), rounds: await measure(ring, clockNs) });
  report(results, clockNs);
}

function report(results, clockNs) {
  const f = (x, width) => (x === undefined ? '-' : x.toFixed(1)).padStart(width);
  const machine = { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, loadAverage: loadavg() };
  console.log(`net_ixgbe io forwarding between 2 modelled 82599 ports, one lcore, burst 32, 64-byte frames, spans of ${SPAN_PASSES} passes`);
  console.log('   ring  round   driver ns/pkt   model+clock ns/pkt   tail writes/pkt   on CPU   load');
  for (const { ring, rounds } of results) {
    rounds.forEach((r, i) => {
      const cells = [f(r.driverNsPerPacket, 13), f(r.modelAndClockNsPerPacket, 18), r.tailWritesPerPacket.toFixed(3).padStart(15), `${(r.onCpu * 100).toFixed(0)}%`.padStart(6), r.loadAverage1m.toFixed(1).padStart(4)];
      console.log(`  ${String(ring).padStart(5)}  ${String(i + 1).padStart(5)}   ${cells.join('   ')}`);
    });
  }
  if (PROFILE) {
    console.log('profile run: per-packet figures need a run without BENCH_PROFILE');
    return;
  }
  const rings = results.map(({ ring, inflightPerDirection, rounds }) => {
    const driver = rounds.map((r) => r.driverNsPerPacket);
    const best = Math.min(...driver);
    return { ring, inflightPerDirection, bestDriverNsPerPacket: best, medianDriverNsPerPacket: median(driver), bestMppsPerCore: 1e3 / best, ratioToGoal: GOAL_NS / best, ratioToStretch: STRETCH_NS / best, rounds };
  });
  const result = {
    what: 'net_ixgbe io forwarding between two modelled 82599 ports on one lcore: rx burst + tx burst + mbuf recycling, burst 32, 64-byte frames, MBUF_FAST_FREE; the driver\'s CPU time per packet, the model\'s work deferred out of it; the first ring size (testpmd\'s on ixgbe) is the figure',
    goalNsPerPacket: GOAL_NS,
    stretchNsPerPacket: STRETCH_NS,
    spanPasses: SPAN_PASSES,
    clockInsideSpanNs: clockNs,
    rings,
    machine,
    date: new Date().toISOString(),
  };
  mkdirSync(new URL('.', RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`  clock cost taken off: ${clockNs.toFixed(0)} ns per span of ${SPAN_PASSES * 2 * BURST} packets`);
  for (const r of rings) {
    console.log(
      `driver, rings of ${r.ring}: best ${r.bestDriverNsPerPacket.toFixed(1)} ns/packet = ${r.bestMppsPerCore.toFixed(2)} Mpps per core (median ${r.medianDriverNsPerPacket.toFixed(1)}); ` +
        `goal ${GOAL_NS.toFixed(1)} ns: ratio ${r.ratioToGoal.toFixed(2)}; stretch ${STRETCH_NS.toFixed(1)} ns: ratio ${r.ratioToStretch.toFixed(2)}`,
    );
  }
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} on ${cpus().length} CPUs; JSON in ${RESULTS.pathname}`);
}

await main();
