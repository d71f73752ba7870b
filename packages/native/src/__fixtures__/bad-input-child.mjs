// Child process of the bad-input test. It throws everything wrong at the addon it can think
// of; the parent only checks that it exits normally, which proves nothing crashed.
//
// 1. Every raw addon function is called with each argument list below. It may return or
//    throw, but what it throws must be a NicError or a TypeError.
// 2. A battery of known-bad calls through the public API must each throw a NicError.
import { createRequire } from 'node:module';
import {
  NicError,
  allocAnonymous,
  attach,
  closeFd,
  eventfd,
  eventfdRead,
  mapFile,
  pread,
  pwrite,
  unixRecvmsg,
  virtToPhys,
  virtToPhysRange,
  watchFd,
} from '@nic/native';

const require = createRequire(import.meta.url);
// The same module instance the public API loaded (NIC_ADDON, or the build from source), so
// failures come through its error factory.
const raw = require(process.env.NIC_ADDON ?? '../../build/Release/nic_native.node');

const lists = [
  [],
  [undefined],
  [-1],
  [Number.NaN],
  [1.5],
  [2 ** 53],
  [1e300],
  [-Infinity],
  ['x'],
  [{}],
  [null],
  [[]],
  [[-1, 'x', {}]],
  [-1, -1, -1, -1, -1, -1],
  ['x', 'x', 'x', 'x', 'x', 'x'],
  [{}, {}, {}, {}, {}, {}],
  [-1, new Uint8Array(4), -1],
  [-2, new Uint8Array(4), 0],
  [-1, new Float64Array(2), new Int32Array(2)],
  [2 ** 53, 2 ** 53, 2 ** 53, 2 ** 53, 2 ** 53, [-5]],
  [0, 2 ** 40, new Float64Array(1)],
];

// setErrorFactory would replace the factory that makes the NicErrors checked here.
const skip = new Set(['setErrorFactory']);
let rawCalls = 0;
const failures = [];
for (const [name, fn] of Object.entries(raw)) {
  if (typeof fn !== 'function' || skip.has(name)) continue;
  for (const args of lists) {
    rawCalls++;
    try {
      fn(...args);
    } catch (error) {
      if (!(error instanceof NicError) && !(error instanceof TypeError)) {
        failures.push(`${name}(${args.map(String).join(', ')}) threw ${error}`);
      }
    }
  }
}

const mustThrow = [];
const check = (what, call) => mustThrow.push([what, call]);
const m = allocAnonymous(4096);
const view = new Uint8Array(m.buffer);
m.unmap();
const closed = eventfd();
closeFd(closed);
check('double unmap', () => m.unmap());
check('attach after unmap', () => attach(m.address, 16));
check('virtToPhys after unmap', () => virtToPhys(m.address));
check('virtToPhysRange after unmap', () => virtToPhysRange(m.address, 4096, new Float64Array(1)));
check('attach of an arbitrary address', () => attach(0x1000, 4096));
check('attach of a wild address', () => attach(2 ** 52, 2 ** 20));
check('virtToPhys outside nic memory', () => virtToPhys(0x1000));
check('negative length', () => allocAnonymous(-4096));
check('huge length', () => allocAnonymous(2 ** 53));
check('length past the address space', () => allocAnonymous(2 ** 52));
check('mapFile past the end', () => mapFile('/proc/self/status', { length: 1 << 30 }));
check('read of a closed fd', () => eventfdRead(closed));
check('pread into memory of an unmapped region from a closed fd', () => pread(closed, view, 0));
check('pwrite from a closed fd', () => pwrite(closed, view, 0));
check('recvmsg on a closed fd', () => unixRecvmsg(closed, view, 1));
check('watch a closed fd', () => watchFd(closed, () => undefined));
check('huge offset', () => pread(0, view, 2 ** 53));

for (const [what, call] of mustThrow) {
  try {
    call();
    failures.push(`${what}: did not throw`);
  } catch (error) {
    if (!(error instanceof NicError)) failures.push(`${what}: threw ${error}`);
  }
}
// Touching the views of an unmapped region is safe: zeros in, writes absorbed.
view[0] = 1;
if (view[1] !== 0) failures.push('a view of an unmapped region does not read zeros');

process.stdout.write(JSON.stringify({ rawCalls, checked: mustThrow.length, failures }));
process.exitCode = failures.length === 0 ? 0 : 1;
