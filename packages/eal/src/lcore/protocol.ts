/** Messages between the main thread and an lcore worker. */
import type { ArenaHandle } from '../memory/arena.js';

/** What a worker is started with (its `workerData`). */
export interface LcoreWorkerData {
  readonly lcoreId: number;
  readonly cpus: readonly number[];
  readonly arena: ArenaHandle | undefined;
  /** `-d` plugins, imported before any launch so drivers register in this thread too. */
  readonly plugins: readonly string[];
}

/** Main to worker: run `exportName` of `moduleUrl` with `arg`. */
export interface LaunchMessage {
  readonly type: 'launch';
  readonly moduleUrl: string;
  readonly exportName: string;
  readonly arg: unknown;
}

/** A thrown value, carried across threads with its stack. */
export interface RemoteError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string;
}

/** Worker to main. */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly value: unknown }
  | { readonly type: 'error'; readonly error: RemoteError };
