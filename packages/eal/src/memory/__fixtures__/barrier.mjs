/** Spin barrier shared by the fixtures: returns once `parties` threads have arrived. */
export function arriveAndWait(buffer, parties) {
  const word = new Int32Array(buffer);
  Atomics.add(word, 0, 1);
  while (Atomics.load(word, 0) < parties) {
    // Everyone starts together, so the threads really contend.
  }
}
