// The two vhost backends the pmd-vhost benchmarks put in front of one frontend (DPDK's
// testpmd with net_virtio_user): nic's net_vhost, driven through ethdev on the main lcore
// and polled in slices so the event loop keeps running, and DPDK's net_vhost in a second
// testpmd. Each is set up, handed to a measuring function with a way to switch its mode, and
// torn down. vhost.bench.mjs (throughput) and vhost-ipp.mjs (cost per packet) share them.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setImmediate, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { init, lcoresOnCpus, MbufView, pktmbufPoolCreate } from '@nic/eal';
import { close, configure, linkGetNowait, portIdByName, rxBurst, rxQueueSetup, start, stop, txBurst, txQueueSetup } from '@nic/ethdev';
import { Testpmd, TESTPMD } from '@nic/vhost/testing';
import '@nic/pmd-vhost';

export const BURST = 32;
/** Milliseconds the nic backend polls before it lets the event loop run (testpmd's pipes, the vhost socket). */
const SLICE_MS = 20;
const POOL_SIZE = 8191;
/** Packets the frontend puts in the loop for io (tx_first bursts of 32; its rings hold 256). */
const IO_BURSTS = 4;
/** How long DPDK's testpmd may take to prompt (its memory set-up is slow on a loaded machine). */
const PROMPT_MS = 60_000;
/** Bins (1 ns each) of the per-packet time of full bursts. */
const BINS = 4096;
/** The nic backend's mode while paused (it polls nothing and leaves the CPU to others). */
const PAUSED = 'paused';
/** How often a paused nic backend looks whether it may poll again (its wake-ups take CPU A from DPDK's window). */
const PAUSE_CHECK_MS = 50;

/**
 * Frontend mode, what the backend does, and the frontend's counters that measure it (its
 * rate in `show port stats`, and its running total), per direction.
 */
export const DIRECTIONS = [
  { name: 'guest->host', frontend: 'txonly', backend: 'rxonly', rate: 'Tx-pps', total: 'TX-packets' },
  { name: 'host->guest', frontend: 'rxonly', backend: 'txonly', rate: 'Rx-pps', total: 'RX-packets' },
  { name: 'loop (io)', frontend: 'io', backend: 'io', rate: 'Rx-pps', total: 'RX-packets' },
];

/** The last value of `name:` in testpmd's output `text`. */
export function lastNumber(text, name) {
  const m = [...text.matchAll(new RegExp(`${name}:\\s+(\\d+)`, 'g'))];
  if (m.length === 0) throw new Error(`no ${name} in:\n${text}`);
  return Number(m[m.length - 1][1]);
}

/** Restarts the frontend in `direction` with `size`-byte packets and its counters cleared, then waits `warmupMs`. */
export async function startFrontend(frontend, direction, size, warmupMs) {
  await frontend.command('stop');
  await frontend.command('clear port stats all');
  await frontend.command(`set fwd ${direction.frontend}`);
  await frontend.command(`set txpkts ${size}`);
  await frontend.command(direction.frontend === 'io' ? `start tx_first ${IO_BURSTS}` : 'start');
  await sleep(warmupMs);
}

/**
 * nic's net_vhost on the main lcore (the first CPU of `cpus`), facing a fresh frontend with
 * `devargs`. `measure(frontend, backend)` runs with it; `backend.set(direction, size)`
 * starts it polling in that mode (it starts paused), `backend.pause()` stops the polling
 * until the next set, and `backend.counts()` gives the polls and empty polls since the last
 * set and, with `timing`, the median wall ns per packet of full bursts.
 */
export async function nicBackend({ tag, devargs = '', cpus, poolCache, timing = false }, measure) {
  const path = `/tmp/nic-${tag}-${process.pid}.sock`;
  const { eal } = await init(['-l', lcoresOnCpus(1, cpus), '--no-pci', '--no-huge', '-m', '256', '--file-prefix', `${tag}-${process.pid}`, '--vdev', `net_vhost0,iface=${path}`]);
  const frontend = new Testpmd(path, `${tag}-fe-${process.pid}`, devargs);
  try {
    const pool = pktmbufPoolCreate(eal.arena, 'bench_pool', POOL_SIZE, poolCache);
    const mbufs = new MbufView(eal.arena);
    const port = portIdByName('net_vhost0');
    configure(port, 1, 1);
    rxQueueSetup(port, 0, 0, undefined, pool);
    txQueueSetup(port, 0, 0);
    start(port);
    await frontend.ready();
    while (!linkGetNowait(port).up) await sleep(10);
    const buf = new Uint32Array(BURST);
    let mode = PAUSED;
    let size = 64;
    let polls = 0;
    let empty = 0;
    const bins = new Float64Array(BINS);
    const full = (t0) => void bins[Math.min(BINS - 1, Math.round(((performance.now() - t0) * 1e6) / BURST))]++;
    const step = () => {
      polls++;
      const t0 = timing ? performance.now() : 0;
      if (mode === 'txonly') {
        // Raw mbufs, as DPDK's txonly takes them: a freed mbuf is one segment (next 0,
        // nb_segs 1) with refcnt 1 and, in this pool, no flags; headroom and lengths set here.
        if (pool.getBulk(buf, BURST) !== 0) return;
        for (let i = 0; i < BURST; i++) {
          mbufs.resetHeadroom(buf[i]);
          mbufs.setDataLen(buf[i], size);
          mbufs.setPktLen(buf[i], size);
        }
        const sent = txBurst(port, 0, buf, BURST);
        if (sent === 0) empty++;
        if (sent !== BURST) pool.putBulk(buf, BURST - sent, sent);
        else if (timing) full(t0);
        return;
      }
      const n = rxBurst(port, 0, buf, BURST);
      if (n === 0) {
        empty++;
        return;
      }
      if (mode === 'rxonly') {
        mbufs.freeBulk(buf, n);
        if (timing && n === BURST) full(t0);
        return;
      }
      const sent = txBurst(port, 0, buf, n);
      if (sent !== n) mbufs.freeBulk(buf, n - sent, sent);
      if (timing && n === BURST && sent === n) full(t0);
    };
    const median = () => {
      let total = 0;
      for (const c of bins) total += c;
      let seen = 0;
      for (let i = 0; i < BINS; i++) if ((seen += bins[i]) >= total / 2) return { burstNs: i, fullBursts: total };
      return { burstNs: NaN, fullBursts: 0 };
    };
    let polling = true;
    const poller = new Promise((resolve) => {
      const slice = () => {
        if (!polling) return resolve();
        if (mode === PAUSED) return void setTimeout(slice, PAUSE_CHECK_MS);
        const end = performance.now() + SLICE_MS;
        while (performance.now() < end) for (let i = 0; i < 256; i++) step();
        setImmediate(slice);
      };
      setImmediate(slice);
    });
    const backend = {
      set(direction, s) {
        mode = direction.backend;
        size = s;
        polls = empty = 0;
        bins.fill(0);
      },
      pause() {
        mode = PAUSED;
      },
      counts: () => ({ polls, empty, ...(timing ? median() : {}) }),
    };
    try {
      return await measure(frontend, backend);
    } finally {
      polling = false;
      await poller;
      stop(port);
      close(port);
    }
  } finally {
    await frontend.quit();
    await eal.cleanup();
  }
}

/**
 * DPDK's net_vhost in testpmd, its forwarding lcore on the first CPU of `cpus` (lcore 0;
 * lcore 1, the main one, on the second), facing a fresh frontend with `devargs`.
 * `measure(frontend, backend)` runs against it; `backend.set(direction, size)` starts its
 * forwarding in that mode, `backend.pause()` stops it, and `backend.pid` is testpmd's process.
 */
export async function dpdkBackend({ tag, devargs = '', cpus }, measure) {
  const path = `/tmp/nic-${tag}-dpdk-${process.pid}.sock`;
  const prefix = `${tag}-dpdk-${process.pid}`;
  // stdbuf execs testpmd: the child's pid is testpmd's.
  const child = spawn('stdbuf', ['-oL', TESTPMD, '--lcores', lcoresOnCpus(2, cpus), '--main-lcore', '1', '--no-pci', '--no-huge', '-m', '1024', `--file-prefix=${prefix}`, '--log-level=*:notice',
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
  const frontend = new Testpmd(path, `${tag}-dfe-${process.pid}`, devargs);
  try {
    await frontend.ready();
    let mode = '';
    let size = 0;
    return await measure(frontend, {
      pid: child.pid,
      async set(direction, s) {
        if (direction.backend === mode && s === size) return;
        await command('stop');
        await command(`set fwd ${direction.backend}`);
        await command(`set txpkts ${s}`);
        await command('start');
        mode = direction.backend;
        size = s;
      },
      async pause() {
        if (mode === '') return;
        await command('stop');
        mode = '';
      },
    });
  } finally {
    await frontend.quit();
    child.stdin.write('stop\nquit\n');
    await new Promise((resolve) => child.on('exit', resolve));
    rmSync(`/var/run/dpdk/${prefix}`, { recursive: true, force: true });
    rmSync(path, { force: true });
  }
}
