// Mempool get+put cost per object, nic against DPDK's mempool_perf_autotest run as a child
// process: DPDK's test_loop (take n_keep = 32 objects in bulks, put them back in bulks) on
// one lcore, bulks 1, 4, 8 and 32, without a cache and with the per-lcore cache; plus the
// cost of debug mode. mempool_perf_autotest spends 5 s per configuration and reaches its
// cached configurations only after about 30 minutes, so by default the run stops once the
// no-cache, one-core lines up to DPDK_MEMPOOL_MAX_BULK (default 32) are in, about 5 minutes;
// DPDK_MEMPOOL_CACHED=1 waits for the cached lines too (about 35 minutes).
// Usage: node bench/mempool.bench.mjs   (needs a build of @nic/eal)
import { Arena, MEMPOOL_CACHE_MAX_SIZE, MEMPOOL_F_DEBUG, Mempool, setCurrentLcore } from '@nic/eal';
import { bestOf, dpdkVersion, findDpdkTest, fmt, isMain, printLcoreCpus, printTable, runDpdkTest, writeResults } from './lib.mjs';

const MEMPOOL_ELT_SIZE = 2048;
const MAX_KEEP = 512;
const LCORES = 2;
const MEMPOOL_SIZE = LCORES * (MAX_KEEP + MEMPOOL_CACHE_MAX_SIZE) - 1;
const N_KEEP = 32;
const BULKS = [1, 4, 8, 32];
const DPDK_MAX_BULK = Number(process.env.DPDK_MEMPOOL_MAX_BULK ?? 32);
const DPDK_CACHED = process.env.DPDK_MEMPOOL_CACHED === '1';

/** test_mempool_perf's my_obj_init: zero the object and store its index. */
function myObjInit(pool, handle, index) {
  pool.arena.u8.fill(0, handle, handle + pool.eltSize);
  pool.arena.u32[handle >>> 2] = index;
}

/** nic: DPDK's test_loop for each pool and bulk size, in ns per object (one get and one put). */
function nic() {
  setCurrentLcore(0);
  const arena = Arena.anonymous(16 << 20);
  const pools = {
    'no cache': Mempool.create(arena, 'perf_test_nocache', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE, { objInit: myObjInit }),
    [`cache ${MEMPOOL_CACHE_MAX_SIZE}`]: Mempool.create(arena, 'perf_test_cache', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE, {
      cacheSize: MEMPOOL_CACHE_MAX_SIZE,
      objInit: myObjInit,
    }),
    [`cache ${MEMPOOL_CACHE_MAX_SIZE}, debug`]: Mempool.create(arena, 'perf_test_debug', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE, {
      cacheSize: MEMPOOL_CACHE_MAX_SIZE,
      flags: MEMPOOL_F_DEBUG,
      objInit: myObjInit,
    }),
  };
  const table = new Uint32Array(MAX_KEEP);
  const cases = [];
  for (const [kind, mp] of Object.entries(pools)) {
    for (const bulk of BULKS) {
      cases.push({
        name: `${kind}, bulk ${bulk}`,
        kind,
        bulk,
        iterations: (1 << 20) / N_KEEP,
        opsPerIteration: N_KEEP,
        run: (n) => {
          for (let i = 0; i < n; i++) {
            for (let idx = 0; idx < N_KEEP; idx += bulk) if (mp.getBulk(table, bulk, idx) !== 0) throw new Error('pool empty');
            for (let idx = 0; idx < N_KEEP; idx += bulk) mp.putBulk(table, bulk, idx);
          }
          return table[0];
        },
      });
    }
  }
  const best = bestOf(cases);
  return cases.map((c) => ({ case: c.name, kind: c.kind, bulk: c.bulk, nicNs: best[c.name] }));
}

/** DPDK: rate_persec of the cache=0, one-core, n_keep=32, constant_n=0 lines, as ns per object. */
async function dpdk(binary) {
  const pattern = /^mempool_autotest cache=(\d+) cores=(\d+) n_get_bulk=(\d+) n_put_bulk=(\d+) n_keep=(\d+) constant_n=(\d) rate_persec=(\d+)/;
  const cache = DPDK_CACHED ? MEMPOOL_CACHE_MAX_SIZE : 0;
  const last = `cache=${cache} cores=1 n_get_bulk=${DPDK_MAX_BULK} n_put_bulk=${DPDK_MAX_BULK} n_keep=${N_KEEP} constant_n=0`;
  const out = await runDpdkTest(binary, 'mempool_perf_autotest', {
    stopWhen: (line) => line.includes(last),
    onLine: (line) => {
      const m = pattern.exec(line);
      if (m && m[3] === m[4] && m[5] === String(N_KEEP)) process.stdout.write(`  dpdk: ${line}\n`);
    },
  });
  const ns = {};
  for (const line of out.lines) {
    const m = pattern.exec(line);
    if (!m) continue;
    const [, cache, cores, get, put, keep, constant, rate] = m;
    if (cores === '1' && get === put && keep === String(N_KEEP) && constant === '0') ns[`${cache}/${get}`] = 1e9 / Number(rate);
  }
  return ns;
}

export async function main() {
  console.log(`# mempool: get+put per object (n_keep=${N_KEEP}, ${MEMPOOL_SIZE} objects of ${MEMPOOL_ELT_SIZE} bytes, one lcore)`);
  printLcoreCpus();
  const rows = nic();
  const binary = findDpdkTest();
  if (binary) {
    console.log(`running DPDK ${dpdkVersion()} mempool_perf_autotest up to bulk ${DPDK_MAX_BULK}${DPDK_CACHED ? ' with cache' : ''} (5 s per line)...`);
  }
  const peer = binary ? await dpdk(binary) : {};
  for (const r of rows) {
    const cache = { 'no cache': 0, [`cache ${MEMPOOL_CACHE_MAX_SIZE}`]: MEMPOOL_CACHE_MAX_SIZE }[r.kind];
    r.dpdkNs = cache === undefined ? undefined : peer[`${cache}/${r.bulk}`];
    r.ratio = r.dpdkNs === undefined ? undefined : r.nicNs / r.dpdkNs;
  }
  printTable(
    ['case', 'nic ns/obj', 'DPDK ns/obj', 'ratio nic/DPDK'],
    rows.map((r) => [r.case, fmt(r.nicNs), fmt(r.dpdkNs), fmt(r.ratio, 2)]),
  );
  const debugCost = rows.filter((r) => r.kind.endsWith('debug')).map((r) => {
    const plain = rows.find((p) => p.kind === `cache ${MEMPOOL_CACHE_MAX_SIZE}` && p.bulk === r.bulk);
    return { bulk: r.bulk, extraNs: r.nicNs - plain.nicNs };
  });
  console.log(`debug mode adds per object: ${debugCost.map((d) => `bulk ${d.bulk}: ${fmt(d.extraNs)} ns`).join(', ')}`);
  const file = writeResults('mempool', { dpdkVersion: dpdkVersion(), nKeep: N_KEEP, rows, debugCost });
  console.log(`wrote ${file}`);
  return rows;
}

if (isMain(import.meta.url)) await main();
