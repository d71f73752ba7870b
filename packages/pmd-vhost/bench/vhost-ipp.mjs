// The vhost backend's cost per packet, nic's net_vhost against DPDK's, each facing testpmd
// with net_virtio_user as in vhost.bench.mjs, in measures that a loaded machine disturbs
// less than Mpps: the backend thread's CPU time per packet (`perf stat -e task-clock` on
// node's main thread or testpmd's forwarding lcore, over the packets the frontend counted
// meanwhile; it includes empty polls, whose share is printed for nic), and for nic the
// median wall time per packet of full bursts (32 packets moved: the backend's own calls,
// rx, tx or both, the same loop as vhost.bench.mjs), which a slow frontend does not change.
// This VM has no hardware counters (perf stat -e instructions: not supported), so no
// instruction counts.
//
// Run with `node bench/vhost-ipp.mjs [nic|dpdk|both]` after building (root, perf installed).
// IPP_MS sets the window (default 2000), IPP_SIZE the packet size (64), IPP_DIRECTIONS the
// backend modes (rxonly,txonly,io), IPP_RING=packed has the frontends ask for packed rings
// (packed_vq=1, as vhost.bench.mjs's BENCH_RING); IPP_RECORD=1 runs
// `perf record -g` on the backend's thread instead (for nic, run node with
// --perf-basic-prof) into /tmp/vhost-ipp-<backend mode>.data.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { processCpus } from '@nic/eal';
import { TESTPMD_MISSING } from '@nic/vhost/testing';
import { BURST, DIRECTIONS as ALL_DIRECTIONS, dpdkBackend, lastNumber, nicBackend, startFrontend } from './backends.mjs';

const WINDOW_MS = Number(process.env.IPP_MS ?? 2000);
const SIZE = Number(process.env.IPP_SIZE ?? 64);
const RECORD = process.env.IPP_RECORD === '1';
const WARMUP_MS = 700;
/** The pool's per-lcore cache: testpmd's default (the DPDK side has one too). */
const POOL_CACHE = Number(process.env.IPP_CACHE ?? 250);
const CPUS = processCpus();
/** virtio_user devargs of the frontends. */
const FRONTEND_DEVARGS = process.env.IPP_RING === 'packed' ? ',packed_vq=1' : '';
const DIRECTIONS = ALL_DIRECTIONS.filter((d) => (process.env.IPP_DIRECTIONS ?? 'rxonly,txonly,io').split(',').includes(d.backend));

/** Runs perf on thread `tid` while the frontend runs `direction`; returns the figures. */
async function measure(frontend, direction, tid) {
  await startFrontend(frontend, direction, SIZE, WARMUP_MS);
  const before = lastNumber(await frontend.command('show port stats 0'), direction.total);
  const seconds = (WINDOW_MS / 1000).toFixed(3);
  const args = RECORD
    ? ['record', '-g', '-o', `/tmp/vhost-ipp-${direction.backend}.data`, '-t', String(tid), '--', 'sleep', seconds]
    : ['stat', '-x', ',', '-e', 'task-clock', '-t', String(tid), '--', 'sleep', seconds];
  const perf = spawn('perf', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  perf.stderr.on('data', (d) => (err += d));
  const code = await new Promise((resolve) => perf.on('exit', resolve));
  const after = lastNumber(await frontend.command('show port stats 0'), direction.total);
  await frontend.command('stop');
  if (code !== 0) throw new Error(`perf exited with ${code}: ${err}`);
  const packets = after - before;
  if (RECORD) return { packets };
  // task-clock: milliseconds the thread ran.
  const ms = Number(err.split('\n').find((l) => l.includes(',task-clock'))?.split(',')[0]);
  return { packets, nspp: (ms * 1e6) / packets, busy: ms / WINDOW_MS, mpps: packets / WINDOW_MS / 1000 };
}

/** nic's backend: each direction measured on node's main thread, with its own counts of polls and full bursts. */
function nicResults() {
  return nicBackend({ tag: 'vhost-ipp', devargs: FRONTEND_DEVARGS, cpus: CPUS, poolCache: POOL_CACHE, timing: true }, async (frontend, backend) => {
    const results = {};
    for (const direction of DIRECTIONS) {
      backend.set(direction, SIZE);
      const r = await measure(frontend, direction, process.pid);
      const { polls, empty, burstNs, fullBursts } = backend.counts();
      results[direction.name] = { ...r, idle: empty / polls, burstNs, fullBursts };
    }
    return results;
  });
}

/** DPDK's backend: each direction measured on testpmd's busiest thread, its forwarding lcore. */
function dpdkResults() {
  return dpdkBackend({ tag: 'vhost-ipp', devargs: FRONTEND_DEVARGS, cpus: CPUS }, async (frontend, backend) => {
    const results = {};
    for (const direction of DIRECTIONS) {
      await backend.set(direction, SIZE);
      results[direction.name] = await measure(frontend, direction, await busiestThread(backend.pid));
    }
    return results;
  });
}

/** The thread of `pid` that used the most CPU over 300 ms. */
async function busiestThread(pid) {
  const ticks = () => Object.fromEntries(readdirSync(`/proc/${pid}/task`).map((t) => {
    const f = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8').split(') ')[1].split(' ');
    return [t, Number(f[11]) + Number(f[12])];
  }));
  const a = ticks();
  await sleep(300);
  const b = ticks();
  return Number(Object.keys(b).sort((x, y) => (b[y] - (a[y] ?? 0)) - (b[x] - (a[x] ?? 0)))[0]);
}

if (TESTPMD_MISSING) {
  console.log(`!! ${TESTPMD_MISSING}`);
  process.exit(1);
}
const which = process.argv[2] ?? 'both';
console.log(`vhost backend cost per packet: ${SIZE} B, burst ${BURST}, window ${WINDOW_MS} ms${FRONTEND_DEVARGS ? ', packed rings' : ''}`);
const show = (name, results) => {
  for (const [direction, r] of Object.entries(results)) {
    const figures = r.nspp === undefined ? '' : `${r.nspp.toFixed(1).padStart(7)} CPU ns/pkt (on CPU ${(r.busy * 100).toFixed(0)} % of the window) ${r.mpps.toFixed(2).padStart(6)} Mpps`;
    const own = r.idle === undefined ? '' : ` idle polls ${(r.idle * 100).toFixed(1)} %, full bursts: median ${r.burstNs} ns/pkt (${r.fullBursts})`;
    console.log(`  ${name.padEnd(5)} ${direction.padEnd(12)} ${figures}${own}`);
  }
};
if (which !== 'dpdk') show('nic', await nicResults());
if (which !== 'nic') show('dpdk', await dpdkResults());
