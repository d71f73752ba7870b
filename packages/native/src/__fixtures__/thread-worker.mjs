// Worker side of the thread tests: pins and names itself, then reports what the kernel says.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { getAffinity, getThreadName, gettid, setAffinity, setThreadName, threadCpuTimeNs } from '@nic/native';

setAffinity([workerData.cpu]);
setThreadName(workerData.name);
const tid = gettid();
// Spins until this thread has used SPIN_CPU_MS of CPU, however long that takes on a loaded
// machine (up to DEADLINE_MS of wall time).
const SPIN_CPU_MS = 5;
const DEADLINE_MS = 20_000;
const cpuBefore = threadCpuTimeNs();
const wallBefore = performance.now();
let spin = 0;
while ((threadCpuTimeNs() - cpuBefore) / 1e6 < SPIN_CPU_MS && performance.now() - wallBefore < DEADLINE_MS) spin++;
// Both clocks read once, the CPU clock first, so the wall span holds the CPU span; what the
// report below costs (file reads, slow under ASan) is in neither.
const cpuMs = (threadCpuTimeNs() - cpuBefore) / 1e6;
const wallMs = performance.now() - wallBefore;
parentPort.postMessage({
  tid,
  affinity: getAffinity(),
  name: getThreadName(),
  comm: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(),
  lastCpu: Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[36]),
  cpuMs,
  wallMs,
  spinCpuMs: SPIN_CPU_MS,
  spun: spin > 0,
});
