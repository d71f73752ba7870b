/* global TextEncoder, structuredClone, performance */
// Argument fuzzing of every addon export (issue 23), run as a child process by fuzz.test.ts
// (a short seeded pass in `npm test`) and scripts/fuzz.mjs (`npm run fuzz`, 100 000 calls
// per export), always inside its own network namespace (`unshare --net`), so the netif, TAP
// and AF_PACKET calls only ever reach a private loopback.
// Usage: node --expose-gc fuzz-child.mjs <runs per export> <seed> [<k>/<n> | export names...]
// (`k/n`: the k-th of n equal shares of the exports, for runs in parallel).
//
// Each export is called with generated argument lists: wrong types, NaN, infinities,
// negative, fractional and huge numbers, detached and aliased buffers, arrays with getters
// that detach buffers, closed and reused fds. The only outcomes allowed are a result, a
// TypeError (a value of the wrong kind, the addon's documented answer) or a NicError (here:
// an error with a NIC_ code, from the factory below). A call that throws must leave the
// process's fds as they were (compared through /proc/self/fd). The last line on stdout is a
// JSON summary; anything wrong is listed in its `failures`. A crash or a sanitizer report
// ends the process, which the parent sees; a hang is ended by the watchdog thread, which
// names the call on stderr ("fuzz watchdog: ...") and kills the process.
//
// Kept away from harm to this process and the machine: stdio and the fds Node had open
// before the run (its event loops') are never passed as numbers; fds this run creates are
// non-blocking; waits get short timeouts; setAffinity only ever targets this thread; lengths
// stay small or far out of range (no gigabytes populated and locked).
import { fstatSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const a = require(process.env.NIC_ADDON ?? join(here, '../../../build/Release/nic_native.node'));
a.setErrorFactory((code, message, errno, syscall) => Object.assign(new Error(message), { code, errno, syscall }));

const [runsArg = '200', seedArg = '1', ...only] = process.argv.slice(2);
const runs = Number(runsArg);
const seed = Number(seedArg);
const share = /^(\d+)\/(\d+)$/.exec(only[0] ?? '');

// The watchdog: a thread that sees the call counter stand still for STALL_MS and then
// writes the call in progress (kept in `watch` before each call) to stderr and kills the
// process. No single call here takes more than milliseconds.
const STALL_MS = 30_000;
const watch = new SharedArrayBuffer(8 + 2048);
const progress = new Int32Array(watch, 0, 2); // [calls started, bytes of the description]
const described = new Uint8Array(watch, 8);
const encoder = new TextEncoder();
const watchdog = new Worker(
  `const { workerData: { watch, stallMs } } = require('node:worker_threads');
   const progress = new Int32Array(watch, 0, 2);
   const idle = new Int32Array(new SharedArrayBuffer(4));
   for (let last = -1; ; ) {
     const now = Atomics.load(progress, 0);
     if (now === last) {
       const text = Buffer.from(new Uint8Array(watch, 8, Atomics.load(progress, 1))).toString();
       require('node:fs').writeSync(2, 'fuzz watchdog: call ' + now + ' has not returned in ' + stallMs + ' ms: ' + text + '\\n');
       process.kill(process.pid, 'SIGKILL');
     }
     last = now;
     Atomics.wait(idle, 0, 0, stallMs);
   }`,
  { eval: true, workerData: { watch, stallMs: STALL_MS } },
);
await new Promise((resolve) => watchdog.once('online', resolve));
watchdog.unref();

/** Whether `fd` is open now (a listing of /proc/self/fd includes the listing's own fd). */
function isOpen(fd) {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}
// Only an fd not seen before is checked: it may be the listing's own.
const openFds = (seen = new Set()) => new Set(readdirSync('/proc/self/fd').map(Number).filter((fd) => seen.has(fd) || isOpen(fd)));

// Node's own fds (event loops, signal pipe, stdio, the watchdog's loop): never handed over.
const reserved = openFds();

// fds this run owns, open or closed: eventfds, pipes, a timerfd, an epoll fd.
const pool = [];
for (let i = 0; i < 3; i++) pool.push(a.eventfdCreate(i, false, true));
pool.push(...a.pipe(true), a.timerfdCreate(), a.epollCreate());
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
      } catch {
        // detached already
      }
      return pool[0];
    },
  });
  return arr;
};

const edgeNumber = fc.constantFrom(-1, -0, 0.5, 1.5, -(2 ** 31), 2 ** 53, 2 ** 64, 1e300, -1e300, Number.NaN, Infinity, -Infinity, Number.MIN_VALUE);
const smallInt = fc.integer({ min: 3, max: 70000 });
// Never-open fd numbers that are also harmless as lengths (2 ** 31 - 1 is 2 GiB populated and
// locked by allocAnonymous).
const fdNumber = fc.constantFrom(...pool, 1023, 65535, 1048575);
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
// A holey array: reading the hole consults Array.prototype.
const holey = Object.assign([], { 1: 1 });
const array = fc.oneof(fc.array(number, { maxLength: 6 }), fc.constant(null).map(getterArray), fc.constant(holey), fc.array(string, { maxLength: 3 }));
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

/** A short text of an argument, for the watchdog; never reads array elements (getters). */
function describe(value) {
  if (typeof value === 'string') return JSON.stringify(value.length > 24 ? `${value.slice(0, 24)}...(${value.length})` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'function';
  if (typeof value === 'symbol' || typeof value !== 'object' || value === null) return String(value);
  if (Array.isArray(value)) return `Array(${value.length})`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.length}${value.byteLength === 0 ? ', empty or detached' : ''})`;
  return value.constructor?.name ?? 'object';
}

const exports = Object.keys(a)
  .filter((k) => typeof a[k] === 'function')
  .filter((k, i) => (share ? i % Number(share[2]) === Number(share[1]) : only.length === 0 || only.includes(k)));
const failures = [];
let calls = 0;
let known = openFds();

function allowed(e) {
  return e instanceof TypeError || (typeof e?.code === 'string' && e.code.startsWith('NIC_'));
}

/** Closes fds the fuzzed calls created (sockets, TAP queues, eventfds): the caller's to close. */
function closeStrays() {
  for (const fd of openFds()) {
    if (!reserved.has(fd) && !pool.includes(fd)) {
      try {
        a.close(fd);
      } catch {
        // closed by a fuzzed call meanwhile
      }
    }
  }
  known = openFds();
}

const millis = {};
for (const name of exports) {
  const started = performance.now();
  const positions = Array.from({ length: 6 }, (_, i) => tame[name]?.[i] ?? wild);
  const args = fc.tuple(fc.integer({ min: 0, max: 6 }), ...positions).map(([n, ...rest]) => rest.slice(0, n));
  try {
    fc.assert(
      fc.property(args, (list) => {
        // Node's fd numbers become -1, except where a tame value stands (a timeout of 0
        // must not become an endless wait).
        for (let i = 0; i < list.length; i++) {
          if (typeof list[i] === 'number' && reserved.has(list[i]) && tame[name]?.[i] === undefined) list[i] = -1;
        }
        const { written } = encoder.encodeInto(`${name}(${list.map(describe).join(', ')})`, described);
        Atomics.store(progress, 1, written);
        Atomics.add(progress, 0, 1);
        calls++;
        let threw = false;
        try {
          a[name](...list);
        } catch (e) {
          threw = true;
          if (!allowed(e)) throw new Error(`threw ${e?.name} ${e?.code ?? ''} ${e?.message}`);
        }
        const now = openFds(known);
        if (threw) {
          const leaked = [...now].filter((fd) => !known.has(fd));
          if (leaked.length > 0) throw new Error(`threw and left fds ${leaked.join(',')} open`);
        }
        known = now;
        // Keep the fds and memory this run creates bounded.
        if (calls % 256 === 0) {
          closeStrays();
          globalThis.gc?.();
        }
      }),
      { numRuns: runs, seed, endOnFailure: true },
    );
  } catch (e) {
    failures.push(`${name}: ${String(e.message).split('\n').slice(0, 6).join(' | ')}`);
  }
  closeStrays();
  millis[name] = Math.round(performance.now() - started);
}

// The slowest exports, to see where a long run spends its time.
const slowest = Object.fromEntries(Object.entries(millis).sort((x, y) => y[1] - x[1]).slice(0, 5));
console.log(JSON.stringify({ exports, runs, seed, calls, failures, slowest }));
process.exit(0);
