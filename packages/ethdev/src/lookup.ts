/**
 * Finding data-path structures from offsets stored in shared memory: a driver records the
 * arena offset of a ring or mempool in its private zone (ethdev records an rx queue's
 * mempool in the queue block), and each thread rebuilds its own view from it.
 */
import { Mempool, MEMPOOL_MZ_PREFIX, memzoneAt, NicError, Ring, RING_MZ_PREFIX, type Arena } from '@nic/eal';
import { QB_MEMPOOL, type PortData } from './shared.js';

function zoneName(arena: Arena, offset: number, prefix: string, what: string): string {
  const zone = memzoneAt(arena, offset);
  if (!zone || !zone.name.startsWith(prefix)) throw new NicError('NIC_ENOENT', `no ${what} at arena offset 0x${offset.toString(16)}`);
  return zone.name.slice(prefix.length);
}

/**
 * This thread's view of the ring whose memzone starts at `offset`.
 * @throws NicError `NIC_ENOENT` when no ring is there.
 */
export function ringAt(arena: Arena, offset: number): Ring {
  return Ring.lookup(arena, zoneName(arena, offset, RING_MZ_PREFIX, 'ring'));
}

/**
 * This thread's view of the mempool whose memzone starts at `offset`.
 * @throws NicError `NIC_ENOENT` when no mempool is there.
 */
export function mempoolAt(arena: Arena, offset: number): Mempool {
  return Mempool.lookup(arena, zoneName(arena, offset, MEMPOOL_MZ_PREFIX, 'mempool'));
}

/** This thread's view of the mempool rx queue `queue` of a port was set up with. */
export function rxQueueMempool(data: PortData, queue: number): Mempool {
  return mempoolAt(data.arena, data.arena.u32[(data.rxBlock(queue) + QB_MEMPOOL) >>> 2]);
}
