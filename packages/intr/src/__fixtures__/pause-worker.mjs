// An lcore running the pause loop over a queue that never has packets. Each poll bumps
// POLLS (and notifies it); at the end the worker posts the loop's counters and its thread's
// CPU time.
import { parentPort, workerData } from 'node:worker_threads';
import { NapiControl, runPauseLoop } from '@nic/intr';
import { threadCpuTimeNs } from '@nic/native';

const POLLS = 0;
const ints = new Int32Array(workerData.sab);
const control = new NapiControl(workerData.control);

function poll() {
  Atomics.add(ints, POLLS, 1);
  Atomics.notify(ints, POLLS);
  return 0;
}

const cpuBefore = threadCpuTimeNs();
const stats = runPauseLoop({ poll, control, emptyPollsBeforePause: 1, pauseUs: workerData.pauseUs });
parentPort.postMessage({ stats, cpuNs: threadCpuTimeNs() - cpuBefore });
