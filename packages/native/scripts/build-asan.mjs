// Builds the addon with AddressSanitizer and UndefinedBehaviorSanitizer into build-asan/, for
// the sanitizer test (src/sanitizer.test.ts): the same sources and flags as binding.gyp, plus
// the sanitizers. Incremental: an object is rebuilt only when its source or a header is newer.
// Run it under `flock /tmp/nic-native-asan.lock` when test runs may overlap.
//
// Node must then run with gcc's ASan runtime preloaded (see asanEnv in the test): the addon is
// loaded by dlopen into an uninstrumented node, whose allocations ASan then intercepts too.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build-asan');
const gyp = JSON.parse(readFileSync(join(root, 'binding.gyp'), 'utf8')).targets[0];
const addonApi = createRequire(import.meta.url)('node-addon-api').include_dir;
const nodeInclude = existsSync('/usr/include/node/node.h')
  ? '/usr/include/node'
  : join(dirname(process.execPath), '..', 'include', 'node');
const sanitize = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer', '-g', '-O1'];
const cflags = [
  ...gyp.cflags_cc.filter((f) => f !== '-O2'),
  ...sanitize,
  '-fPIC',
  ...gyp.defines.map((d) => `-D${d}`),
  '-DBUILDING_NODE_EXTENSION',
  `-I${nodeInclude}`,
  `-I${addonApi}`,
];

mkdirSync(out, { recursive: true });
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
