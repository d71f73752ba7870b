// net_vhost against DPDK's net_vhost, each facing the same frontend: DPDK's testpmd with
// net_virtio_user (--no-huge), its forwarding lcore on CPU B. The backend polls on CPU A:
// nic's net_vhost driven through ethdev on the main lcore, and DPDK's net_vhost in a second
// testpmd. Three directions: the frontend sends (txonly, the backend receives and frees),
// receives (rxonly, the backend sends), and both (io on both sides, packets looping), at 64
// and 1500 bytes. Both contenders are measured by the same instrument, the frontend's own
// throughput over the same window, so the ratio compares the backends.
//
// Both contenders are up for the whole run, each with its own frontend, and each case is
// measured in pairs of windows, one per contender, back to back (the other contender and
// its frontend stopped meanwhile), the order swapped from one pair to the next: a drift of
// the host (its other tenants, its memory) then moves both windows of a pair alike, and the
// verdict is the median of the pairs' ratios. A and B are the first two CPUs of this
// process's affinity set; with one CPU (`taskset -c 1`) frontend and backend share it and
// the output says the figures are not comparable.
//
// Run with `npm run bench -w @nic/pmd-vhost` after building, with nothing else polling
// (`flock /tmp/nic-bench.lock` on a shared machine). BENCH_MS sets the window (default 3000;
// BENCH_MS=200 for a quick check), BENCH_REPEAT the pairs per case (default 4: as many with nic first as with DPDK first).
// BENCH_RING=packed has both frontends ask for packed rings (virtio_user's packed_vq=1).
import { mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { lcoreCpus, processCpus } from '@nic/eal';
import { TESTPMD_MISSING } from '@nic/vhost/testing';
import { BURST, DIRECTIONS, dpdkBackend, lastNumber, nicBackend, startFrontend } from './backends.mjs';

const SIZES = [64, 1500];
const MEASURE_MS = Number(process.env.BENCH_MS ?? 3000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 4);
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

/** One window of `contender` ({ frontend, backend }) in `direction` at `size`; its backend stops polling after it. */
async function measure(contender, direction, size) {
  await contender.backend.set(direction, size);
  const pps = await window(contender.frontend, direction, size);
  await contender.backend.pause();
  return pps;
}

/** The median of `values`. */
function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Every case in REPEAT pairs of windows, nic first in even pairs and DPDK first in odd ones. */
async function measurePairs(nic, dpdk) {
  const rows = [];
  for (const size of SIZES) {
    for (const direction of DIRECTIONS) {
      const name = `${direction.name} ${size}`;
      const pairs = [];
      for (let r = 0; r < REPEAT; r++) {
        const nicFirst = r % 2 === 0;
        const pps = {};
        for (const [key, contender] of nicFirst ? [['nic', nic], ['dpdk', dpdk]] : [['dpdk', dpdk], ['nic', nic]]) pps[key] = await measure(contender, direction, size);
        const pair = { first: nicFirst ? 'nic' : 'dpdk', nicMpps: pps.nic / 1e6, dpdkMpps: pps.dpdk / 1e6, ratio: pps.dpdk > 0 ? pps.nic / pps.dpdk : null };
        pairs.push(pair);
        console.log(`  ${name.padEnd(18)} pair ${r + 1} (${pair.first} first): nic ${pair.nicMpps.toFixed(3)} DPDK ${pair.dpdkMpps.toFixed(3)} Mpps, ratio ${(pair.ratio ?? NaN).toFixed(3)}`);
      }
      const ratios = pairs.map((p) => p.ratio).filter((x) => x !== null);
      rows.push({
        case: name,
        nicMpps: median(pairs.map((p) => p.nicMpps)),
        dpdkMpps: median(pairs.map((p) => p.dpdkMpps)),
        ratio: ratios.length > 0 ? median(ratios) : null,
        pairs,
      });
    }
  }
  return rows;
}

if (TESTPMD_MISSING) {
  console.log(`!! ${TESTPMD_MISSING}`);
  process.exit(1);
}
if (!(Number.isInteger(REPEAT) && REPEAT >= 1)) {
  console.log(`!! BENCH_REPEAT must be a positive integer, not ${process.env.BENCH_REPEAT}`);
  process.exit(1);
}
const started = Date.now();
console.log(`vhost${PACKED ? ' (packed rings)' : ''}: testpmd net_virtio_user (CPU ${CPU_B}) against a vhost backend (CPU ${CPU_A}), burst ${BURST}, window ${MEASURE_MS} ms, ${REPEAT} pairs per case`);
if (CPU_A === CPU_B) console.log(`  !! one CPU in this process's affinity set: frontend and backend share CPU ${CPU_A}, so these figures are not comparable with a run on two CPUs`);
const options = { tag: 'vhost-bench', devargs: FRONTEND_DEVARGS, cpus: AFFINITY };
const rows = await nicBackend({ ...options, poolCache: POOL_CACHE }, (nicFrontend, nicSide) =>
  dpdkBackend(options, async (dpdkFrontend, dpdkSide) => {
    await dpdkSide.pause();
    return measurePairs({ frontend: nicFrontend, backend: nicSide }, { frontend: dpdkFrontend, backend: dpdkSide });
  }),
);
console.log(`  medians of ${REPEAT} pairs:`);
console.log(`  ${'case'.padEnd(18)} ${'nic Mpps'.padStart(9)} ${'DPDK Mpps'.padStart(10)} ${'ratio'.padStart(7)}  pair ratios`);
for (const r of rows) {
  const each = r.pairs.map((p) => (p.ratio ?? NaN).toFixed(2)).join(' ');
  console.log(`  ${r.case.padEnd(18)} ${r.nicMpps.toFixed(3).padStart(9)} ${r.dpdkMpps.toFixed(3).padStart(10)} ${(r.ratio ?? NaN).toFixed(3).padStart(7)}  ${each}`);
}
if (CPU_A === CPU_B) console.log(`  !! frontend and backend shared CPU ${CPU_A}: not comparable with a run on two CPUs`);
console.log(`  ${((Date.now() - started) / 1000).toFixed(0)} s`);
mkdirSync(new URL('./', RESULTS), { recursive: true });
writeFileSync(RESULTS, `${JSON.stringify({ bench: 'vhost', ring: PACKED ? 'packed' : 'split', date: new Date().toISOString(), node: process.version, burst: BURST, measureMs: MEASURE_MS, repeat: REPEAT, cpus: [CPU_A, CPU_B], sharedCpu: CPU_A === CPU_B, rows }, null, 2)}
`);
console.log(`  results: ${RESULTS.pathname}`);
