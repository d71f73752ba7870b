// Worker side of the thread tests: pins and names itself, then reports what the kernel says.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { getAffinity, getThreadName, gettid, setAffinity, setThreadName, threadCpuTimeNs } from '@nic/native';

setAffinity([workerData.cpu]);
setThreadName(workerData.name);
const tid = gettid();
const cpuBefore = threadCpuTimeNs();
let spin = 0;
const until = performance.now() + 30;
while (performance.now() < until) spin++;
parentPort.postMessage({
  tid,
  affinity: getAffinity(),
  name: getThreadName(),
  comm: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(),
  lastCpu: Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[36]),
  cpuMs: (threadCpuTimeNs() - cpuBefore) / 1e6,
  spun: spin > 0,
});
