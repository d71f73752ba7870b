// net_e1000_igb of nic against DPDK's own igb PMD, in one QEMU guest (TCG) on QEMU's 82576
// model (`-device igb`), the two functions bound to vfio-pci behind the emulated VT-d IOMMU
// (see tools/qemu-tier). The contenders are `dpdk-testpmd` (Debian's dpdk package, the host's
// binary seen through the guest's 9p root) and nic's `nic-fwd` (apps/fwd), with the same flags:
//
//   -l 0,1 -a 0000:01:00.0 -a 0000:02:00.0 --iova-mode va -- --forward-mode=MODE --nb-cores=1
//   --burst=32 --rxd=512 --txd=512 --total-num-mbufs=8192 --stats-period=1
//
// Three modes, each measured the same way for both:
//   txonly  the app sends 64-byte frames on both ports; pps = what arrives at the host's two
//           UDP sockets of the NICs (can't be faked), cross-checked with the app's tx counters.
//           The host's sockets are never read (bench/sink.mjs): the kernel counts each frame
//           as a socket drop, exactly and at no cost to the host's CPUs.
//   rxonly  the host floods NIC 0 with 64-byte IPv4/UDP frames (bench/flood.mjs, a child
//           process, unpaced unless BENCH_OFFER_PPS); pps = the app's port-0 rx counter delta.
//           The offered rate is reported beside it.
//   io      the same flood into NIC 0; the app forwards port 0 -> port 1; pps = what arrives
//           at the host's socket of NIC 1, cross-checked with the app's port-1 tx counter.
//
// In rxonly and io nic-fwd runs a second time with an idle policy: `--pmd-mgmt=pause` (the
// lcore blocks its thread for 100 µs after each empty poll once 16 ran in a row, so its vCPU
// halts; BENCH_PAUSE_US and BENCH_MAX_EMPTY_POLL change those, BENCH_PMD_MGMT=0 leaves it
// out), and with
// BENCH_RX_INTERRUPTS=1 `--rx-interrupts` (the lcore sleeps on the queue's MSI-X vector).
// testpmd has no idle mode, so these compare nic's idle policies with DPDK's busy polling,
// beside the like-for-like figure. QEMU's main loop does the igb model's receive work and
// shares the 2 CPUs with the vCPU threads and the flooder, so a vCPU that sleeps leaves it
// more CPU, while each interrupt or timer wake-up costs it some. Each run records the CPU share of QEMU's main thread, of the vCPU thread that runs the
// forwarding lcore (QEMU names its threads) and of its other threads over the window, and the
// rate of each second of the window.
//
// One guest boot for everything. Each run: start the app, wait until it is forwarding, start
// the flood (rxonly, io), let WARMUP_SECONDS pass, count over BENCH_SECONDS, stop (SIGINT).
// The warm-up covers V8's tier-up of nic-fwd's forwarding path, which under TCG takes half a
// minute (`--trace-opt` in the guest: the rx burst is optimised at 4 s, the tx burst at 12 s,
// its reclaim at 21 s, the pool's bulk dequeue at 36 s) and keeps V8's compiler threads busy on
// the guest's CPUs meanwhile: in io, 12-22 s after start nic forwarded 39 kpps with vCPU 0 at
// 7-8% of a host CPU, and 40-46 kpps with it at 2-5% from 22 s on. DPDK is flat from the first
// second and gets the same warm-up, so the window compares the two steady states.
// BENCH_ROUNDS rounds; in each, every mode runs its contenders back to back, each round
// starting with the next one; the figures are the medians over the rounds, and the median of
// the rounds' own nic/DPDK ratios (the paired view: the runs of a round share conditions).
// The per-round ratios also give a geometric mean with its 95% confidence interval, and the
// summary says whether that interval lies at or above 1.0, below it, or across it: the host's
// noise moves a round's ratio by 13-18%, so few rounds resolve little.
//
// The machine's 2 CPUs are shared by QEMU's 2 vCPU threads, its I/O thread and the flooder:
// the load average is recorded.
//
// A run stalls when a second of its window passes without a packet (or fails when the app
// does not start within 90 s); it is run again, up to three attempts, and the stalled app's whole output goes to bench/results/stalled-*.log; a
// run that stalls three times is left out of the figures (and its round gives no ratio).
// dpdk-testpmd's rxonly stalls on QEMU's igb model on some hosts (README, "Stalls").
//
// Guest work per frame (unless BENCH_COUNT=0): a second guest, booted with the tier's
// guest-counts TCG plugin, runs each contender in txonly once more (same warm-up, then
// BENCH_COUNT_SECONDS) and reports the guest instructions and translation blocks the
// forwarding vCPU executed per frame sent. These counts do not move with the host's load, so
// they compare the two apps' guest code exactly. Only txonly: there the vCPU does nothing but
// generate and send, where in rxonly and io its idle polls would count too. BENCH_ROUNDS=0
// skips the timed rounds (the results file keeps the last ones, with their date).
//
// Side by side (BENCH_SIDE_BY_SIDE rounds, default 4; 0 skips): a third guest runs both apps
// in txonly at once, testpmd on NIC 0 and nic-fwd on NIC 1, each forwarding on its own vCPU,
// the vCPUs swapped every round. The host's noise then hits both alike, so the per-round
// ratio moves by a few percent instead of 10-15%; but the two compete for the host's CPUs and
// QEMU's global lock, so the ratio enlarges a difference in cost per frame rather than
// reproducing the back-to-back one; how much it enlarges depends on the host (README). About 3
// minutes per round (BENCH_SIDE_BY_SIDE_WARMUP, default 120 s, then the window).
//
// Run with `npm run bench -w @nic/pmd-igb` after `npm run build`. Results:
// bench/results/guest.json.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg as osLoadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { bootGuest, GuestCounter, INSTALL_COMMAND, qemuTierMissing } from '@nic/qemu-tier';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP ?? 40);
/**
 * testpmd's warm-up in the timed rounds: by default the same, though it forwards at its
 * steady rate from the first second (no JIT). A shorter one lets a window end before
 * testpmd's rxonly stalls (README, "Stalls").
 */
const DPDK_WARMUP_SECONDS = Number(process.env.BENCH_DPDK_WARMUP ?? WARMUP_SECONDS);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Offered rate of the flood, packets per second; 0: as fast as node's dgram socket goes. */
const OFFER_PPS = Number(process.env.BENCH_OFFER_PPS ?? 0);
const MODES = (process.env.BENCH_MODES ?? 'txonly,rxonly,io').split(',');
/** Whether nic-fwd --rx-interrupts runs too, in rxonly and io. */
const RX_INTERRUPTS = process.env.BENCH_RX_INTERRUPTS === '1';
/** Whether nic-fwd --pmd-mgmt=pause runs too, in rxonly and io (BENCH_PMD_MGMT=0 leaves it out). */
const PMD_MGMT_PAUSE = process.env.BENCH_PMD_MGMT !== '0';
/** Its pause length and empty-poll threshold beyond nic-fwd's defaults (100 µs, 16), if any. */
const PAUSE_ARGS = [process.env.BENCH_PAUSE_US && `--pause-duration=${process.env.BENCH_PAUSE_US}`, process.env.BENCH_MAX_EMPTY_POLL && `--max-empty-poll=${process.env.BENCH_MAX_EMPTY_POLL}`].filter(Boolean).join(' ');
/** Whether the guest-work counts run, and their window. */
const COUNT = process.env.BENCH_COUNT !== '0';
const COUNT_SECONDS = Number(process.env.BENCH_COUNT_SECONDS ?? 10);
/** Rounds of the side-by-side txonly runs (0: none). */
const SIDE_BY_SIDE_ROUNDS = Number(process.env.BENCH_SIDE_BY_SIDE ?? 4);
/**
 * The side-by-side warm-up. Longer than a back-to-back run's: V8's compiler threads stay on
 * nic-fwd's main-lcore CPU, which here is testpmd's forwarding CPU, so they get about half of
 * it and nic-fwd's tier-up takes about twice as long.
 */
const SIDE_BY_SIDE_WARMUP_SECONDS = Number(process.env.BENCH_SIDE_BY_SIDE_WARMUP ?? 120);
/** The warm-up's blocks, whose rates are printed. */
const SIDE_BY_SIDE_BLOCK_SECONDS = 20;
/** The side-by-side guest: both apps' memory at once. */
const SIDE_BY_SIDE_GUEST = { memoryMiB: 2048, hugepages: 384 };
/** How long a guest may take to boot: about 13 s on an idle host, minutes under TCG on a loaded one (the tests allow the same). */
const BOOT_MS = 240_000;
const BURST = 32;
const DESCRIPTORS = 512;
const MBUFS = 8192;
const START_MS = 90_000;
const STOP_MS = 60_000;
const POLL_MS = 50;
/** Attempts at a run that stalls before the bench gives up. */
const STALL_ATTEMPTS = 3;

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FWD = 'apps/fwd/dist/main.js';
const FLOOD = fileURLToPath(new URL('./flood.mjs', import.meta.url));
const SINK = fileURLToPath(new URL('./sink.mjs', import.meta.url));
const RESULTS = new URL('./results/guest.json', import.meta.url);
const TESTPMD = 'dpdk-testpmd';

const progress = (line) => process.stderr.write(`${line}\n`);
const loadavg1 = () => osLoadavg()[0];
/** The host's CPU time so far, in clock ticks: [all, stolen] ("steal": time the hypervisor gave to others). */
function cpuTicks() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  return [fields.reduce((a, b) => a + b, 0), fields[7] ?? 0];
}
/** Stolen share of the machine's CPU time between two {@link cpuTicks} readings. */
const stealShare = (a, b) => (b[0] > a[0] ? (b[1] - a[1]) / (b[0] - a[0]) : 0);
/** The vCPU that runs the forwarding lcore (`-l 0,1`: lcore 1 on guest CPU 1). */
const FORWARDING_VCPU_INDEX = 1;
/** QEMU's name for that vCPU's thread. */
const FORWARDING_VCPU = `CPU ${FORWARDING_VCPU_INDEX}/TCG`;
/**
 * Nanoseconds QEMU process `pid`'s threads have run so far (`/proc/<pid>/task/<tid>/schedstat`):
 * [its main thread, the forwarding vCPU, its other threads].
 */
function threadCpuNs(pid) {
  const ns = [0, 0, 0];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let comm;
    let schedstat;
    try {
      comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      schedstat = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8');
    } catch {
      continue; // the thread ended
    }
    ns[Number(tid) === pid ? 0 : comm === FORWARDING_VCPU ? 1 : 2] += Number(schedstat.split(' ')[0]);
  }
  return ns;
}

/** Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom (1.96 beyond). */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
/**
 * The geometric mean of per-round ratios with its 95% confidence interval (Student's t on
 * their logarithms), and what it shows against 1.0; null with fewer than 2 ratios.
 */
function ratioInterval(ratios) {
  const logs = ratios.filter((r) => r > 0).map(Math.log);
  if (logs.length < 2) return null;
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (logs.length - 1));
  const half = ((T95[logs.length - 2] ?? 1.96) * sd) / Math.sqrt(logs.length);
  const [low, high] = [Math.exp(mean - half), Math.exp(mean + half)];
  return { geomean: Math.exp(mean), low, high, shows: low >= 1 ? 'at least 1.0' : high < 1 ? 'below 1.0' : 'no difference from 1.0' };
}
/** The median, or null for no values. */
const median = (values) => (values.length === 0 ? null : [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]);
const kpps = (pps) => (pps === undefined || pps === null ? 'n/a' : `${(pps / 1e3).toFixed(1)} kpps`);

function missing() {
  const tier = qemuTierMissing();
  if (tier !== undefined) return `the QEMU tier is missing: ${tier}${tier.includes(INSTALL_COMMAND) ? '' : ` (install with: ${INSTALL_COMMAND})`}`;
  if (spawnSync(TESTPMD, ['-h'], { stdio: 'ignore' }).error !== undefined) return `${TESTPMD} is missing (apt-get install dpdk)`;
  if (!existsSync(`${ROOT}${FWD}`)) return `${FWD} is missing (npm run build)`;
  return undefined;
}

// ---- the apps' own counters, sampled from their periodic statistics -----------------------

/** Cumulative per-port { rx, tx } from testpmd's `--stats-period` blocks, one sample per period. */
function testpmdParser() {
  const block = /NIC statistics for port (\d+)\s+#+\s+RX-packets:\s+(\d+)[\s\S]*?TX-packets:\s+(\d+)[\s\S]*?Tx-pps[^\n]*\n\s*#{10,}/g;
  let pending = [];
  return (text, from) => {
    block.lastIndex = from;
    const samples = [];
    let end = from;
    for (let m; (m = block.exec(text)) !== null; ) {
      pending[Number(m[1])] = { rx: Number(m[2]), tx: Number(m[3]) };
      end = block.lastIndex;
      if (Number(m[1]) === 1) {
        samples.push(pending);
        pending = [];
      }
    }
    return { samples, end };
  };
}

/** Cumulative per-port { rx, tx } from nic-fwd's `--stats-json` stats lines. */
function nicParser() {
  return (text, from) => {
    const samples = [];
    let end = from;
    for (let nl; (nl = text.indexOf('\n', end)) !== -1; end = nl + 1) {
      const line = text.slice(end, nl);
      if (!line.startsWith('{"event":"stats"')) continue;
      samples.push(JSON.parse(line).ports.map((p) => ({ rx: p.rxPackets, tx: p.txPackets })));
    }
    return { samples, end };
  };
}

/** Polls a guest process's stdout and stamps each complete statistics sample with host time. */
function sampler(proc, parse) {
  const samples = [];
  let offset = 0;
  const poll = () => {
    const { samples: fresh, end } = parse(proc.stdout, offset);
    offset = end;
    const t = performance.now();
    for (const ports of fresh) samples.push({ t, ports });
  };
  const timer = setInterval(poll, POLL_MS);
  return {
    samples,
    stop() {
      clearInterval(timer);
      poll();
    },
  };
}

/** Per-port rx and tx rates between the first sample at/after t0 and the last at/before t1. */
function appRates(samples, t0, t1) {
  const a = samples.find((s) => s.t >= t0);
  const b = samples.findLast((s) => s.t <= t1);
  if (a === undefined || b === undefined || b.t <= a.t) return null;
  const dt = (b.t - a.t) / 1000;
  return a.ports.map((p, i) => ({ rxPps: (b.ports[i].rx - p.rx) / dt, txPps: (b.ports[i].tx - p.tx) / dt }));
}

// ---- host side: counting sockets and the flooder -------------------------------------------

/**
 * Each loopback UDP port's socket drops from /proc/net/udp (`drops`, the last column), by
 * port; ports without a socket are absent.
 */
function udpDrops() {
  const drops = new Map();
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 13) continue;
    drops.set(parseInt(fields[1].split(':')[1], 16), Number(fields[fields.length - 1]));
  }
  return drops;
}

/**
 * Takes over the host ends of the guest NICs with bench/sink.mjs, whose sockets are never
 * read: each frame a NIC sends is dropped by the kernel and counted. `counts()` gives the
 * frames per NIC so far; `qemuDrops()` the flood frames QEMU's own socket of NIC 0 dropped
 * (the guest's rx ring was full and QEMU stopped reading).
 */
async function hostCounters(guest) {
  const ports = guest.nics.map((nic) => nic.hostPort);
  for (const nic of guest.nics) nic.close();
  const child = spawn(process.execPath, [SINK, ...ports.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench/sink.mjs exited (${code}) before binding ports ${ports.join(', ')}`)));
    child.stdout.once('data', resolve);
  });
  const at = (port) => {
    const drops = udpDrops().get(port);
    if (drops === undefined) throw new Error(`no socket on UDP port ${port} in /proc/net/udp`);
    return drops;
  };
  return {
    counts: () => ports.map(at),
    qemuDrops: () => at(guest.nics[0].qemuPort),
    close() {
      child.kill('SIGKILL');
      process.off('exit', killOnExit);
    },
  };
}

/** bench/flood.mjs on a guest NIC; `sent()` is its latest cumulative count. */
function flood(nic) {
  const child = spawn(process.execPath, [FLOOD, String(nic.qemuPort), nic.mac, String(OFFER_PPS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let last = { sent: 0, ms: 0 };
  let buf = '';
  child.stdout.on('data', (chunk) => {
    buf += chunk;
    const lines = buf.split('\n');
    buf = lines.pop();
    for (const l of lines) if (l) last = { ...JSON.parse(l), t: performance.now() };
  });
  const exited = new Promise((resolve) => child.on('close', resolve));
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  return {
    sent: () => last,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      process.off('exit', killOnExit);
      return last;
    },
  };
}

// ---- one run ---------------------------------------------------------------------------------

const CONTENDERS = {
  dpdk: {
    label: 'dpdk-testpmd',
    command: (addrs, mode, eal = '') =>
      `${TESTPMD} -l 0,1 ${eal}-n 1 ${addrs.map((a) => `-a ${a}`).join(' ')} --iova-mode va -- --forward-mode=${mode} --nb-cores=1 --burst=${BURST} --rxd=${DESCRIPTORS} --txd=${DESCRIPTORS} --total-num-mbufs=${MBUFS} --stats-period 1`,
    ready: /Port statistics/,
    parser: testpmdParser,
  },
  nic: {
    label: 'nic-fwd',
    command: (addrs, mode, eal = '') =>
      `node ${FWD} -l 0,1 ${eal}${addrs.map((a) => `-a ${a}`).join(' ')} --iova-mode va -m 128 -- --forward-mode=${mode} --nb-cores=1 --burst=${BURST} --rxd=${DESCRIPTORS} --txd=${DESCRIPTORS} --total-num-mbufs=${MBUFS} --stats-json --stats-period=1`,
    ready: /"event":"start"/,
    parser: nicParser,
  },
  nicPause: {
    label: 'nic-fwd --pmd-mgmt=pause',
    command: (addrs, mode) => `${CONTENDERS.nic.command(addrs, mode)} --pmd-mgmt=pause ${PAUSE_ARGS}`,
    ready: /"event":"start"/,
    parser: nicParser,
  },
  nicIntr: {
    label: 'nic-fwd --rx-interrupts',
    command: (addrs, mode) => `${CONTENDERS.nic.command(addrs, mode)} --rx-interrupts`,
    ready: /"event":"start"/,
    parser: nicParser,
  },
};
/** nic-fwd with an idle policy: contenders beside the always-polling nic-fwd where the app receives (not txonly, which never idles). */
const IDLE_VARIANTS = [...(PMD_MGMT_PAUSE ? ['nicPause'] : []), ...(RX_INTERRUPTS ? ['nicIntr'] : [])];
/** Who runs in `mode`. */
const contendersOf = (mode) => (mode === 'txonly' ? ['dpdk', 'nic'] : ['dpdk', 'nic', ...IDLE_VARIANTS]);

async function run(guest, host, who, mode) {
  const contender = CONTENDERS[who];
  const loadBefore = loadavg1();
  const proc = guest.spawn(contender.command(guest.nics.map((n) => n.pciAddress), mode));
  try {
    await proc.waitFor(contender.ready, START_MS);
  } catch {
    await stopApp(proc);
    return { pps: null, perSecond: [], notStarted: true, stalled: saveOutput(proc, `nostart-${mode}-${who}-${stamp()}`) };
  }
  let result;
  try {
    const stats = sampler(proc, contender.parser());
    const flooder = mode === 'txonly' ? undefined : flood(guest.nics[0]);
    await sleep((who === 'dpdk' ? DPDK_WARMUP_SECONDS : WARMUP_SECONDS) * 1000);
    const t0 = performance.now();
    const host0 = host.counts();
    const ticks0 = cpuTicks();
    const qemuDrops0 = host.qemuDrops();
    const threads0 = threadCpuNs(guest.pid);
    const offer0 = flooder?.sent();
    const seconds = [{ t: t0, counts: host0 }];
    for (let s = 1; s <= SECONDS; s++) {
      await sleep(t0 + s * 1000 - performance.now());
      seconds.push({ t: performance.now(), counts: host.counts() });
    }
    const t1 = seconds.at(-1).t;
    const host1 = seconds.at(-1).counts;
    const steal = stealShare(ticks0, cpuTicks());
    const qemuDrops1 = host.qemuDrops();
    const threads1 = threadCpuNs(guest.pid);
    const offer1 = flooder?.sent();
    await sleep(1500); // one more statistics period, so a sample lies at/after the window's end
    const offered = await flooder?.stop();
    stats.stop();
    const dt = (t1 - t0) / 1000;
    const hostPps = host1.map((c, i) => (c - host0[i]) / dt);
    const app = appRates(stats.samples, t0, t1 + 1000 / 2);
    const offeredPps = offer0 && offer1 && offer1.t > offer0.t ? (offer1.sent - offer0.sent) / ((offer1.t - offer0.t) / 1000) : null;
    // The rate of each second of the window: host-counted where the host counts, else the app's.
    const counted = (counts) => (mode === 'txonly' ? counts[0] + counts[1] : counts[1]);
    const perSecond =
      mode === 'rxonly'
        ? stats.samples.filter((x) => x.t >= t0 && x.t <= t1 + 500).flatMap((x, i, all) => (i === 0 ? [] : [(x.ports[0].rx - all[i - 1].ports[0].rx) / ((x.t - all[i - 1].t) / 1000)]))
        : seconds.slice(1).map((x, i) => (counted(x.counts) - counted(seconds[i].counts)) / ((x.t - seconds[i].t) / 1000));
    let pps;
    let appPps = null;
    if (mode === 'txonly') {
      pps = hostPps[0] + hostPps[1];
      appPps = app && app[0].txPps + app[1].txPps;
    } else if (mode === 'rxonly') {
      pps = app && app[0].rxPps;
      appPps = pps;
    } else {
      pps = hostPps[1];
      appPps = app && app[1].txPps;
    }
    const qemuDropsPps = (qemuDrops1 - qemuDrops0) / dt;
    const [qemuMainCpu, forwardingVcpuCpu, qemuOtherCpu] = threads1.map((t, i) => (t - threads0[i]) / 1e9 / dt);
    // The thread that limits the mode: the forwarding vCPU runs QEMU's transmit emulation
    // (txonly), QEMU's main thread its receive emulation (rxonly, io). Packets per second of
    // its CPU time is what each packet costs there, whatever share of a CPU it got.
    const bottleneckCpu = mode === 'txonly' ? forwardingVcpuCpu : qemuMainCpu;
    const ppsPerCpu = pps && bottleneckCpu > 0 ? pps / bottleneckCpu : null;
    result = { pps, appPps, hostPps, qemuDropsPps, offeredPps, offeredTotal: offered?.sent ?? null, app, perSecond, loadBefore, loadAfter: loadavg1(), steal, qemuMainCpu, forwardingVcpuCpu, qemuOtherCpu, ppsPerCpu };
  } finally {
    await stopApp(proc);
  }
  // A second of the window without a packet: the app or the device model stopped moving frames.
  const stalled = !(result.pps > 0) || result.perSecond.some((pps) => pps === 0);
  return stalled ? { ...result, stalled: saveOutput(proc, `stalled-${mode}-${who}-${stamp()}`) } : result;
}

/** The time, for a file name. */
const stamp = () => new Date().toISOString().replace(/[:.]/g, '');

/** Writes a guest process's whole output (stdout, then stderr) to a file in the results directory; returns its path. */
function saveOutput(proc, name) {
  const path = fileURLToPath(new URL(`./results/${name}.log`, import.meta.url));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${proc.stdout}\n--- stderr ---\n${proc.stderr}`);
  return path;
}

/**
 * One run of `who` in `mode`, again (up to {@link STALL_ATTEMPTS} in all) while a run stalls:
 * a second of its window passes without a packet. A stalled run is a failure to report, not a
 * rate; the stalled app's output is kept in the results directory. When every attempt
 * stalls, the run comes back with `pps` null and is left out of the figures (its round gives
 * no ratio for that contender).
 */
async function runChecked(guest, host, who, mode) {
  for (let attempt = 1; ; attempt++) {
    const r = await run(guest, host, who, mode);
    if (r.stalled === undefined) return attempt === 1 ? r : { ...r, attempts: attempt };
    const what = r.notStarted ? `did not start within ${START_MS / 1000} s` : `stalled (${kpps(r.pps)}, ${r.perSecond.filter((pps) => pps === 0).length} of ${r.perSecond.length} seconds without a packet)`;
    progress(`  ${CONTENDERS[who].label} in ${mode} ${what}, attempt ${attempt}; its output: ${r.stalled}`);
    if (attempt === STALL_ATTEMPTS) return { ...r, pps: null, ppsPerCpu: null, attempts: attempt };
  }
}

/** Stops a contender (SIGINT, as a user would), killing it if it does not end in STOP_MS. */
async function stopApp(proc) {
  proc.kill('SIGINT');
  const stopped = await Promise.race([proc.done.then(() => true, () => true), sleep(STOP_MS, undefined, { ref: false }).then(() => false)]);
  if (!stopped) {
    proc.kill('SIGKILL');
    await proc.done.catch(() => undefined);
  }
}

/**
 * Guest instructions and translation blocks per frame sent in txonly, on the forwarding vCPU,
 * for each contender, in a guest of its own that runs the guest-counts plugin.
 */
async function guestWork() {
  const dir = mkdtempSync(join(tmpdir(), 'nic-bench-counts-'));
  const counter = GuestCounter.create(join(dir, 'counts'));
  const guest = await bootGuest({ nics: 2, cwd: ROOT, plugins: [counter.plugin], timeoutMs: BOOT_MS });
  let host;
  const work = {};
  try {
    host = await hostCounters(guest);
    for (const who of ['dpdk', 'nic']) {
      const contender = CONTENDERS[who];
      // A count window in which no frame left is a stall, not a figure: the app runs again, as
      // the throughput runs do, and after STALL_ATTEMPTS the contender has no figure.
      work[who] = { frames: 0, instructionsPerFrame: null, blocksPerFrame: null, stalled: true };
      for (let attempt = 1; attempt <= STALL_ATTEMPTS && work[who].stalled; attempt++) {
        const proc = guest.spawn(contender.command(guest.nics.map((n) => n.pciAddress), 'txonly'));
        try {
          await proc.waitFor(contender.ready, START_MS);
          await sleep(WARMUP_SECONDS * 1000);
          const [count0, sent0] = [counter.read(FORWARDING_VCPU_INDEX), host.counts()];
          await sleep(COUNT_SECONDS * 1000);
          const [count1, sent1] = [counter.read(FORWARDING_VCPU_INDEX), host.counts()];
          const frames = sent1[0] + sent1[1] - sent0[0] - sent0[1];
          if (frames === 0) {
            progress(`  guest work, txonly, ${contender.label.padEnd(12)} sent no frame in the ${COUNT_SECONDS} s window (attempt ${attempt} of ${STALL_ATTEMPTS}; output in ${saveOutput(proc, `stalled-work-${who}-${stamp()}`)})`);
            continue;
          }
          work[who] = { frames, instructionsPerFrame: (count1.instructions - count0.instructions) / frames, blocksPerFrame: (count1.blocks - count0.blocks) / frames, ...(attempt > 1 ? { attempts: attempt } : {}) };
          progress(`  guest work, txonly, ${contender.label.padEnd(12)} ${work[who].instructionsPerFrame.toFixed(0)} instructions and ${work[who].blocksPerFrame.toFixed(1)} blocks per frame (${frames} frames)`);
        } finally {
          await stopApp(proc);
        }
      }
    }
  } finally {
    host?.close();
    await guest.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
  return work;
}

/**
 * txonly with both apps at once in one guest: testpmd on NIC 0, nic-fwd on NIC 1, each
 * forwarding on its own vCPU with its main lcore on the other; rounds swap the vCPUs. Both
 * meet the host's slow and fast moments together, so their ratio holds still where
 * back-to-back runs move by 10-15%. What it measures is which app sends more frames from a
 * contended host: they share the host's two CPUs and QEMU's global lock (a TDT write and
 * the sends it starts run under it), so a difference in cost per frame shows enlarged.
 */
async function sideBySide() {
  const guest = await bootGuest({ nics: 2, cwd: ROOT, ...SIDE_BY_SIDE_GUEST, timeoutMs: BOOT_MS });
  let host;
  const rounds = [];
  try {
    host = await hostCounters(guest);
    for (let round = 0; round < SIDE_BY_SIDE_ROUNDS; round++) {
      const nicVcpu = round % 2 === 0 ? FORWARDING_VCPU_INDEX : 1 - FORWARDING_VCPU_INDEX;
      const vcpus = { dpdk: 1 - nicVcpu, nic: nicVcpu };
      const procs = [];
      try {
        for (const [port, who] of ['dpdk', 'nic'].entries()) {
          const contender = CONTENDERS[who];
          const proc = guest.spawn(contender.command([guest.nics[port].pciAddress], 'txonly', `--main-lcore ${1 - vcpus[who]} --file-prefix ${who} `));
          procs.push(proc);
          await proc.waitFor(contender.ready, START_MS);
        }
        // The warm-up in blocks, each one's rates printed: nic's tier-up shows as its rate rising.
        const warmup = [];
        let [sent, t] = [host.counts(), performance.now()];
        for (let block = 0; block < SIDE_BY_SIDE_WARMUP_SECONDS / SIDE_BY_SIDE_BLOCK_SECONDS; block++) {
          await sleep(SIDE_BY_SIDE_BLOCK_SECONDS * 1000);
          const [now, tNow] = [host.counts(), performance.now()];
          warmup.push(now.map((n, port) => ((n - sent[port]) * 1000) / (tNow - t)));
          [sent, t] = [now, tNow];
        }
        progress(`  side by side, round ${round + 1}, warm-up per ${SIDE_BY_SIDE_BLOCK_SECONDS} s (dpdk/nic kpps): ${warmup.map(([d, n]) => `${(d / 1e3).toFixed(0)}/${(n / 1e3).toFixed(0)}`).join(' ')}`);
        const [sent0, t0] = [host.counts(), performance.now()];
        await sleep(SECONDS * 1000);
        const [sent1, t1] = [host.counts(), performance.now()];
        const pps = sent1.map((n, port) => ((n - sent0[port]) * 1000) / (t1 - t0));
        rounds.push({ nicVcpu, dpdkPps: pps[0], nicPps: pps[1], warmupPps: warmup });
        progress(`  side by side, round ${round + 1}: dpdk-testpmd ${kpps(pps[0])} on vCPU ${vcpus.dpdk}, nic-fwd ${kpps(pps[1])} on vCPU ${vcpus.nic}: ${ratio(pps[1] / pps[0])}`);
      } finally {
        await Promise.all(procs.map(stopApp));
      }
    }
  } finally {
    host?.close();
    await guest.shutdown();
  }
  const ratios = rounds.map((r) => r.nicPps / r.dpdkPps);
  return { rounds, interval: ratioInterval(ratios) };
}

function describe(mode, r) {
  const parts = [`${kpps(r.pps)}`];
  if (mode === 'txonly') parts.push(`host ${r.hostPps.map(kpps).join(' + ')}, app tx ${kpps(r.appPps)}`);
  if (mode === 'rxonly') parts.push(`offered ${kpps(r.offeredPps)}, QEMU socket drops ${kpps(r.qemuDropsPps)}, host got back ${kpps(r.hostPps[0] + r.hostPps[1])}`);
  if (mode === 'io') parts.push(`app port-1 tx ${kpps(r.appPps)}, port-0 rx ${kpps(r.app?.[0].rxPps)}, offered ${kpps(r.offeredPps)}, QEMU socket drops ${kpps(r.qemuDropsPps)}`);
  if (r.perSecond.length > 1) parts.push(`per second ${kpps(Math.min(...r.perSecond))} - ${kpps(Math.max(...r.perSecond))}`);
  parts.push(`${kpps(r.ppsPerCpu)} per CPU-second of ${mode === 'txonly' ? 'the forwarding vCPU' : "QEMU's main thread"}`);
  const cpu = `QEMU main ${(r.qemuMainCpu * 100).toFixed(0)}%, forwarding vCPU ${(r.forwardingVcpuCpu * 100).toFixed(0)}%, other ${(r.qemuOtherCpu * 100).toFixed(0)}%`;
  return `${parts.join('; ')} (${cpu}; load ${r.loadBefore.toFixed(2)} -> ${r.loadAfter.toFixed(2)}, steal ${(r.steal * 100).toFixed(1)}%)`;
}

// ---- main ------------------------------------------------------------------------------------

const why = missing();
if (why !== undefined) {
  console.log(`[pmd-igb] guest benchmark skipped: ${why}`);
  process.exit(0);
}

/** The timed rounds in one guest: every mode, every contender, ROUNDS times. */
async function measureRounds() {
  const runs = Object.fromEntries(MODES.map((m) => [m, Object.fromEntries(contendersOf(m).map((who) => [who, []]))]));
  progress('booting the guest (2 vCPUs, TCG, 2 igb functions on vfio-pci) ...');
  const guest = await bootGuest({ nics: 2, cwd: ROOT, timeoutMs: BOOT_MS });
  let host;
  try {
    progress(`booted in ${(guest.bootMs / 1000).toFixed(1)} s; guest kernel ${guest.kernelRelease}`);
    host = await hostCounters(guest);
    progress(`${ROUNDS} rounds; each run: ${WARMUP_SECONDS} s warm-up (testpmd ${DPDK_WARMUP_SECONDS} s), ${SECONDS} s window; burst ${BURST}, ${DESCRIPTORS} descriptors, ${MBUFS} mbufs, flood ${OFFER_PPS > 0 ? `${OFFER_PPS} pps` : 'unpaced'}`);
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of MODES) {
        // Each round starts with the next contender.
        const all = contendersOf(mode);
        const order = all.map((_, i) => all[(i + round) % all.length]);
        for (const who of order) {
          const r = await runChecked(guest, host, who, mode);
          runs[mode][who].push(r);
          progress(`  round ${round + 1} ${mode.padEnd(6)} ${CONTENDERS[who].label.padEnd(23)} ${r.pps === null ? `left out after ${r.attempts} attempts` : describe(mode, r)}`);
        }
      }
    }
  } finally {
    host?.close();
    await guest.shutdown();
  }
  return { runs, guest: { kernel: guest.kernelRelease, bootMs: guest.bootMs } };
}

/** Per mode: the medians, the ratios and their intervals. */
function summarize(runs) {
  return MODES.map((mode) => {
    /** The median of `key` over the runs that did not stall. */
    const valid = (who, key = 'pps') => median(runs[mode][who].filter((r) => r[key] !== null).map((r) => r[key]));
    const dpdk = valid('dpdk');
    const nic = valid('nic');
    const offered = mode === 'txonly' ? null : median([...runs[mode].dpdk, ...runs[mode].nic].filter((r) => r.pps !== null).map((r) => r.offeredPps ?? 0));
    // Both runs of a round share the guest's and the host's state of the moment: the median of
    // the rounds' own ratios is the paired view of the same runs.
    const roundRatios = (who, key = 'pps') => runs[mode].dpdk.flatMap((r, i) => (r[key] > 0 && runs[mode][who][i][key] !== null ? [runs[mode][who][i][key] / r[key]] : []));
    const paired = (who) => median(roundRatios(who));
    const variants = Object.fromEntries(
      IDLE_VARIANTS.filter((who) => runs[mode][who]).map((who) => {
        const pps = valid(who);
        return [who, { label: CONTENDERS[who].label, pps, ratio: dpdk > 0 ? pps / dpdk : null, pairedRatio: paired(who), pairedInterval: ratioInterval(roundRatios(who)) }];
      }),
    );
    return {
      mode,
      dpdkTestpmdPps: dpdk,
      nicFwdPps: nic,
      ratio: dpdk > 0 ? nic / dpdk : null,
      pairedRatio: paired('nic'),
      pairedInterval: ratioInterval(roundRatios('nic')),
      dpdkPpsPerCpu: valid('dpdk', 'ppsPerCpu'),
      nicPpsPerCpu: valid('nic', 'ppsPerCpu'),
      perCpuInterval: ratioInterval(roundRatios('nic', 'ppsPerCpu')),
      idleVariants: variants,
      offeredPps: offered,
    };
  });
}

const ratio = (x) => (x === null ? '-' : x.toFixed(3));

function printTable(table) {
  console.log(`net_e1000_igb in a QEMU guest (TCG, 82576 model), median of ${ROUNDS} rounds, ${SECONDS} s windows after ${WARMUP_SECONDS} s warm-up`);
  console.log('mode     dpdk-testpmd      nic-fwd   nic/DPDK   per round   offered by the host');
  for (const row of table) {
    console.log(`${row.mode.padEnd(6)} ${kpps(row.dpdkTestpmdPps).padStart(14)} ${kpps(row.nicFwdPps).padStart(12)} ${ratio(row.ratio).padStart(10)} ${ratio(row.pairedRatio).padStart(11)}   ${row.offeredPps === null ? '-' : kpps(row.offeredPps)}`);
    for (const v of Object.values(row.idleVariants)) console.log(`  ${v.label.padEnd(27)} ${kpps(v.pps).padStart(12)} ${ratio(v.ratio).padStart(10)} ${ratio(v.pairedRatio).padStart(11)}`);
  }
  /** A {@link ratioInterval} as the summary prints it. */
  const perRound = (i) => (i === null ? '' : `; per round: geometric mean ${ratio(i.geomean)}, 95% interval ${ratio(i.low)}-${ratio(i.high)}: ${i.shows}`);
  for (const row of table) {
    console.log(`ratio ${row.mode}: ${ratio(row.ratio)}${perRound(row.pairedInterval)}`);
    console.log(`  per CPU-second of the limiting thread: DPDK ${kpps(row.dpdkPpsPerCpu)}, nic ${kpps(row.nicPpsPerCpu)}${perRound(row.perCpuInterval)}`);
    for (const v of Object.values(row.idleVariants)) console.log(`  ${v.label}: ${ratio(v.ratio)}${perRound(v.pairedInterval)}`);
  }
}

const loadavg = loadavg1();
progress(`load average before the run: ${loadavg.toFixed(2)} on ${availableParallelism()} CPUs (other work on the machine skews the figures)`);
const measured = ROUNDS > 0 ? await measureRounds() : null;
const table = measured === null ? [] : summarize(measured.runs);
let work = null;
if (COUNT) {
  progress(`guest work: a guest with the guest-counts plugin; txonly, ${WARMUP_SECONDS} s warm-up, ${COUNT_SECONDS} s counted ...`);
  work = await guestWork();
}
let side = null;
if (SIDE_BY_SIDE_ROUNDS > 0) {
  progress(`side by side: txonly, both apps at once in a guest of their own, ${SIDE_BY_SIDE_ROUNDS} rounds, ${SIDE_BY_SIDE_WARMUP_SECONDS} s warm-up, ${SECONDS} s window ...`);
  side = await sideBySide();
}
if (measured !== null) printTable(table);
if (side?.interval) {
  const i = side.interval;
  console.log(`txonly side by side (${side.rounds.length} rounds, vCPUs swapped each round): nic/DPDK ${ratio(i.geomean)}, 95% interval ${ratio(i.low)}-${ratio(i.high)}: ${i.shows}`);
}
const stalledWork = work === null ? [] : Object.keys(work).filter((who) => work[who].stalled);
if (stalledWork.length > 0) console.log(`guest work per frame, txonly: no figure, ${stalledWork.map((who) => CONTENDERS[who].label).join(' and ')} sent no frame in ${STALL_ATTEMPTS} count windows`);
else if (work !== null) {
  const per = (key) => `DPDK ${work.dpdk[key].toFixed(1)}, nic ${work.nic[key].toFixed(1)} (nic/DPDK ${ratio(work.nic[key] / work.dpdk[key])})`;
  console.log(`guest work per frame, txonly, forwarding vCPU: instructions ${per('instructionsPerFrame')}; translation blocks ${per('blocksPerFrame')}`);
}

/** With no timed rounds, the last run's rounds stay in the results file, under their own date. */
function earlierRounds() {
  if (measured !== null || !existsSync(RESULTS)) return null;
  const { roundsDate, date, table: lastTable, runs } = JSON.parse(readFileSync(RESULTS, 'utf8'));
  return lastTable?.length > 0 ? { roundsDate: roundsDate ?? date, table: lastTable, runs } : null;
}
const kept = earlierRounds();
const result = {
  bench: 'pmd-igb-guest',
  date: new Date().toISOString(),
  roundsDate: kept?.roundsDate ?? new Date().toISOString(),
  node: process.version,
  cpus: availableParallelism(),
  loadavg,
  loadavgAfter: loadavg1(),
  guest: { ...measured?.guest, vcpus: 2, accel: 'tcg', device: 'igb (82576)', binding: 'vfio-pci, intel-iommu' },
  burst: BURST,
  descriptors: DESCRIPTORS,
  mbufs: MBUFS,
  seconds: SECONDS,
  warmupSeconds: WARMUP_SECONDS,
  dpdkWarmupSeconds: DPDK_WARMUP_SECONDS,
  rounds: kept === null ? ROUNDS : (Object.values(kept.runs)[0]?.dpdk?.length ?? null),
  offerPps: OFFER_PPS,
  commands: Object.fromEntries(Object.entries(CONTENDERS).map(([who, c]) => [who, c.command(['0000:01:00.0', '0000:02:00.0'], 'MODE')])),
  table: kept?.table ?? table,
  guestWork: work === null ? null : { mode: 'txonly', vcpu: FORWARDING_VCPU_INDEX, seconds: COUNT_SECONDS, ...work },
  sideBySide: side === null ? null : { mode: 'txonly', seconds: SECONDS, warmupSeconds: SIDE_BY_SIDE_WARMUP_SECONDS, guest: SIDE_BY_SIDE_GUEST, ...side },
  runs: kept?.runs ?? measured?.runs ?? {},
};
mkdirSync(new URL('./', RESULTS), { recursive: true });
writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
console.log(`results: ${fileURLToPath(RESULTS)}`);
