/**
 * Instantiates the peek kernel (bytes in workerData) over an arena posted from another thread,
 * reads the word at `offset` and writes `value` after it; posts what it read.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Arena, wasmKernel } from '@nic/eal';

const { arena: handle, bytes, offset, value } = workerData;
const kernel = wasmKernel(bytes, new Arena(handle));
const read = kernel.load(offset);
kernel.store(offset + 4, value);
parentPort.postMessage(read);
