// The steady-state memory check, run by memory.bench.mjs in a child process started with
// --expose-gc: moves `total` mbufs (argv[2], default 10 M) in bursts of 32 through a
// pktmbuf pool and a ring (alloc, append, set fields, enqueue, dequeue, read, free) and
// prints one JSON line: the JS heap before, after each tenth of the run and at the end,
// and the GCs seen while it ran.
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { setImmediate, setTimeout } from 'node:timers/promises';
import v8 from 'node:v8';
import { Arena, MbufView, RING_F_SC_DEQ, RING_F_SP_ENQ, Ring, pktmbufPoolCreate } from '@nic/eal';

const TOTAL = Number(process.argv[2] ?? 10_000_000);
const WARMUP = 1_000_000;
const BURST = 32;
const CHUNKS = 10;

const arena = Arena.anonymous(64 << 20);
const pool = pktmbufPoolCreate(arena, 'mem_pool', 8191, 256);
const ring = Ring.create(arena, 'mem_ring', 4096, RING_F_SP_ENQ | RING_F_SC_DEQ);
const mb = new MbufView(arena);
const burst = new Uint32Array(BURST);

const gcs = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcs.push({ start: entry.startTime, duration: entry.duration, kind: entry.detail?.kind });
}).observe({ entryTypes: ['gc'] });

function move(count) {
  let bytes = 0;
  for (let moved = 0; moved < count; moved += BURST) {
    if (mb.allocBulk(pool, burst, BURST) !== 0) throw new Error('pool empty');
    for (let i = 0; i < BURST; i++) {
      const m = burst[i];
      mb.append(m, 64);
      mb.setPort(m, 1);
      mb.setRssHash(m, moved + i);
    }
    if (ring.enqueueBulk(burst, BURST) !== BURST || ring.dequeueBulk(burst, BURST) !== BURST) throw new Error('ring stuck');
    for (let i = 0; i < BURST; i++) bytes += mb.pktLen(burst[i]);
    mb.freeBulk(burst, BURST);
  }
  return bytes;
}

move(WARMUP);
globalThis.gc();
await setImmediate();
const heapBefore = process.memoryUsage().heapUsed;
const statsBefore = v8.getHeapStatistics();
const heapAfterChunk = [];
let bytes = 0;
const start = performance.now();
for (let chunk = 0; chunk < CHUNKS; chunk++) {
  bytes += move(TOTAL / CHUNKS);
  heapAfterChunk.push(process.memoryUsage().heapUsed);
}
const end = performance.now();
const heapAfter = process.memoryUsage().heapUsed;
const statsAfter = v8.getHeapStatistics();
await setTimeout(200);
const steady = gcs.filter((g) => g.start >= start && g.start <= end);
console.log(
  JSON.stringify({
    mbufs: TOTAL,
    bytes,
    nsPerMbuf: ((end - start) * 1e6) / TOTAL,
    heapUsedBefore: heapBefore,
    heapUsedAfter: heapAfter,
    heapUsedDelta: heapAfter - heapBefore,
    heapAfterChunk,
    heapGrowthAfterFirstChunk: heapAfterChunk[CHUNKS - 1] - heapAfterChunk[0],
    v8UsedHeapBefore: statsBefore.used_heap_size,
    v8UsedHeapAfter: statsAfter.used_heap_size,
    v8TotalHeapBefore: statsBefore.total_heap_size,
    v8TotalHeapAfter: statsAfter.total_heap_size,
    gcDuringSteadyState: steady.length,
    gcTotal: gcs.length,
    poolFull: pool.full(),
  }),
);
