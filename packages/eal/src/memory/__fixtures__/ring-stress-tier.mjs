/**
 * ring-stress.mjs run with V8 flags set (`workerData.v8Flags`) once its modules are loaded
 * and before it runs, so that the ring's code runs as the flags say (e.g. `--always-turbofan`:
 * compiled by the optimizing compiler from its first calls). V8 flags are process-wide: the test that uses
 * this runs last in its file, whose process vitest's forks pool uses for nothing else.
 * `--allow-natives-syntax` is set too, so ring-stress.mjs can report which tier ran the ring.
 */
import { setFlagsFromString } from 'node:v8';
import { workerData } from 'node:worker_threads';

// Load the modules first: compiling all of @nic/eal's start-up code with TurboFan would take
// longer than the stress runs. The flags then apply to the functions as they run.
await import('@nic/eal');
await import('./barrier.mjs');
for (const flag of ['--allow-natives-syntax', ...workerData.v8Flags]) setFlagsFromString(flag);
await import('./ring-stress.mjs');
