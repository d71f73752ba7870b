/**
 * One side of the ring stress test. A producer enqueues the values `first .. first + count`
 * in order, or fewer (but at least `minimum`) once the test raises its stop word (`done[1]`), then counts itself in
 * `done[0]` and reports how many it produced; a consumer dequeues until every producer is done
 * and the ring is empty, counting each value it sees in its own `seen` array and how often
 * a producer's values arrived out of order. Calls rotate through burst, bulk and single operations, and
 * through the explicit (`mp`/`sp`, `mc`/`sc`) and default variants.
 *
 * A call that moves nothing (ring full or empty) is followed by a yield of the CPU: the
 * test may run with more threads than CPUs (four here on two, beside other test files), and
 * a thread that spins on a full or empty ring for its whole time slice only delays the
 * thread that would change that. The ring's own waits inside an operation are not affected.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Arena, Ring } from '@nic/eal';
import { arriveAndWait } from './barrier.mjs';

const { arena: handle, ring: name, role, multi, barrier, parties } = workerData;
const ring = Ring.lookup(new Arena(handle), name);
const buf = new Uint32Array(32);
const idle = new Int32Array(new SharedArrayBuffer(4));
/** Gives the CPU to another thread for a moment (a timed wait nobody ends early). */
const yieldCpu = () => Atomics.wait(idle, 0, 0, 0.05);
arriveAndWait(barrier, parties);

/** V8's optimization status bit for code from TurboFan (`%GetOptimizationStatus`, V8 11). */
const STATUS_TURBOFANNED = 1 << 6;
/**
 * Under ring-stress-tier.mjs: the names of the ring methods this thread called that were not
 * running TurboFan code at the end (`%GetOptimizationStatus` needs `--allow-natives-syntax`,
 * which that wrapper sets before this module is parsed). Otherwise undefined.
 */
function notTurboFanned(methods) {
  if (!workerData.v8Flags) return undefined;
  const status = new Function('f', 'return %GetOptimizationStatus(f)');
  return methods.filter((m) => (status(Ring.prototype[m]) & STATUS_TURBOFANNED) === 0);
}

if (role === 'producer') {
  const { first, count, minimum } = workerData;
  const end = first + count;
  const control = new Int32Array(workerData.done);
  let next = first;
  // The stop word ends the run only once `minimum` values are through: how much traffic a run
  // has does not depend on how loaded the machine is.
  for (let step = 0; next < end && (Atomics.load(control, 1) === 0 || next - first < minimum); step++) {
    const want = Math.min(1 + (step % 32), end - next);
    for (let i = 0; i < want; i++) buf[i] = next + i;
    let moved;
    if (step % 3 === 0) moved = multi ? ring.mpEnqueueBurst(buf, want) : ring.spEnqueueBurst(buf, want);
    else if (step % 3 === 1) moved = ring.enqueueBulk(buf, want);
    else moved = (multi ? ring.mpEnqueue(buf[0]) : ring.spEnqueue(buf[0])) === 0 ? 1 : 0;
    next += moved;
    if (moved === 0) yieldCpu();
  }
  Atomics.add(control, 0, 1);
  const methods = multi ? ['mpEnqueueBurst', 'enqueueBulk', 'mpEnqueue'] : ['spEnqueueBurst', 'enqueueBulk', 'spEnqueue'];
  parentPort.postMessage({ produced: next - first, notTurboFanned: notTurboFanned(methods) });
} else {
  const { seen: seenBuffer, producers, perProducer } = workerData;
  const seen = new Uint8Array(seenBuffer);
  const done = new Int32Array(workerData.done);
  const last = new Float64Array(producers).fill(-1);
  let disorder = 0;
  let mine = 0;
  for (let step = 0; ; step++) {
    const want = 1 + (step % 32);
    let got = 0;
    if (step % 3 === 0) got = multi ? ring.mcDequeueBurst(buf, want) : ring.scDequeueBurst(buf, want);
    else if (step % 3 === 1) got = ring.dequeueBulk(buf, want);
    else {
      const value = ring.dequeue();
      if (value >= 0) {
        buf[0] = value;
        got = 1;
      }
    }
    for (let i = 0; i < got; i++) {
      const value = buf[i];
      seen[value]++;
      const producer = Math.floor(value / perProducer);
      if (value <= last[producer]) disorder++;
      last[producer] = value;
    }
    mine += got;
    if (got === 0) {
      if (Atomics.load(done, 0) === producers && ring.empty()) break;
      yieldCpu();
    }
  }
  const methods = multi ? ['mcDequeueBurst', 'dequeueBulk', 'dequeue'] : ['scDequeueBurst', 'dequeueBulk', 'dequeue'];
  parentPort.postMessage({ consumed: mine, disorder, notTurboFanned: notTurboFanned(methods) });
}
