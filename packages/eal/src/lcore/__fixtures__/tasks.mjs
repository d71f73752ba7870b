// Functions the lcore tests launch on worker lcores. Plain JS: workers load built code.
import { getAffinity, getThreadName } from '@nic/native';
import { lcoreArena, lcoreId, memzoneLookup } from '@nic/eal';

export function whoami(arg) {
  return { lcore: lcoreId(), arg, cpus: getAffinity(), thread: getThreadName() };
}

export function fail(message) {
  throw new RangeError(message);
}

export function asyncValue(value) {
  return Promise.resolve(value * 2);
}

// Waits until the main thread stores a non-zero value at `offset`, then writes it back + 1
// at `offset + 4`: proves both threads see one arena.
export function echoThroughArena({ offset }) {
  const a = lcoreArena();
  const i = offset / 4;
  Atomics.wait(a.i32, i, 0);
  const v = Atomics.load(a.i32, i);
  Atomics.store(a.i32, i + 1, v + 1);
  Atomics.notify(a.i32, i + 1);
  return v;
}

// Looks a memzone up by name in this lcore's view of the arena.
export function findMemzone(name) {
  const z = memzoneLookup(lcoreArena(), name);
  return { offset: z.offset, length: z.length, first: lcoreArena().u32[z.offset / 4] };
}
