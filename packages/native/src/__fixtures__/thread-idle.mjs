// A worker that reports its kernel thread id, then answers 'affinity' with what it may run on.
import { parentPort } from 'node:worker_threads';
import { getAffinity, gettid } from '@nic/native';

parentPort.postMessage(gettid());
parentPort.on('message', () => parentPort.postMessage(getAffinity()));
