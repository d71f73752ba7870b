// Latency from an eventfd write to the code that handles it, p50 and p99 over EVENTS events:
//   intrThread: to the callback on the interrupt thread (the main thread's libuv loop);
//   workerWait: to the wake-up of a worker thread blocked in RxIntrWait.wait.
// The peer is DPDK doing the same (bench/peer/intr_latency.c, built here against the
// system's libdpdk): rte_intr_callback_register on its interrupt thread, and rte_epoll_wait.
// A writer thread on CPU W waits until the receiver (on CPU R) is idle, lets it settle for
// SETTLE_US so it is asleep in epoll, stamps the time and writes the eventfd. W and R are the
// first two CPUs of this process's affinity set; with one CPU (`taskset -c 1`) they are the
// same, the writer's spin competes with the receiver's wake-up, and the output says the
// figures are not comparable.
// Usage: npm run bench -w @nic/intr   (EVENTS=10000 SETTLE_US=200 by default; EVENTS=200 for
// a quick check)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { isMainThread, Worker, workerData } from 'node:worker_threads';
import { lcoreCpus, lcoresOnCpus, processCpus } from '@nic/eal';
import { IntrThread, RxIntrWait } from '@nic/intr';
import { IntrHandle, IntrHandleType } from '@nic/intr/driver';
import { closeFd, eventfd, eventfdWrite, setAffinity } from '@nic/native';

const EVENTS = Number(process.env.EVENTS ?? 10_000);
const SETTLE_US = Number(process.env.SETTLE_US ?? 200);
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
function writer({ sab, fd, cpu }) {
  setAffinity([cpu]);
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
function waiter({ sab, fd, cpu }) {
  setAffinity([cpu]);
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

async function intrThreadCase({ writerCpu, receiverCpu }) {
  setAffinity([receiverCpu]);
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
  await Promise.all([spawn('writer', { sab, fd, cpu: writerCpu }), done]);
  clearInterval(keepAlive);
  thread.close();
  closeFd(fd);
  return percentiles(latency);
}

async function workerWaitCase({ writerCpu, receiverCpu }) {
  const sab = new SharedArrayBuffer(16 + EVENTS * 8);
  const fd = eventfd(0, { nonblock: true });
  await Promise.all([spawn('waiter', { sab, fd, cpu: receiverCpu }), spawn('writer', { sab, fd, cpu: writerCpu })]);
  closeFd(fd);
  return percentiles(views(sab).latency);
}

/** Builds and runs the DPDK peer; undefined (with a loud line) when it cannot be built. */
function dpdkPeer({ writerCpu, receiverCpu }) {
  const source = fileURLToPath(new URL('./peer/intr_latency.c', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'nic-intr-peer-'));
  const binary = join(dir, 'intr_latency');
  try {
    const flags = execFileSync('pkg-config', ['--cflags', '--libs', 'libdpdk'], { encoding: 'utf8' }).trim().split(/\s+/);
    execFileSync('cc', ['-O2', '-DALLOW_EXPERIMENTAL_API', '-o', binary, source, ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
    // Its main lcore on the writer's CPU (`--lcores`: DPDK's `-l` takes no `@`).
    const eal = ['--lcores', lcoresOnCpus(1, [writerCpu]), '--no-huge', '--no-pci', '-m', '64', '--no-shconf', '--log-level=error'];
    return JSON.parse(execFileSync(binary, [String(EVENTS), String(SETTLE_US), String(writerCpu), String(receiverCpu), ...eal], { encoding: 'utf8' }));
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
  const [writerCpu, receiverCpu] = lcoreCpus(2, processCpus());
  const cpus = { writerCpu, receiverCpu };
  console.log(`writer on CPU ${writerCpu}, receiver on CPU ${receiverCpu}, ${EVENTS} events`);
  if (writerCpu === receiverCpu) console.log(`!! one CPU in this process's affinity set: writer and receiver share CPU ${writerCpu}, so these figures are not comparable with a run on two CPUs`);
  const intrThread = await intrThreadCase(cpus);
  const workerWait = await workerWaitCase(cpus);
  const peer = dpdkPeer(cpus);
  const result = {
    bench: 'intr latency: eventfd write to handler',
    date: new Date().toISOString(),
    node: process.version,
    loadAverage1m: loadavg()[0],
    events: EVENTS,
    settleUs: SETTLE_US,
    ...cpus,
    sharedCpu: writerCpu === receiverCpu,
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
