// Argument fuzzing of every addon export (issue 23), run as a child process by fuzz.test.ts
// (a short seeded pass) and scripts/fuzz.mjs (`npm run fuzz`, 100 000 calls per export).
// Usage: node --expose-gc fuzz-child.mjs <runs per export> <seed> [export names...]
//
// Each export is called with generated argument lists: wrong types, NaN, infinities, negative,
// fractional and huge numbers, detached and aliased buffers, arrays with getters that detach
// buffers, closed and reused fds. The only outcomes allowed are a result, a TypeError or a
// NicError (here: an error with a NIC_ code, from the factory below); anything else is
// printed and fails the run. A crash, a hang or a sanitizer report ends the process, which
// the parent sees. The parent runs this in its own network namespace (unshare --net), so the
// netif and TAP calls only ever reach a private loopback.
//
// Kept away from harm to this process and the machine: stdio and the fds Node had open
// before the run (its event loop's) are never passed as numbers; fds this run creates are
// non-blocking; waits get short timeouts; setAffinity only ever targets this thread; lengths
// stay small or far out of range (no gigabytes populated and locked).
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const a = require(process.env.NIC_ADDON ?? join(here, '../../../build/Release/nic_native.node'));
a.setErrorFactory((code, message, errno, syscall) => Object.assign(new Error(message), { code, errno, syscall }));

const [runsArg = '200', seedArg = '1', ...only] = process.argv.slice(2);
const runs = Number(runsArg);
const seed = Number(seedArg);

// Node's own fds (event loop, signal pipe, stdio): never handed to the addon.
const reserved = new Set(readdirSync('/proc/self/fd').map(Number));

// fds this run owns, open or closed: eventfds, pipes, a seqpacket pair, a timerfd, an epoll fd.
const pool = [];
const own = (fd) => (reserved.has(fd) ? -1 : (pool.push(fd), fd));
for (let i = 0; i < 3; i++) own(a.eventfdCreate(i, false, true));
for (const fd of a.pipe(true)) own(fd);
own(a.timerfdCreate());
own(a.epollCreate());
const closed = a.eventfdCreate(0, false, true);
a.close(closed);
pool.push(closed);

const shared = new SharedArrayBuffer(8192);
const region = a.allocAnonymous(8192, undefined);
const detached = () => {
  const view = new Uint8Array(new ArrayBuffer(64));
  structuredClone(view.buffer, { transfer: [view.buffer] });
  return view;
};
// An array whose element getter detaches a buffer that another argument may hold.
const victim = { buffer: new ArrayBuffer(256) };
const getterArray = () => {
  victim.buffer = new ArrayBuffer(256);
  const arr = [3, 4];
  Object.defineProperty(arr, 0, {
    enumerable: true,
    get() {
      try {
        structuredClone(victim.buffer, { transfer: [victim.buffer] });
      } catch {}
      return pool[0];
    },
  });
  return arr;
};

const edgeNumber = fc.constantFrom(-1, -0, 0.5, 1.5, -(2 ** 31), 2 ** 53, 2 ** 64, 1e300, -1e300, Number.NaN, Infinity, -Infinity, Number.MIN_VALUE);
const smallInt = fc.integer({ min: 3, max: 70000 });
const fdNumber = fc.constantFrom(...pool, 1023, 65535, 2 ** 31 - 1);
const address = fc.constantFrom(region.address, region.address + 4096, region.address + 8191, 4096, 0x7fffffff000);
const number = fc.oneof(edgeNumber, smallInt, fdNumber, address);
const string = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('', 'lo', 'stream', 'seqpacket', 'promisc', 'a\0b', 'x'.repeat(300), 'nic-fuzz-sock'));
const bytes = fc.oneof(
  fc.integer({ min: 0, max: 300 }).map((n) => new Uint8Array(n)),
  fc.constant(null).map(() => detached()),
  fc.constant(null).map(() => new Uint8Array(shared, 64, 128)),
  fc.constant(null).map(() => new Uint8Array(region.buffer)),
  fc.constant(null).map(() => new Uint8Array(victim.buffer.byteLength === 0 ? (victim.buffer = new ArrayBuffer(256)) : victim.buffer)),
);
const typed = fc.oneof(
  fc.integer({ min: 0, max: 8 }).map((n) => new Uint32Array(n)),
  fc.integer({ min: 0, max: 8 }).map((n) => new Uint16Array(n)),
  fc.integer({ min: 0, max: 8 }).map((n) => new Int32Array(n)),
  fc.integer({ min: 0, max: 8 }).map((n) => new Float64Array(n)),
  fc.constant(null).map(() => new Uint32Array(shared, 0, 4)),
);
const array = fc.oneof(fc.array(number, { maxLength: 6 }), fc.constant(null).map(getterArray), fc.constant([, 1]), fc.array(string, { maxLength: 3 }));
const wild = fc.oneof(
  { weight: 4, arbitrary: number },
  { weight: 2, arbitrary: string },
  { weight: 2, arbitrary: bytes },
  { weight: 1, arbitrary: typed },
  { weight: 1, arbitrary: array },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, true, false, {}, () => {}, Symbol('s'), 10n, shared, region.buffer) },
);

// Where an argument must stay tame: (export, position) -> arbitrary.
const tame = {
  epollWait: { 2: fc.constantFrom(0, -5, 1.5, Number.NaN, 'x') },
  epollWaitFds: { 1: fc.constantFrom(0, -5, 1.5, Number.NaN, 'x') },
  eventfdCreate: { 2: fc.constantFrom(true, 1, undefined) },
  pipe: { 0: fc.constantFrom(true, 1, undefined) },
  setAffinity: { 1: fc.constantFrom(undefined, -1, 1.5, 'x') },
  allocAnonymous: { 1: fc.constantFrom(undefined, new SharedArrayBuffer(4), 'x') },
  allocHugepages: { 4: fc.constantFrom(undefined, 'x') },
  // A function would replace the error factory this harness relies on.
  setErrorFactory: { 0: fc.constantFrom(undefined, 1, 'x', {}) },
};

const exports = Object.keys(a).filter((k) => typeof a[k] === 'function' && (only.length === 0 || only.includes(k)));
const failures = [];

function allowed(e) {
  return e instanceof TypeError || (typeof e?.code === 'string' && e.code.startsWith('NIC_'));
}

for (const name of exports) {
  const positions = Array.from({ length: 6 }, (_, i) => tame[name]?.[i] ?? wild);
  const args = fc.tuple(fc.integer({ min: 0, max: 6 }), ...positions).map(([n, ...rest]) => rest.slice(0, n));
  let calls = 0;
  try {
    fc.assert(
      fc.property(args, (list) => {
        calls++;
        for (let i = 0; i < list.length; i++) {
          if (typeof list[i] === 'number' && reserved.has(list[i])) list[i] = -1;
        }
        try {
          a[name](...list);
        } catch (e) {
          if (!allowed(e)) throw new Error(`${name}: threw ${e?.name} ${e?.message}`);
        }
        // Keep the fds and memory this run creates bounded.
        if (calls % 500 === 0) globalThis.gc?.();
      }),
      { numRuns: runs, seed, endOnFailure: true },
    );
  } catch (e) {
    failures.push(`${name}: ${String(e.message).split('\n').slice(0, 6).join(' | ')}`);
  }
  closeStrays();
}

// Closes fds the fuzzed calls created (sockets, TAP queues, mapped files), so a run with
// many exports does not run out of them. Node's own and the pool's stay.
function closeStrays() {
  for (const fd of readdirSync('/proc/self/fd').map(Number)) {
    if (!reserved.has(fd) && !pool.includes(fd)) {
      try {
        a.close(fd);
      } catch {}
    }
  }
}

console.log(JSON.stringify({ exports: exports.length, runs, seed, failures }));
process.exit(0);
