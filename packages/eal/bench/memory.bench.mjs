// Steady-state memory: moves 10 million mbufs through a pktmbuf pool and a ring in a child
// process and shows that the JS heap stays flat and that no GC runs while they move (the
// per-packet path allocates nothing). GCs are counted with a PerformanceObserver on 'gc'
// entries whose start falls inside the timed phase.
// Usage: node bench/memory.bench.mjs   (MBUFS=10000000 by default; needs a build of @nic/eal)
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt, isMain, printTable, writeResults } from './lib.mjs';

const MBUFS = Number(process.env.MBUFS ?? 10_000_000);

export async function main() {
  console.log(`# memory: ${MBUFS} mbufs through a mempool and a ring`);
  const child = fileURLToPath(new URL('./memory-child.mjs', import.meta.url));
  const out = execFileSync(process.execPath, ['--expose-gc', child, String(MBUFS)], { encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').at(-1));
  printTable(
    ['measure', 'value'],
    [
      ['mbufs moved', r.mbufs],
      ['ns per mbuf (alloc, append, 2 fields, enqueue, dequeue, read, free)', fmt(r.nsPerMbuf)],
      ['heapUsed before (bytes)', r.heapUsedBefore],
      ['heapUsed after (bytes)', r.heapUsedAfter],
      ['heapUsed delta (bytes)', r.heapUsedDelta],
      ['heapUsed after each 1/10 (bytes)', r.heapAfterChunk.join(' ')],
      ['heapUsed growth from 1/10 to the end (bytes)', r.heapGrowthAfterFirstChunk],
      ['v8 used_heap_size before -> after', `${r.v8UsedHeapBefore} -> ${r.v8UsedHeapAfter}`],
      ['v8 total_heap_size before -> after', `${r.v8TotalHeapBefore} -> ${r.v8TotalHeapAfter}`],
      ['GCs during the steady state', r.gcDuringSteadyState],
      ['GCs in the whole child run', r.gcTotal],
      ['pool full afterwards', r.poolFull],
    ],
  );
  const file = writeResults('memory', r);
  console.log(`wrote ${file}`);
  return r;
}

if (isMain(import.meta.url)) await main();
