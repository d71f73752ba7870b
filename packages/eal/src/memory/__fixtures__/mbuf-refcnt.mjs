/**
 * One side of test_refcnt_mbuf. The `main` lcore, for `iterations` rounds, allocates every
 * mbuf of the pool, raises its refcnt by a random 1..`maxRef`, enqueues it that many times
 * on the ring and drops its own reference; then it waits until the workers have returned
 * every mbuf. A `worker` frees whatever it dequeues until told to stop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Arena, MbufView, Mempool, Ring, setCurrentLcore } from '@nic/eal';
import { arriveAndWait } from './barrier.mjs';

const { arena: handle, pool: poolName, ring: ringName, role, lcore, barrier, parties } = workerData;
const arena = new Arena(handle);
const mb = new MbufView(arena);
const pool = Mempool.lookup(arena, poolName);
const ring = Ring.lookup(arena, ringName);
const stop = new Int32Array(workerData.stop);
setCurrentLcore(lcore);
arriveAndWait(barrier, parties);

if (role === 'main') {
  const { iterations, maxRef } = workerData;
  let tref = 0;
  let failedAlloc = 0;
  for (let iter = 0; iter < iterations; iter++) {
    const n = pool.availCount();
    for (let i = 0; i < n; i++) {
      const m = mb.alloc(pool);
      if (m === 0) {
        failedAlloc++;
        continue;
      }
      let ref = Math.max(Math.floor(Math.random() * maxRef), 1);
      tref += ref;
      if ((ref & 1) !== 0) {
        mb.refcntUpdate(m, ref);
        while (ref-- !== 0) ring.enqueue(m);
      } else {
        while (ref-- !== 0) {
          mb.refcntUpdate(m, 1);
          ring.enqueue(m);
        }
      }
      mb.free(m);
    }
    while (!ring.empty() || pool.availCount() !== n) {
      // The workers are still freeing this round's references.
    }
  }
  Atomics.store(stop, 0, 1);
  parentPort.postMessage({ tref, failedAlloc });
} else {
  let freed = 0;
  while (Atomics.load(stop, 0) === 0 || !ring.empty()) {
    const m = ring.dequeue();
    if (m >= 0) {
      mb.free(m);
      freed++;
    }
  }
  parentPort.postMessage({ freed });
}
