// Worker (lcore) side of the epoll tests: sleeps in epoll_wait until the parent writes to an
// eventfd, then reports what woke it and how long it slept.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { Epoll, epollWait, eventfdRead, threadCpuTimeNs } from '@nic/native';

const { fds, rounds } = workerData;
if (rounds === undefined) {
  parentPort.postMessage({ kind: 'sleeping' });
  const start = performance.now();
  const ready = epollWait(fds, 10_000);
  const slept = performance.now() - start;
  parentPort.postMessage({ kind: 'woken', ready, slept, value: eventfdRead(ready[0]) });
} else {
  // The NAPI-style loop: one set, one output array, many sleeps.
  const epoll = new Epoll();
  for (const fd of fds) epoll.add(fd);
  const out = new Int32Array(8);
  const woken = [];
  const cpuBefore = threadCpuTimeNs();
  for (let round = 0; round < rounds; round++) {
    parentPort.postMessage({ kind: 'sleeping', round });
    const count = epoll.wait(out, 10_000);
    woken.push({ fds: Array.from(out.subarray(0, count)), value: eventfdRead(out[0]) });
  }
  const cpuMs = (threadCpuTimeNs() - cpuBefore) / 1e6;
  epoll.close();
  parentPort.postMessage({ kind: 'done', woken, cpuMs });
}
