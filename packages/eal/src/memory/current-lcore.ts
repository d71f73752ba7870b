/**
 * Which lcore the calling thread is, as the mempool sees it: it picks the per-lcore object
 * cache by this id. Each thread has its own copy of this module, so the value is per
 * thread. EAL sets it: the main thread becomes the main lcore at init and each worker its
 * lcore; until then every thread is {@link LCORE_NONE} (no cache).
 */
import { NicError } from '@nic/native';

/** Most lcores a mempool keeps caches for (DPDK's default `RTE_MAX_LCORE`). */
export const MAX_LCORE = 128;
/** The calling thread is not an lcore: mempool calls bypass the caches. */
export const LCORE_NONE = -1;

/** @internal Read on the per-packet path; change it only through {@link setCurrentLcore}. */
export let lcoreIndex = LCORE_NONE;

/**
 * Declares the calling thread to be lcore `id` (0 to {@link MAX_LCORE} - 1), or not an
 * lcore ({@link LCORE_NONE}). Two threads must never share an id while both use mempools:
 * the per-lcore caches are not locked.
 * @throws NicError `NIC_EINVAL` for an id out of range.
 */
export function setCurrentLcore(id: number): void {
  if (typeof id !== 'number') throw new TypeError(`lcore id must be a number, got ${typeof id}`);
  if (!Number.isInteger(id) || id < LCORE_NONE || id >= MAX_LCORE) {
    throw new NicError('NIC_EINVAL', `lcore id ${id} is outside ${LCORE_NONE}..${MAX_LCORE - 1}`);
  }
  lcoreIndex = id;
}

/** The calling thread's lcore id for mempool caches, or {@link LCORE_NONE}. */
export function currentLcore(): number {
  return lcoreIndex;
}
