// An lcore running the NAPI-style loop on one software-signalled queue. The main thread
// "receives" a packet by bumping PRODUCED and notifying the queue; poll() records when it
// saw it (process.hrtime, shared by all threads) and the thread's CPU time at each poll.
import { parentPort, workerData } from 'node:worker_threads';
import { EventfdRxIntr, NapiControl, runNapiLoop } from '@nic/intr';
import { threadCpuTimeNs } from '@nic/native';

const PRODUCED = 0;
const CONSUMED = 1;
const ints = new Int32Array(workerData.sab, 0, 2);
const cpuAtPoll = new Float64Array(workerData.sab, 8, 1);
const seenAt = new BigInt64Array(workerData.sab, 16, 1);
const control = new NapiControl(workerData.control);
const queue = new EventfdRxIntr(workerData.queue);

let consumed = 0;
function poll() {
  cpuAtPoll[0] = threadCpuTimeNs();
  const produced = Atomics.load(ints, PRODUCED);
  if (produced === consumed) return 0;
  seenAt[0] = process.hrtime.bigint();
  const n = produced - consumed;
  consumed = produced;
  Atomics.store(ints, CONSUMED, consumed);
  Atomics.notify(ints, CONSUMED);
  return n;
}

const stats = runNapiLoop({ poll, queues: [queue], control, emptyPollsBeforeSleep: workerData.emptyPolls });
parentPort.postMessage({ stats, cpuNs: threadCpuTimeNs() });
