// A reusable spin barrier over a SharedArrayBuffer word, for benchmark threads that must
// start each round together.

/** Waits until `parties` threads have arrived for round `round` (0, 1, 2, ...). */
export function roundBarrier(buffer, parties, round) {
  const word = new Int32Array(buffer);
  Atomics.add(word, 0, 1);
  while (Atomics.load(word, 0) < parties * (round + 1)) {
    // Spin: every party is on its own CPU (or, sharing one under `taskset -c 1`, waits out its slice).
  }
}
