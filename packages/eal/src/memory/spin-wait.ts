/**
 * Waiting for another thread to change a shared word, on a machine that may run more
 * threads than it has CPUs.
 *
 * A pure spin is fastest while the thread being waited for is running: it finishes within
 * a few hundred nanoseconds and the waiter sees the new value on its next load. But when
 * that thread has been preempted (more lcores or workers than CPUs, or a busy host), a pure
 * spin burns the waiter's whole time slice, and the scheduler may keep giving the CPU to
 * spinners while the one thread that could make progress waits for it. With four spinning
 * threads on two CPUs this turned a 2 s ring stress into more than 120 s.
 *
 * So the wait spins for {@link SPIN_LOADS} loads, and after that sleeps on the word with
 * `Atomics.wait` for at most {@link YIELD_MS} at a time, which gives the CPU up to the
 * scheduler. Nothing calls `Atomics.notify` (that would put a builtin call on every
 * writer's path), so each sleep ends by its timeout and the loop checks the word again: a
 * long wait costs a few system calls per 100 µs instead of a CPU. A word that already holds
 * the value costs one load; the ring's hot paths test the word themselves before calling.
 */

/** Loads of the word spun before the waiter gives up its CPU (some microseconds). */
export const SPIN_LOADS = 4096;

/** Longest sleep of one yield, in milliseconds (the kernel's timer slack adds ~50 µs). */
export const YIELD_MS = 0.05;

/**
 * Returns once `i32[index]` holds `value`, spinning first and then yielding the CPU in
 * short sleeps. `i32` must view a `SharedArrayBuffer`. The loads are sequentially
 * consistent `Atomics` loads.
 */
export function waitForValue(i32: Int32Array, index: number, value: number): void {
  for (let i = 0; i < SPIN_LOADS; i++) if (Atomics.load(i32, index) === value) return;
  for (;;) {
    const seen = Atomics.load(i32, index);
    if (seen === value) return;
    // Returns at once if the word no longer holds `seen`; the loop then checks again.
    Atomics.wait(i32, index, seen, YIELD_MS);
  }
}
