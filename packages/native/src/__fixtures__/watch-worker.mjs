// A worker that leaves fd watchers open when it ends: the addon must close them during the
// worker's teardown without disturbing the process.
import { parentPort, workerData } from 'node:worker_threads';
import { eventfd, eventfdRead, watchFd } from '@nic/native';

const fd = eventfd();
const watcher = watchFd(fd, (readyFd) => parentPort.postMessage({ kind: 'readable', value: eventfdRead(readyFd) }));
if (workerData.mode === 'unref') {
  // Nothing else keeps this worker alive: it ends with the watcher still open.
  watcher.unref();
}
parentPort.postMessage({ kind: 'watching', fd });
