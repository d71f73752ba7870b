// Worker (lcore) side of the attach test: views the parent's mapping by address, and through
// the SharedArrayBuffer the parent posted, and writes through both.
import { parentPort, workerData } from 'node:worker_threads';
import { attach } from '@nic/native';

const { address, length, buffer } = workerData;
const byAddress = new Uint32Array(attach(address, length));
const byBuffer = new Uint32Array(buffer);
const seen = { firstByAddress: byAddress[0], lastByBuffer: byBuffer[byBuffer.length - 1] };
byAddress[1] = 0xc0ffee;
const flags = new Int32Array(buffer);
Atomics.store(flags, 2, 0xbeef);
Atomics.notify(flags, 2);
parentPort.postMessage(seen);
