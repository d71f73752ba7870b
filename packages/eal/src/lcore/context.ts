/**
 * Per-thread lcore context: which lcore this thread is, and the arena it sees. The main
 * thread is the main lcore; each worker thread is set up by the lcore bootstrap.
 */
import type { Arena } from '../memory/arena.js';
import { currentLcore, LCORE_NONE, setCurrentLcore } from '../memory/current-lcore.js';

/** DPDK's `LCORE_ID_ANY`: the thread is not an lcore. */
export const LCORE_ID_ANY = LCORE_NONE;

let currentArena: Arena | undefined;

/** The lcore id of the calling thread, or {@link LCORE_ID_ANY}. Mempools pick their cache by it. */
export function lcoreId(): number {
  return currentLcore();
}

/** The arena as the calling thread sees it, when EAL (or the lcore bootstrap) has set it. */
export function lcoreArena(): Arena | undefined {
  return currentArena;
}

/** @internal Sets the calling thread's lcore identity (EAL init and the worker bootstrap). */
export function setLcoreContext(id: number, arena: Arena | undefined): void {
  setCurrentLcore(id);
  currentArena = arena;
}
