/**
 * One side of test_mempool_sp_sc. The single consumer (`get`) takes `count` objects from
 * the pool, checks each belongs to it, and passes them through a 16-slot ring; the single
 * producer (`put`) takes them from that ring and puts them back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Arena, Mempool, Ring } from '@nic/eal';
import { arriveAndWait } from './barrier.mjs';

const { arena: handle, pool: poolName, ring: ringName, role, count, barrier, parties } = workerData;
const arena = new Arena(handle);
const pool = Mempool.lookup(arena, poolName);
const table = Ring.lookup(arena, ringName);
arriveAndWait(barrier, parties);

let foreign = 0;
if (role === 'get') {
  for (let i = 0; i < count; i++) {
    let obj = 0;
    while (obj === 0) obj = pool.get();
    if (Mempool.fromObject(arena, obj).offset !== pool.offset) foreign++;
    while (table.enqueue(obj) !== 0) {
      // The table is full until the producer takes some back.
    }
  }
} else {
  for (let i = 0; i < count; i++) {
    let obj = -1;
    while (obj < 0) obj = table.dequeue();
    pool.put(obj);
  }
}
parentPort.postMessage({ foreign });
