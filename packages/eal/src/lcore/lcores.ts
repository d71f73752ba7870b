/**
 * The lcores of one EAL instance: the main lcore is the calling thread; every other lcore
 * is a worker thread pinned to its CPUs. `remoteLaunch` runs an exported function of a
 * module on a worker; `waitLcore` collects its result, as DPDK's launch API does.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { NicError } from '@nic/native';
import type { Arena } from '../memory/arena.js';
import type { LcoreWorkerData, RemoteError, WorkerMessage } from './protocol.js';

/** DPDK's lcore states: waiting for work, running it, finished and not yet waited for. */
export type LcoreState = 'WAIT' | 'RUNNING' | 'FINISHED';

/** One lcore as configured: its id and the CPUs it may run on. */
export interface LcoreConfig {
  readonly id: number;
  readonly cpus: readonly number[];
}

interface Outcome {
  readonly ok: boolean;
  readonly value: unknown;
}

interface WorkerLcore {
  readonly config: LcoreConfig;
  readonly worker: Worker;
  state: LcoreState;
  outcome?: Outcome;
  /** Resolves when the running function finishes. */
  done?: Promise<Outcome>;
  settle?: (o: Outcome) => void;
}

/** The error a launched function threw, rebuilt on the waiting side with the worker's stack. */
export class LcoreError extends Error {
  constructor(lcore: number, remote: RemoteError) {
    super(`lcore ${lcore}: ${remote.message}`);
    this.name = remote.name;
    if (remote.code !== undefined) Object.defineProperty(this, 'code', { value: remote.code, enumerable: true });
    this.stack = `${this.name}: ${this.message}\n    --- on lcore ${lcore} ---\n${remote.stack ?? ''}`;
  }
}

/** Finds the built bootstrap: workers cannot load TypeScript, so it always comes from dist. */
function bootstrapUrl(): URL {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  const file = join(dir, 'dist', 'lcore', 'worker.js');
  if (!existsSync(file)) throw new NicError('NIC_ENOENT', `lcore bootstrap ${file} is missing: build @nic/eal (npm run build)`);
  return pathToFileURL(file);
}

/** Resolves a module given to `remoteLaunch` (URL, file URL string or absolute path). */
function moduleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  return module.startsWith('/') ? pathToFileURL(module).href : module;
}

/** The lcores of an EAL instance. */
export class Lcores {
  readonly mainLcore: number;
  readonly #all: readonly LcoreConfig[];
  readonly #workers = new Map<number, WorkerLcore>();

  private constructor(mainLcore: number, all: readonly LcoreConfig[]) {
    this.mainLcore = mainLcore;
    this.#all = all;
  }

  /**
   * Starts a pinned worker thread for every lcore but the main one and waits until each has
   * attached the arena and imported `plugins`.
   */
  static async start(mainLcore: number, all: readonly LcoreConfig[], arena: Arena | undefined, plugins: readonly string[]): Promise<Lcores> {
    const lcores = new Lcores(mainLcore, all);
    const url = all.some((c) => c.id !== mainLcore) ? bootstrapUrl() : undefined;
    try {
      for (const config of all) {
        if (config.id === mainLcore || !url) continue;
        const data: LcoreWorkerData = { lcoreId: config.id, cpus: config.cpus, arena: arena?.handle(), plugins };
        const worker = new Worker(url, { workerData: data, name: `lcore-${config.id}` });
        const lcore: WorkerLcore = { config, worker, state: 'WAIT' };
        lcores.#workers.set(config.id, lcore);
        await lcores.#ready(lcore);
      }
    } catch (e) {
      await lcores.stop();
      throw e;
    }
    return lcores;
  }

  #ready(lcore: WorkerLcore): Promise<void> {
    const { worker, config } = lcore;
    return new Promise((resolve, reject) => {
      const onExit = (code: number) => reject(new NicError('NIC_EIO', `lcore ${config.id} exited with code ${code} while starting`));
      const onError = (e: Error) => reject(new NicError('NIC_EIO', `lcore ${config.id} failed to start: ${e.message}`, { cause: e }));
      worker.once('exit', onExit);
      worker.once('error', onError);
      worker.once('message', (msg: WorkerMessage) => {
        worker.off('exit', onExit);
        worker.off('error', onError);
        if (msg.type !== 'ready') {
          const err = msg.type === 'error' ? new LcoreError(config.id, msg.error) : undefined;
          reject(new NicError('NIC_EIO', `lcore ${config.id} failed to start: ${err?.message ?? msg.type}`, { cause: err }));
          return;
        }
        worker.on('message', (m: WorkerMessage) => this.#onMessage(lcore, m));
        worker.on('error', (e: Error) => this.#finish(lcore, { ok: false, value: e }));
        worker.on('exit', (code) => this.#finish(lcore, { ok: false, value: new NicError('NIC_EIO', `lcore ${config.id} exited with code ${code}`) }));
        worker.unref();
        resolve();
      });
    });
  }

  #onMessage(lcore: WorkerLcore, msg: WorkerMessage): void {
    if (msg.type === 'done') this.#finish(lcore, { ok: true, value: msg.value });
    else if (msg.type === 'error') this.#finish(lcore, { ok: false, value: new LcoreError(lcore.config.id, msg.error) });
  }

  #finish(lcore: WorkerLcore, outcome: Outcome): void {
    if (lcore.state !== 'RUNNING') return;
    lcore.state = 'FINISHED';
    lcore.outcome = outcome;
    lcore.worker.unref();
    lcore.settle?.(outcome);
  }

  /** Every lcore id, sorted, the main one included. */
  ids(): number[] {
    return this.#all.map((c) => c.id).sort((a, b) => a - b);
  }

  /** The worker (non-main) lcore ids, sorted. */
  workerIds(): number[] {
    return [...this.#workers.keys()].sort((a, b) => a - b);
  }

  /** The CPUs lcore `id` runs on. */
  cpus(id: number): readonly number[] {
    const c = this.#all.find((x) => x.id === id);
    if (!c) throw new NicError('NIC_EINVAL', `lcore ${id} is not configured (see -l/--lcores)`);
    return c.cpus;
  }

  /** The state of a worker lcore (the main lcore is always RUNNING). */
  state(id: number): LcoreState {
    if (id === this.mainLcore && this.#all.some((c) => c.id === id)) return 'RUNNING';
    return this.#worker(id).state;
  }

  #worker(id: number): WorkerLcore {
    const lcore = this.#workers.get(id);
    if (!lcore) {
      const why = id === this.mainLcore ? 'is the main lcore' : 'is not a configured lcore (see -l/--lcores)';
      throw new NicError('NIC_EINVAL', `lcore ${id} ${why}`);
    }
    return lcore;
  }

  /**
   * Runs `exportName` of `module` with `arg` (structured-cloned) on worker lcore `id`. An
   * lcore that is not in WAIT state is `NIC_EBUSY`, as in DPDK.
   */
  remoteLaunch(id: number, module: string | URL, exportName: string, arg?: unknown): void {
    const lcore = this.#worker(id);
    if (lcore.state !== 'WAIT') throw new NicError('NIC_EBUSY', `lcore ${id} is ${lcore.state}, not WAIT`);
    lcore.state = 'RUNNING';
    lcore.outcome = undefined;
    lcore.done = new Promise((resolve) => (lcore.settle = resolve));
    lcore.worker.ref();
    lcore.worker.postMessage({ type: 'launch', moduleUrl: moduleUrl(module), exportName, arg });
  }

  /**
   * Waits for lcore `id` to finish and returns what its function returned, moving it back to
   * WAIT. A function that threw rejects with its error and the worker's stack. An lcore
   * already in WAIT resolves to undefined at once.
   */
  async waitLcore(id: number): Promise<unknown> {
    const lcore = this.#worker(id);
    if (lcore.state === 'WAIT') return undefined;
    const outcome = lcore.outcome ?? (await lcore.done!);
    lcore.state = 'WAIT';
    lcore.outcome = undefined;
    if (!outcome.ok) throw outcome.value;
    return outcome.value;
  }

  /** Waits for every worker lcore; the first failure rejects after all have finished. */
  async mpWaitLcore(): Promise<unknown[]> {
    const settled = await Promise.allSettled(this.workerIds().map((id) => this.waitLcore(id)));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value);
  }

  /** Terminates every worker thread (running or not). */
  async stop(): Promise<void> {
    const workers = [...this.#workers.values()];
    this.#workers.clear();
    await Promise.all(workers.map((l) => l.worker.terminate()));
  }
}
