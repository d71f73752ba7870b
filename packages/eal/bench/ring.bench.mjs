// Ring enqueue+dequeue cost per element, nic against DPDK's ring_perf_autotest run in the
// same process tree: single element, bulk 1/8/32 and burst 8/32 on one thread (SP/SC and
// MP/MC), and bulk 1/8/32 with the producer and the consumer on two worker threads pinned
// to the CPUs of dpdk-test's lcores 0 and 1 (the first two of the affinity set; see lib.mjs).
// DPDK reports TSC cycles; they are converted with the TSC rate dpdk-test prints.
// Usage: node bench/ring.bench.mjs   (DPDK_RUNS=3 by default, DPDK_RUNS=1 for a quick check;
// needs a build of @nic/eal)
import { Worker } from 'node:worker_threads';
import { Arena, Ring } from '@nic/eal';
import { bestOf, cpuinfoHz, dpdkVersion, findDpdkTest, fmt, isMain, LCORE_CPUS, printLcoreCpus, printTable, runDpdkTest, writeResults } from './lib.mjs';

const RING_SIZE = 4096;
const DPDK_RUNS = Number(process.env.DPDK_RUNS ?? 3);
const TWO_THREAD_ITERATIONS = 1 << 15; // as DPDK's enqueue_dequeue_bulk_helper
const TWO_THREAD_ROUNDS = 21;

/** nic, one thread: each case mirrors a ring_perf_autotest loop (enqueue then dequeue). */
function oneThread() {
  const arena = Arena.anonymous(1 << 20);
  const r = Ring.create(arena, 'test_ring_perf', RING_SIZE);
  const burst = new Uint32Array(32);
  const cases = [];
  for (const [sync, sp] of [
    ['SP/SC', true],
    ['MP/MC', false],
  ]) {
    cases.push({
      name: `${sync} single`,
      iterations: 1 << 20,
      opsPerIteration: 1,
      run: sp
        ? (n) => {
            for (let i = 0; i < n; i++) {
              r.spEnqueue(i);
              r.scDequeue();
            }
            return n;
          }
        : (n) => {
            for (let i = 0; i < n; i++) {
              r.mpEnqueue(i);
              r.mcDequeue();
            }
            return n;
          },
    });
    for (const size of [1, 8, 32]) {
      cases.push({
        name: `${sync} bulk ${size}`,
        iterations: (1 << 21) / size,
        opsPerIteration: size,
        run: sp
          ? (n) => {
              let moved = 0;
              for (let i = 0; i < n; i++) moved += r.spEnqueueBulk(burst, size) + r.scDequeueBulk(burst, size);
              return moved;
            }
          : (n) => {
              let moved = 0;
              for (let i = 0; i < n; i++) moved += r.mpEnqueueBulk(burst, size) + r.mcDequeueBulk(burst, size);
              return moved;
            },
      });
    }
    for (const size of [8, 32]) {
      cases.push({
        name: `${sync} burst ${size}`,
        iterations: (1 << 21) / size,
        opsPerIteration: size,
        run: sp
          ? (n) => {
              let moved = 0;
              for (let i = 0; i < n; i++) moved += r.spEnqueueBurst(burst, size) + r.scDequeueBurst(burst, size);
              return moved;
            }
          : (n) => {
              let moved = 0;
              for (let i = 0; i < n; i++) moved += r.mpEnqueueBurst(burst, size) + r.mcDequeueBurst(burst, size);
              return moved;
            },
      });
    }
  }
  return bestOf(cases, { rounds: 15 });
}

function runWorker(data) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./ring-worker.mjs', import.meta.url), { workerData: data });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

/** nic, two threads: DPDK's "two physical cores" case, enqueue side plus dequeue side per element. */
async function twoThreads() {
  const results = {};
  const arena = Arena.anonymous(1 << 20);
  for (const [sync, multi] of [
    ['SP/SC', false],
    ['MP/MC', true],
  ]) {
    for (const bulk of [1, 8, 32]) {
      const name = `ring_${multi ? 'mp' : 'sp'}_${bulk}`;
      Ring.create(arena, name, RING_SIZE);
      const common = { arena: arena.handle(), ring: name, multi, bulk, iterations: TWO_THREAD_ITERATIONS, rounds: TWO_THREAD_ROUNDS, barrier: new SharedArrayBuffer(4) };
      const [enq, deq] = await Promise.all([runWorker({ ...common, role: 'enq', cpu: LCORE_CPUS[0] }), runWorker({ ...common, role: 'deq', cpu: LCORE_CPUS[1] })]);
      results[`${sync} bulk ${bulk} (2 threads)`] = Math.min(...enq.map((t, i) => t + deq[i]));
    }
  }
  return results;
}

/**
 * DPDK's figures in cycles per element, best of `runs` runs of ring_perf_autotest (legacy
 * API lines). One-core bulk and burst lines are per enqueue+dequeue of a whole bulk, so
 * they are divided by the size; single and two-core lines are per element already.
 */
async function dpdk(binary, runs) {
  const best = {};
  let tscHz;
  for (let run = 0; run < runs; run++) {
    const out = await runDpdkTest(binary, 'ring_perf_autotest', { stopWhen: (line) => line.includes('Testing using all worker nodes') });
    tscHz ??= out.tscHz;
    let section = '';
    for (const line of out.lines) {
      const heading = /^### Testing (.*) ###$/.exec(line);
      if (heading) section = heading[1];
      const m = /^legacy APIs: (SP\/SC|MP\/MC): (single|bulk|burst)(?: \(size: (\d+)\))?: ([\d.]+)$/.exec(line);
      if (!m) continue;
      const [, sync, api, sizeText, value] = m;
      const size = Number(sizeText ?? 1);
      let key;
      let perElement = Number(value);
      if (section.startsWith('using two')) key = `${sync} bulk ${size} (2 threads)`;
      else if (section === 'single element enq/deq') key = `${sync} single`;
      else if (section === 'burst enq/deq' || section === 'bulk enq/deq') {
        key = `${sync} ${api} ${size}`;
        perElement /= size;
      }
      if (key !== undefined && !(best[key] <= perElement)) best[key] = perElement;
    }
  }
  return { cycles: best, tscHz };
}

/** Which DPDK line each nic case is compared with. */
const PEER = {
  'SP/SC bulk 1': 'SP/SC single',
  'MP/MC bulk 1': 'MP/MC single',
};

export async function main() {
  console.log('# ring: enqueue+dequeue per element');
  printLcoreCpus();
  const nic = { ...oneThread(), ...(await twoThreads()) };
  const binary = findDpdkTest();
  const peer = binary ? await dpdk(binary, DPDK_RUNS) : { cycles: {}, tscHz: undefined };
  const tscHz = peer.tscHz ?? cpuinfoHz();
  const ghz = tscHz / 1e9;
  const rows = Object.entries(nic).map(([name, ns]) => {
    const peerKey = PEER[name] ?? name;
    const dpdkCycles = peer.cycles[peerKey];
    const dpdkNs = dpdkCycles === undefined ? undefined : dpdkCycles / ghz;
    return {
      case: name,
      nicNs: ns,
      nicCycles: ns * ghz,
      dpdkLine: dpdkCycles === undefined ? undefined : peerKey,
      dpdkCycles,
      dpdkNs,
      ratio: dpdkNs === undefined ? undefined : ns / dpdkNs,
    };
  });
  console.log(`TSC ${fmt(ghz, 3)} GHz (${peer.tscHz ? 'from dpdk-test' : 'from /proc/cpuinfo'}), DPDK ${dpdkVersion()}`);
  printTable(
    ['case', 'nic ns/elem', 'nic cycles', 'DPDK cycles', 'DPDK ns/elem', 'ratio nic/DPDK', 'DPDK line'],
    rows.map((r) => [r.case, fmt(r.nicNs), fmt(r.nicCycles, 1), fmt(r.dpdkCycles, 1), fmt(r.dpdkNs), fmt(r.ratio, 2), r.dpdkLine === r.case ? '' : r.dpdkLine]),
  );
  const file = writeResults('ring', { tscHz, dpdkVersion: dpdkVersion(), rows });
  console.log(`wrote ${file}`);
  return rows;
}

if (isMain(import.meta.url)) await main();
