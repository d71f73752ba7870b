// net_vhost against DPDK's net_vhost, each facing the same frontend: DPDK's testpmd with
// net_virtio_user (--no-huge), its forwarding lcore on CPU B. The backend polls on CPU A:
// nic's net_vhost driven through ethdev on the main lcore, then DPDK's net_vhost in a second
// testpmd. Three directions: the frontend sends (txonly, the backend receives and frees),
// receives (rxonly, the backend sends), and both (io on both sides, packets looping), at 64
// and 1500 bytes. Both contenders are measured by the same instrument, the frontend's own
// throughput over the same window, so the ratio compares the backends. A and B are the first
// two CPUs of this process's affinity set; with one CPU (`taskset -c 1`) frontend and backend
// share it and the output says the figures are not comparable.
//
// Run with `npm run bench -w @nic/pmd-vhost` after building, with nothing else polling
// (`flock /tmp/nic-bench.lock` on a shared machine). BENCH_MS sets the window (default 3000;
// BENCH_MS=200 for a quick check).
// BENCH_RING=packed has both frontends ask for packed rings (virtio_user's packed_vq=1).
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { init, lcoreCpus, lcoresOnCpus, MbufView, pktmbufPoolCreate, processCpus } from '@nic/eal';
import { close, configure, linkGetNowait, portIdByName, rxBurst, rxQueueSetup, start, stop, txBurst, txQueueSetup } from '@nic/ethdev';
import { Testpmd, TESTPMD, TESTPMD_MISSING } from '@nic/vhost/testing';
import '@nic/pmd-vhost';

const BURST = 32;
const SIZES = [64, 1500];
const MEASURE_MS = Number(process.env.BENCH_MS ?? 3000);
const WARMUP_MS = 1000;
/** Milliseconds the nic backend polls before it lets the event loop run (testpmd's pipes, the vhost socket). */
const SLICE_MS = 20;
const POOL_SIZE = 8191;
/** The pool's per-lcore cache: testpmd's default, which DPDK's side runs with. */
const POOL_CACHE = 250;
/** Packets the frontend puts in the loop for io (tx_first bursts of 32; its rings hold 256). */
const IO_BURSTS = 4;
/** How long DPDK's testpmd may take to prompt (its memory set-up is slow on a loaded machine). */
const PROMPT_MS = 60_000;
const PACKED = process.env.BENCH_RING === 'packed';
/** virtio_user devargs of both frontends. */
const FRONTEND_DEVARGS = PACKED ? ',packed_vq=1' : '';
const RESULTS = new URL(`./results/vhost${PACKED ? '-packed' : ''}.json`, import.meta.url);
const AFFINITY = processCpus();
/** CPUs A (backend) and B (the frontend's forwarding lcore), as the frontend's `Testpmd` places its lcores 0 and 1. */
const [CPU_A, CPU_B] = lcoreCpus(2, AFFINITY);

/** Frontend mode, and what the backend does, per direction. */
const DIRECTIONS = [
  { name: 'guest->host', frontend: 'txonly', backend: 'rxonly', stat: 'Tx-pps' },
  { name: 'host->guest', frontend: 'rxonly', backend: 'txonly', stat: 'Rx-pps' },
  { name: 'loop (io)', frontend: 'io', backend: 'io', stat: 'Rx-pps' },
];

function lastNumber(text, name) {
  const m = [...text.matchAll(new RegExp(`${name}:\\s+(\\d+)`, 'g'))];
  if (m.length === 0) throw new Error(`no ${name} in:\n${text}`);
  return Number(m[m.length - 1][1]);
}

/** The frontend's throughput of `stat` over the window, with `direction` running. */
async function window(frontend, direction, size) {
  await frontend.command('stop');
  await frontend.command('clear port stats all');
  await frontend.command(`set fwd ${direction.frontend}`);
  await frontend.command(`set txpkts ${size}`);
  await frontend.command(direction.frontend === 'io' ? `start tx_first ${IO_BURSTS}` : 'start');
  await sleep(WARMUP_MS);
  await frontend.command('show port stats 0');
  await sleep(MEASURE_MS);
  const pps = lastNumber(await frontend.command('show port stats 0'), direction.stat);
  await frontend.command('stop');
  return pps;
}

/** nic's net_vhost on the main lcore (CPU A), polled in slices so the event loop keeps running. */
async function nicBackend(measureAll) {
  const path = `/tmp/nic-vhost-bench-${process.pid}.sock`;
  const { eal } = await init(['-l', lcoresOnCpus(1, AFFINITY), '--no-pci', '--no-huge', '-m', '256', '--file-prefix', `vhost-bench-${process.pid}`, '--vdev', `net_vhost0,iface=${path}`]);
  const frontend = new Testpmd(path, `vhost-bench-fe-${process.pid}`, FRONTEND_DEVARGS);
  try {
    const pool = pktmbufPoolCreate(eal.arena, 'bench_pool', POOL_SIZE, POOL_CACHE);
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
    let size = 64;
    const step = () => {
      if (mode === 'txonly') {
        if (mbufs.allocBulk(pool, buf, BURST) !== 0) return;
        for (let i = 0; i < BURST; i++) {
          mbufs.setDataLen(buf[i], size);
          mbufs.setPktLen(buf[i], size);
        }
        const sent = txBurst(port, 0, buf, BURST);
        if (sent !== BURST) mbufs.freeBulk(buf, BURST - sent, sent);
        return;
      }
      const n = rxBurst(port, 0, buf, BURST);
      if (n === 0) return;
      if (mode === 'rxonly') {
        mbufs.freeBulk(buf, n);
        return;
      }
      const sent = txBurst(port, 0, buf, n);
      if (sent !== n) mbufs.freeBulk(buf, n - sent, sent);
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
    const results = await measureAll(frontend, (direction, s) => {
      mode = direction.backend;
      size = s;
    });
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

/** DPDK's net_vhost in testpmd, its forwarding lcore on CPU A (lcore 0; lcore 1, on B, is the main one). */
async function dpdkBackend(measureAll) {
  const path = `/tmp/nic-vhost-bench-dpdk-${process.pid}.sock`;
  const prefix = `vhost-bench-dpdk-${process.pid}`;
  const child = spawn('stdbuf', ['-oL', TESTPMD, '--lcores', lcoresOnCpus(2, AFFINITY), '--main-lcore', '1', '--no-pci', '--no-huge', '-m', '1024', `--file-prefix=${prefix}`, '--log-level=*:notice',
    '--vdev', `net_vhost0,iface=${path},queues=1`, '--', '-i', '--nb-cores=1', '--total-num-mbufs=16384', '--disable-link-check'], { stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const prompt = async (from) => {
    const deadline = Date.now() + PROMPT_MS;
    while (!out.slice(from).includes('testpmd> ')) {
      if (Date.now() > deadline) throw new Error(`DPDK net_vhost testpmd: no prompt; output:\n${out}\n${err}`);
      await sleep(5);
    }
  };
  const command = async (line) => {
    const from = out.length;
    child.stdin.write(`${line}\n`);
    await prompt(from);
  };
  await prompt(0);
  const frontend = new Testpmd(path, `vhost-bench-dfe-${process.pid}`, FRONTEND_DEVARGS);
  try {
    await frontend.ready();
    let mode = '';
    let size = 0;
    return await measureAll(frontend, async (direction, s) => {
      if (direction.backend !== mode || s !== size) {
        await command('stop');
        await command(`set fwd ${direction.backend}`);
        await command(`set txpkts ${s}`);
        await command('start');
        mode = direction.backend;
        size = s;
      }
    });
  } finally {
    await frontend.quit();
    child.stdin.write('stop\nquit\n');
    await new Promise((resolve) => child.on('exit', resolve));
    rmSync(`/var/run/dpdk/${prefix}`, { recursive: true, force: true });
    rmSync(path, { force: true });
  }
}

/** Runs every direction and size against one backend; `set` switches the backend's mode. */
async function measureAll(frontend, set) {
  const results = {};
  for (const size of SIZES) {
    for (const direction of DIRECTIONS) {
      await set(direction, size);
      results[`${direction.name} ${size}`] = await window(frontend, direction, size);
    }
  }
  return results;
}

if (TESTPMD_MISSING) {
  console.log(`!! ${TESTPMD_MISSING}`);
  process.exit(1);
}
console.log(`vhost${PACKED ? ' (packed rings)' : ''}: testpmd net_virtio_user (CPU ${CPU_B}) against a vhost backend (CPU ${CPU_A}), burst ${BURST}, window ${MEASURE_MS} ms`);
if (CPU_A === CPU_B) console.log(`  !! one CPU in this process's affinity set: frontend and backend share CPU ${CPU_A}, so these figures are not comparable with a run on two CPUs`);
const nic = await nicBackend(measureAll);
console.log(`  nic's net_vhost: ${JSON.stringify(nic)}`);
const dpdk = await dpdkBackend(measureAll);
const rows = Object.keys(nic).map((key) => ({ case: key, nicMpps: nic[key] / 1e6, dpdkMpps: dpdk[key] / 1e6, ratio: dpdk[key] > 0 ? nic[key] / dpdk[key] : null }));
console.log(`  ${'case'.padEnd(18)} ${'nic Mpps'.padStart(9)} ${'DPDK Mpps'.padStart(10)} ${'ratio'.padStart(7)}`);
for (const r of rows) console.log(`  ${r.case.padEnd(18)} ${r.nicMpps.toFixed(3).padStart(9)} ${r.dpdkMpps.toFixed(3).padStart(10)} ${(r.ratio ?? NaN).toFixed(3).padStart(7)}`);
mkdirSync(new URL('./', RESULTS), { recursive: true });
writeFileSync(RESULTS, `${JSON.stringify({ bench: 'vhost', ring: PACKED ? 'packed' : 'split', date: new Date().toISOString(), node: process.version, burst: BURST, measureMs: MEASURE_MS, cpus: [CPU_A, CPU_B], sharedCpu: CPU_A === CPU_B, rows }, null, 2)}
`);
console.log(`  results: ${RESULTS.pathname}`);
