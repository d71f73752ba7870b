// Builds the addon with AddressSanitizer and UndefinedBehaviorSanitizer into build-asan/, for
// `npm test`'s sanitizer stage (test-sanitized.mjs): the same sources and flags as binding.gyp, plus
// the sanitizers. Incremental: an object is rebuilt only when its source or a header is newer
// (everything when the flags changed). Prints the addon's path last.
//
// Node must then run with gcc's ASan runtime preloaded (see test-sanitized.mjs): the addon is
// loaded by dlopen into an uninstrumented node, whose allocations ASan then intercepts too.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build-asan');
const gyp = JSON.parse(readFileSync(join(root, 'binding.gyp'), 'utf8')).targets[0];
// node-addon-api gives its directory relative to the working directory.
const addonApi = resolve(createRequire(import.meta.url)('node-addon-api').include_dir);
const nodeInclude = existsSync('/usr/include/node/node.h')
  ? '/usr/include/node'
  : join(dirname(process.execPath), '..', 'include', 'node');
// No `vptr` check: it needs RTTI on both sides, and Node's V8 is built without it (every
// shared_ptr<v8::BackingStore> call would be reported). -O0: a third of -O1's compile time
// (the test builds from scratch in CI), and nothing the sanitizers find is lost.
const sanitize = ['-fsanitize=address,undefined', '-fno-sanitize=vptr', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer', '-g', '-O0'];
const cflags = [
  ...gyp.cflags_cc.filter((f) => f !== '-O2'),
  ...sanitize,
  '-fPIC',
  ...gyp.defines.map((d) => `-D${d}`),
  '-DBUILDING_NODE_EXTENSION',
  `-I${nodeInclude}`,
  `-I${addonApi}`,
];

// Objects built with other flags (or another compiler) are stale.
const stamp = join(out, 'flags.txt');
const flags = JSON.stringify(cflags);
if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== flags) rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
writeFileSync(stamp, flags);
const headers = readdirSync(join(root, 'src')).filter((f) => f.endsWith('.h'));
const newestHeader = Math.max(...headers.map((h) => statSync(join(root, 'src', h)).mtimeMs));
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : -1);

function compile(source) {
  const object = join(out, source.replace(/^src\//, '').replace(/\.cc$/, '.o'));
  const src = join(root, source);
  if (mtime(object) > Math.max(mtime(src), newestHeader)) return Promise.resolve(object);
  return new Promise((resolve, reject) => {
    const cc = spawn('g++', [...cflags, '-c', src, '-o', object], { stdio: 'inherit' });
    cc.on('exit', (code) => (code === 0 ? resolve(object) : reject(new Error(`g++ failed on ${source}`))));
  });
}

// Two compilers at a time: the machine is shared.
const objects = [];
const queue = [...gyp.sources];
await Promise.all(
  [0, 1].map(async () => {
    for (let s = queue.shift(); s !== undefined; s = queue.shift()) objects.push(await compile(s));
  }),
);
const target = join(out, 'nic_native.node');
if (objects.some((o) => mtime(o) > mtime(target))) {
  execFileSync('g++', ['-shared', ...sanitize, '-o', target, ...objects], { stdio: 'inherit' });
}
console.log(target);
