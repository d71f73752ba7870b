// Latency from an eventfd write to the code that handles it, p50 and p99 over EVENTS events:
//   intrThread: to the callback on the interrupt thread (the main thread's libuv loop);
//   workerWait: to the wake-up of a worker thread blocked in RxIntrWait.wait.
// The peer is DPDK doing the same (bench/peer/intr_latency.c, built here against the
// system's libdpdk): rte_intr_callback_register on its interrupt thread, and rte_epoll_wait.
// A writer thread on CPU 0 waits until the receiver (on CPU 1) is idle, lets it settle for
// SETTLE_US so it is asleep in epoll, stamps the time and writes the eventfd.
// Usage: npm run bench -w @nic/intr   (EVENTS=10000 SETTLE_US=200 by default)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { isMainThread, Worker, workerData } from 'node:worker_threads';
import { IntrThread, RxIntrWait } from '@nic/intr';
import { IntrHandle, IntrHandleType } from '@nic/intr/driver';
import { closeFd, eventfd, eventfdWrite, setAffinity } from '@nic/native';

const EVENTS = Number(process.env.EVENTS ?? 10_000);
const SETTLE_US = Number(process.env.SETTLE_US ?? 200);
const WRITER_CPU = 0;
const RECEIVER_CPU = 1;
const READY = 0;

/** The shared block: the event number the receiver waits for, the send stamp, latencies. */
function views(sab) {
  return {
    ready: new Int32Array(sab, 0, 1),
    sentAt: new BigInt64Array(sab, 8, 1),
    latency: new Float64Array(sab, 16, EVENTS),
  };
}

function spinUntil(deadline) {
  while (process.hrtime.bigint() < deadline);
}

/** The writer: for each event, wait until the receiver wants it, settle, stamp, write. */
function writer({ sab, fd }) {
  setAffinity([WRITER_CPU]);
  const { ready, sentAt } = views(sab);
  const settle = BigInt(SETTLE_US * 1000);
  for (let k = 1; k <= EVENTS; k++) {
    while (Atomics.load(ready, READY) !== k);
    spinUntil(process.hrtime.bigint() + settle);
    sentAt[0] = process.hrtime.bigint();
    eventfdWrite(fd, 1);
  }
}

/** The worker-side receiver: sleeps in RxIntrWait, stamps each wake-up. */
function waiter({ sab, fd }) {
  setAffinity([RECEIVER_CPU]);
  const { ready, sentAt, latency } = views(sab);
  const wait = new RxIntrWait([fd]);
  for (let k = 1; k <= EVENTS; k++) {
    Atomics.store(ready, READY, k);
    wait.wait(-1);
    latency[k - 1] = Number(process.hrtime.bigint() - sentAt[0]);
  }
  wait.close();
}

function spawn(role, data) {
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { role, ...data } });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${role} exited with ${code}`))));
  });
}

function percentiles(ns) {
  const sorted = Float64Array.from(ns).sort();
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] / 1000;
  return { p50_us: Number(at(0.5).toFixed(3)), p99_us: Number(at(0.99).toFixed(3)) };
}

async function intrThreadCase() {
  setAffinity([RECEIVER_CPU]);
  const sab = new SharedArrayBuffer(16 + EVENTS * 8);
  const { ready, sentAt, latency } = views(sab);
  const fd = eventfd(0, { nonblock: true });
  const thread = new IntrThread();
  const handle = new IntrHandle({ type: IntrHandleType.VFIO_MSI, fd });
  let k = 1;
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  thread.register(handle, () => {
    latency[k - 1] = Number(process.hrtime.bigint() - sentAt[0]);
    if (k === EVENTS) finish();
    else Atomics.store(ready, READY, ++k);
  }, null);
  // The interrupt thread's watchers do not keep the process alive; this does, meanwhile.
  const keepAlive = setInterval(() => undefined, 1000);
  Atomics.store(ready, READY, 1);
  await Promise.all([spawn('writer', { sab, fd }), done]);
  clearInterval(keepAlive);
  thread.close();
  closeFd(fd);
  return percentiles(latency);
}

async function workerWaitCase() {
  const sab = new SharedArrayBuffer(16 + EVENTS * 8);
  const fd = eventfd(0, { nonblock: true });
  await Promise.all([spawn('waiter', { sab, fd }), spawn('writer', { sab, fd })]);
  closeFd(fd);
  return percentiles(views(sab).latency);
}

/** Builds and runs the DPDK peer; undefined (with a loud line) when it cannot be built. */
function dpdkPeer() {
  const source = fileURLToPath(new URL('./peer/intr_latency.c', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'nic-intr-peer-'));
  const binary = join(dir, 'intr_latency');
  try {
    const flags = execFileSync('pkg-config', ['--cflags', '--libs', 'libdpdk'], { encoding: 'utf8' }).trim().split(/\s+/);
    execFileSync('cc', ['-O2', '-DALLOW_EXPERIMENTAL_API', '-o', binary, source, ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
    const eal = ['-l', String(WRITER_CPU), '--no-huge', '--no-pci', '-m', '64', '--no-shconf', '--log-level=error'];
    return JSON.parse(execFileSync(binary, [String(EVENTS), String(SETTLE_US), ...eal], { encoding: 'utf8' }));
  } catch (e) {
    console.error(`!!! DPDK peer skipped (${e.message.split('\n')[0]}): install it with 'apt-get install -y dpdk-dev libdpdk-dev gcc pkg-config'`);
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function ratio(ours, peer) {
  if (!peer) return undefined;
  return { p50: Number((ours.p50_us / peer.p50_us).toFixed(2)), p99: Number((ours.p99_us / peer.p99_us).toFixed(2)) };
}

async function main() {
  if (availableParallelism() < 2) throw new Error('this benchmark needs two CPUs (writer and receiver)');
  const intrThread = await intrThreadCase();
  const workerWait = await workerWaitCase();
  const peer = dpdkPeer();
  const result = {
    bench: 'intr latency: eventfd write to handler',
    date: new Date().toISOString(),
    node: process.version,
    loadAverage1m: loadavg()[0],
    events: EVENTS,
    settleUs: SETTLE_US,
    nic: { intrThread, workerWait },
    dpdk: peer && { intrThread: peer.intrThread, epollWait: peer.epollWait },
    ratioToDpdk: peer && { intrThread: ratio(intrThread, peer.intrThread), workerWait: ratio(workerWait, peer.epollWait) },
  };
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latency.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}

if (isMainThread) {
  await main();
} else if (workerData.role === 'writer') {
  writer(workerData);
} else {
  waiter(workerData);
}
