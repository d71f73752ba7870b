// Initialises an EAL instance in a worker thread, reports what the main thread may run on
// meanwhile, and cleans up when told. Plain JS: workers load built code.
import { parentPort, workerData } from 'node:worker_threads';
import { getAffinity } from '@nic/native';
import { init } from '@nic/eal';

const { eal } = await init(['--no-pci', '--no-huge', '-m', '8', '-l', String(workerData.cpu), '--file-prefix', workerData.prefix]);
parentPort.postMessage({ mainThread: getAffinity(process.pid), self: getAffinity() });
parentPort.once('message', async () => {
  await eal.cleanup();
  parentPort.postMessage('cleaned');
});
