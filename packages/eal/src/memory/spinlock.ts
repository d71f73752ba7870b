/**
 * A spinlock in arena memory: one 32-bit word, 0 when free and 1 when held, taken with
 * `Atomics.compareExchange`, so threads sharing the arena exclude each other. For short
 * control-path sections only (memzone table updates); the data path takes no locks.
 */
import { waitForValue } from './spin-wait.js';

/** Value of a free lock word. */
export const SPINLOCK_FREE = 0;
/** Value of a held lock word. */
export const SPINLOCK_HELD = 1;

/**
 * Takes the lock at `i32[index]`, spinning until it is free. The `Atomics` operations are
 * sequentially consistent, so everything the previous holder wrote before its
 * {@link spinUnlock} is visible to the new holder.
 */
export function spinLock(i32: Int32Array, index: number): void {
  while (Atomics.compareExchange(i32, index, SPINLOCK_FREE, SPINLOCK_HELD) !== SPINLOCK_FREE) {
    // Read-only wait (no write traffic on the lock's line while it is held), which yields
    // the CPU if the holder has been preempted.
    waitForValue(i32, index, SPINLOCK_FREE);
  }
}

/** Releases the lock at `i32[index]`, publishing the holder's writes to the next holder. */
export function spinUnlock(i32: Int32Array, index: number): void {
  Atomics.store(i32, index, SPINLOCK_FREE);
}
