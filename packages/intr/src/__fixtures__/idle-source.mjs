// Registers an interrupt source and returns: the worker must still exit on its own, since
// the interrupt thread's watchers do not keep the event loop alive.
import { parentPort } from 'node:worker_threads';
import { IntrThread } from '@nic/intr';
import { IntrHandle, IntrHandleType } from '@nic/intr/driver';
import { eventfd } from '@nic/native';

const thread = new IntrThread();
thread.register(new IntrHandle({ type: IntrHandleType.VFIO_MSI, fd: eventfd(0, { nonblock: true }) }), () => undefined, null);
parentPort.postMessage(thread.sources().length);
