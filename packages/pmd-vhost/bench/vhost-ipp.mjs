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
// backend modes (rxonly,txonly,io); IPP_RECORD=1 runs
// `perf record -g` on the backend's thread instead (for nic, run node with
// --perf-basic-prof) into /tmp/vhost-ipp-<backend mode>.data.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { init, MbufView, pktmbufPoolCreate } from '@nic/eal';
import { close, configure, linkGetNowait, portIdByName, rxBurst, rxQueueSetup, start, stop, txBurst, txQueueSetup } from '@nic/ethdev';
import { Testpmd, TESTPMD, TESTPMD_MISSING } from '@nic/vhost/testing';
import '@nic/pmd-vhost';

const BURST = 32;
const WINDOW_MS = Number(process.env.IPP_MS ?? 2000);
const SIZE = Number(process.env.IPP_SIZE ?? 64);
const RECORD = process.env.IPP_RECORD === '1';
const WARMUP_MS = 700;
const SLICE_MS = 20;
const POOL_SIZE = 8191;
/** The pool's per-lcore cache: testpmd's default (the DPDK side has one too). */
const POOL_CACHE = Number(process.env.IPP_CACHE ?? 250);
const IO_BURSTS = 4;
const PROMPT_MS = 60_000;
const DIRECTIONS = [
  { name: 'guest->host', frontend: 'txonly', backend: 'rxonly', stat: 'TX-packets' },
  { name: 'host->guest', frontend: 'rxonly', backend: 'txonly', stat: 'RX-packets' },
  { name: 'loop (io)', frontend: 'io', backend: 'io', stat: 'RX-packets' },
].filter((d) => (process.env.IPP_DIRECTIONS ?? 'rxonly,txonly,io').split(',').includes(d.backend));

function lastNumber(text, name) {
  const m = [...text.matchAll(new RegExp(`${name}:\\s+(\\d+)`, 'g'))];
  if (m.length === 0) throw new Error(`no ${name} in:\n${text}`);
  return Number(m[m.length - 1][1]);
}

/** Runs perf on thread `tid` while the frontend runs `direction`; returns the figures. */
async function measure(frontend, direction, tid) {
  await frontend.command('stop');
  await frontend.command('clear port stats all');
  await frontend.command(`set fwd ${direction.frontend}`);
  await frontend.command(`set txpkts ${SIZE}`);
  await frontend.command(direction.frontend === 'io' ? `start tx_first ${IO_BURSTS}` : 'start');
  await sleep(WARMUP_MS);
  const before = lastNumber(await frontend.command('show port stats 0'), direction.stat);
  const seconds = (WINDOW_MS / 1000).toFixed(3);
  const args = RECORD
    ? ['record', '-g', '-o', `/tmp/vhost-ipp-${direction.backend}.data`, '-t', String(tid), '--', 'sleep', seconds]
    : ['stat', '-x', ',', '-e', 'task-clock', '-t', String(tid), '--', 'sleep', seconds];
  const perf = spawn('perf', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  perf.stderr.on('data', (d) => (err += d));
  const code = await new Promise((resolve) => perf.on('exit', resolve));
  const after = lastNumber(await frontend.command('show port stats 0'), direction.stat);
  await frontend.command('stop');
  if (code !== 0) throw new Error(`perf exited with ${code}: ${err}`);
  const packets = after - before;
  if (RECORD) return { packets };
  // task-clock: milliseconds the thread ran.
  const ms = Number(err.split('\n').find((l) => l.includes(',task-clock'))?.split(',')[0]);
  return { packets, nspp: (ms * 1e6) / packets, busy: ms / WINDOW_MS, mpps: packets / WINDOW_MS / 1000 };
}

async function nicBackend() {
  const path = `/tmp/nic-vhost-ipp-${process.pid}.sock`;
  const { eal } = await init(['-l', '0', '--no-pci', '--no-huge', '-m', '256', '--file-prefix', `vhost-ipp-${process.pid}`, '--vdev', `net_vhost0,iface=${path}`]);
  const frontend = new Testpmd(path, `vhost-ipp-fe-${process.pid}`);
  try {
    const pool = pktmbufPoolCreate(eal.arena, 'ipp_pool', POOL_SIZE, POOL_CACHE);
    const mbufs = new MbufView(eal.arena);
    const port = portIdByName('net_vhost0');
    configure(port, 1, 1);
    rxQueueSetup(port, 0, 0, undefined, pool);
    txQueueSetup(port, 0, 0);
    start(port);
    await frontend.ready();
    while (!linkGetNowait(port).up) await sleep(10);
    const buf = new Uint32Array(BURST);
    let mode = 'rxonly';
    let polls = 0;
    let empty = 0;
    // Wall ns per packet of each full burst (the backend's own calls: rx, tx or both), in
    // 1 ns bins: a busy frontend's rate does not change it, the machine's load little.
    const bins = new Float64Array(4096);
    // The same loop as vhost.bench.mjs.
    const step = () => {
      polls++;
      const t0 = performance.now();
      if (mode === 'txonly') {
        if (mbufs.allocBulk(pool, buf, BURST) !== 0) return;
        for (let i = 0; i < BURST; i++) {
          mbufs.setDataLen(buf[i], SIZE);
          mbufs.setPktLen(buf[i], SIZE);
        }
        const sent = txBurst(port, 0, buf, BURST);
        if (sent === 0) empty++;
        if (sent !== BURST) mbufs.freeBulk(buf, BURST - sent, sent);
        else bins[Math.min(4095, Math.round(((performance.now() - t0) * 1e6) / BURST))]++;
        return;
      }
      const n = rxBurst(port, 0, buf, BURST);
      if (n === 0) {
        empty++;
        return;
      }
      if (mode === 'rxonly') {
        mbufs.freeBulk(buf, n);
        if (n === BURST) bins[Math.min(4095, Math.round(((performance.now() - t0) * 1e6) / BURST))]++;
        return;
      }
      const sent = txBurst(port, 0, buf, n);
      if (sent !== n) mbufs.freeBulk(buf, n - sent, sent);
      if (n === BURST && sent === n) bins[Math.min(4095, Math.round(((performance.now() - t0) * 1e6) / BURST))]++;
    };
    /** The median of the bins. */
    const median = () => {
      let total = 0;
      for (const c of bins) total += c;
      let seen = 0;
      for (let i = 0; i < bins.length; i++) if ((seen += bins[i]) >= total / 2) return { ns: i, bursts: total };
      return { ns: NaN, bursts: 0 };
    };
    let polling = true;
    const poller = new Promise((resolve) => {
      const slice = () => {
        if (!polling) return resolve();
        const end = performance.now() + SLICE_MS;
        while (performance.now() < end) for (let i = 0; i < 256; i++) step();
        setImmediate(slice);
      };
      setImmediate(slice);
    });
    const results = {};
    for (const direction of DIRECTIONS) {
      mode = direction.backend;
      polls = empty = 0;
      const r = await measure(frontend, direction, process.pid);
      const idle = empty / polls;
      const m = median();
      bins.fill(0);
      results[direction.name] = { ...r, idle, burstNs: m.ns, fullBursts: m.bursts };
    }
    polling = false;
    await poller;
    stop(port);
    close(port);
    return results;
  } finally {
    await frontend.quit();
    await eal.cleanup();
  }
}

async function dpdkBackend() {
  const path = `/tmp/nic-vhost-ipp-dpdk-${process.pid}.sock`;
  const prefix = `vhost-ipp-dpdk-${process.pid}`;
  const child = spawn('stdbuf', ['-oL', TESTPMD, '-l', '0,1', '--main-lcore', '1', '--no-pci', '--no-huge', '-m', '1024', `--file-prefix=${prefix}`, '--log-level=*:notice',
    '--vdev', `net_vhost0,iface=${path},queues=1`, '--', '-i', '--nb-cores=1', '--total-num-mbufs=16384', '--disable-link-check'], { stdio: 'pipe' });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const command = async (line) => {
    const from = out.length;
    if (line) child.stdin.write(`${line}\n`);
    const deadline = Date.now() + PROMPT_MS;
    while (!out.slice(from).includes('testpmd> ')) {
      if (Date.now() > deadline) throw new Error(`DPDK net_vhost testpmd: no prompt; output:\n${out}`);
      await sleep(5);
    }
  };
  await command('');
  const frontend = new Testpmd(path, `vhost-ipp-dfe-${process.pid}`);
  try {
    await frontend.ready();
    const results = {};
    for (const direction of DIRECTIONS) {
      await command('stop');
      await command(`set fwd ${direction.backend}`);
      await command(`set txpkts ${SIZE}`);
      await command('start');
      // The forwarding lcore's thread (stdbuf execs testpmd: the same pid) is the busiest.
      results[direction.name] = await measure(frontend, direction, await busiestThread(child.pid));
    }
    return results;
  } finally {
    await frontend.quit();
    child.stdin.write('stop\nquit\n');
    await new Promise((resolve) => child.on('exit', resolve));
    rmSync(`/var/run/dpdk/${prefix}`, { recursive: true, force: true });
    rmSync(path, { force: true });
  }
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
console.log(`vhost backend cost per packet: ${SIZE} B, burst ${BURST}, window ${WINDOW_MS} ms`);
const show = (name, results) => {
  for (const [direction, r] of Object.entries(results)) {
    const figures = r.nspp === undefined ? '' : `${r.nspp.toFixed(1).padStart(7)} CPU ns/pkt (on CPU ${(r.busy * 100).toFixed(0)} % of the window) ${r.mpps.toFixed(2).padStart(6)} Mpps`;
    const own = r.idle === undefined ? '' : ` idle polls ${(r.idle * 100).toFixed(1)} %, full bursts: median ${r.burstNs} ns/pkt (${r.fullBursts})`;
    console.log(`  ${name.padEnd(5)} ${direction.padEnd(12)} ${figures}${own}`);
  }
};
if (which !== 'dpdk') show('nic', await nicBackend());
if (which !== 'nic') show('dpdk', await dpdkBackend());
