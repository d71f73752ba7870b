/**
 * The bootstrap of every lcore worker thread: pin to the lcore's CPUs, name the thread,
 * attach the arena, import the `-d` plugins, then run what the main thread launches.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setAffinity, setThreadName } from '@nic/native';
import { Arena } from '../memory/arena.js';
import { loadPlugin } from '../plugins.js';
import { setLcoreContext } from './context.js';
import type { LaunchMessage, LcoreWorkerData, RemoteError, WorkerMessage } from './protocol.js';

const data = workerData as LcoreWorkerData;
const port = parentPort;
if (!port) throw new Error('the lcore bootstrap must run in a worker thread');

function toRemote(e: unknown): RemoteError {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { name: e.name, message: e.message, stack: e.stack, code: typeof code === 'string' ? code : undefined };
  }
  return { name: 'Error', message: String(e) };
}

function send(message: WorkerMessage): void {
  port?.postMessage(message);
}

async function run(msg: LaunchMessage): Promise<void> {
  try {
    const mod = (await import(msg.moduleUrl)) as Record<string, unknown>;
    const fn = mod[msg.exportName];
    if (typeof fn !== 'function') throw new TypeError(`${msg.moduleUrl} has no exported function "${msg.exportName}"`);
    send({ type: 'done', value: await (fn as (arg: unknown) => unknown)(msg.arg) });
  } catch (e) {
    send({ type: 'error', error: toRemote(e) });
  }
}

async function boot(): Promise<void> {
  setAffinity(data.cpus);
  setThreadName(`lcore-${data.lcoreId}`);
  setLcoreContext(data.lcoreId, data.arena ? new Arena(data.arena) : undefined);
  for (const spec of data.plugins) await loadPlugin(spec);
  port?.on('message', (msg: LaunchMessage) => void run(msg));
  send({ type: 'ready' });
}

boot().catch((e: unknown) => send({ type: 'error', error: toRemote(e) }));
