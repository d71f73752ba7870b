/** Runs the worker-thread fixtures of the memory tests (plain `.mjs` importing built `@nic/eal`). */
import { Worker } from 'node:worker_threads';

/**
 * Runs fixture `name` of this directory in a worker thread with `workerData` and resolves
 * with the last message it posted, once it exits with code 0.
 */
export function runFixture<T>(name: string, workerData: unknown): Promise<T> {
  const worker = new Worker(new URL(`./${name}`, import.meta.url), { workerData });
  return new Promise<T>((resolve, reject) => {
    let result: { value: T } | undefined;
    worker.on('message', (value: T) => {
      result = { value };
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`fixture ${name} exited with code ${code}`));
      else if (result === undefined) reject(new Error(`fixture ${name} posted no result`));
      else resolve(result.value);
    });
  });
}

/** A barrier word for `parties` threads: each calls {@link arriveAndWait} (in the fixtures) before starting. */
export function newBarrier(): SharedArrayBuffer {
  return new SharedArrayBuffer(4);
}
