/** `Atomics.waitAsync` (ES2024), which the ES2023 library typings lack. */
interface AtomicsWaitAsync {
  waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): { async: boolean; value: Promise<string> | string };
}

/**
 * Resolves once `array[index]` satisfies `done`, waiting on the slot without blocking the
 * thread; rejects after `ms`.
 */
export async function untilSlot(array: Int32Array, index: number, done: (value: number) => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  for (;;) {
    const current = Atomics.load(array, index);
    if (done(current)) return;
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`timed out waiting for slot ${index} to reach ${what} (at ${current})`);
    const w = (Atomics as unknown as AtomicsWaitAsync).waitAsync(array, index, current, left);
    if (w.async) await w.value;
  }
}
