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
import { mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { lcoreCpus, processCpus } from '@nic/eal';
import { TESTPMD_MISSING } from '@nic/vhost/testing';
import { BURST, DIRECTIONS, dpdkBackend, lastNumber, nicBackend, startFrontend } from './backends.mjs';

const SIZES = [64, 1500];
const MEASURE_MS = Number(process.env.BENCH_MS ?? 3000);
const WARMUP_MS = 1000;
/** The pool's per-lcore cache: testpmd's default, which DPDK's side runs with. */
const POOL_CACHE = 250;
const PACKED = process.env.BENCH_RING === 'packed';
/** virtio_user devargs of both frontends. */
const FRONTEND_DEVARGS = PACKED ? ',packed_vq=1' : '';
const RESULTS = new URL(`./results/vhost${PACKED ? '-packed' : ''}.json`, import.meta.url);
const AFFINITY = processCpus();
/** CPUs A (backend) and B (the frontend's forwarding lcore), as the frontend's `Testpmd` places its lcores 0 and 1. */
const [CPU_A, CPU_B] = lcoreCpus(2, AFFINITY);

/** The frontend's throughput (its `rate` counter) over the window, with `direction` running. */
async function window(frontend, direction, size) {
  await startFrontend(frontend, direction, size, WARMUP_MS);
  await frontend.command('show port stats 0');
  await sleep(MEASURE_MS);
  const pps = lastNumber(await frontend.command('show port stats 0'), direction.rate);
  await frontend.command('stop');
  return pps;
}

/** Every direction and size against one backend. */
async function measureAll(frontend, backend) {
  const results = {};
  for (const size of SIZES) {
    for (const direction of DIRECTIONS) {
      await backend.set(direction, size);
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
const nic = await nicBackend({ tag: 'vhost-bench', devargs: FRONTEND_DEVARGS, cpus: AFFINITY, poolCache: POOL_CACHE }, measureAll);
console.log(`  nic's net_vhost: ${JSON.stringify(nic)}`);
const dpdk = await dpdkBackend({ tag: 'vhost-bench', devargs: FRONTEND_DEVARGS, cpus: AFFINITY }, measureAll);
const rows = Object.keys(nic).map((key) => ({ case: key, nicMpps: nic[key] / 1e6, dpdkMpps: dpdk[key] / 1e6, ratio: dpdk[key] > 0 ? nic[key] / dpdk[key] : null }));
console.log(`  ${'case'.padEnd(18)} ${'nic Mpps'.padStart(9)} ${'DPDK Mpps'.padStart(10)} ${'ratio'.padStart(7)}`);
for (const r of rows) console.log(`  ${r.case.padEnd(18)} ${r.nicMpps.toFixed(3).padStart(9)} ${r.dpdkMpps.toFixed(3).padStart(10)} ${(r.ratio ?? NaN).toFixed(3).padStart(7)}`);
mkdirSync(new URL('./', RESULTS), { recursive: true });
writeFileSync(RESULTS, `${JSON.stringify({ bench: 'vhost', ring: PACKED ? 'packed' : 'split', date: new Date().toISOString(), node: process.version, burst: BURST, measureMs: MEASURE_MS, cpus: [CPU_A, CPU_B], sharedCpu: CPU_A === CPU_B, rows }, null, 2)}
`);
console.log(`  results: ${RESULTS.pathname}`);
