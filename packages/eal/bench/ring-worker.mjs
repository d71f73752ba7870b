// One side of the two-thread ring benchmark (DPDK's enqueue_dequeue_bulk_helper): the
// producer enqueues `bulk` values `iterations` times, the consumer dequeues them, each
// pausing and retrying while the ring is full or empty; each side times its own loop.
// Each thread is pinned to its own CPU, as dpdk-test pins its lcores. Rounds start
// together; the ns per element of every round but the first (JIT warm-up) are posted.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { Arena, Ring } from '@nic/eal';
import { setAffinity } from '@nic/native';
import { roundBarrier } from './barrier.mjs';

const { arena: handle, ring: name, role, multi, bulk, iterations, rounds, barrier, cpu } = workerData;
setAffinity([cpu]);
const ring = Ring.lookup(new Arena(handle), name);
const objs = new Uint32Array(32).fill(7);

let spin = 1;
/** Stands in for DPDK's rte_pause() after a failed try: a short wait off the ring's cache lines. */
function pause() {
  for (let k = 0; k < 64; k++) spin = (spin * 31 + 7) | 0;
}

function spEnqueue(n) {
  for (let i = 0; i < n; i++) while (ring.spEnqueueBulk(objs, bulk) === 0) pause();
}
function mpEnqueue(n) {
  for (let i = 0; i < n; i++) while (ring.mpEnqueueBulk(objs, bulk) === 0) pause();
}
function scDequeue(n) {
  for (let i = 0; i < n; i++) while (ring.scDequeueBulk(objs, bulk) === 0) pause();
}
function mcDequeue(n) {
  for (let i = 0; i < n; i++) while (ring.mcDequeueBulk(objs, bulk) === 0) pause();
}

const loop = role === 'enq' ? (multi ? mpEnqueue : spEnqueue) : multi ? mcDequeue : scDequeue;
const times = [];
for (let round = 0; round < rounds; round++) {
  roundBarrier(barrier, 2, round);
  const start = performance.now();
  loop(iterations);
  times.push(((performance.now() - start) * 1e6) / (iterations * bulk));
}
parentPort.postMessage(spin === 0 ? [] : times.slice(1));
