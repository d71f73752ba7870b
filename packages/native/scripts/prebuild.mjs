// `npm pack` / `npm publish` (prepack): builds the prebuilt binaries shipped in the package,
// prebuilds/<platform>-<arch>/@nic+native.glibc.node, with prebuildify, for Node-API, so one
// binary serves every Node.js from 20 on. Each is compiled from a copy of the sources in a
// scratch directory, so build/ (the addon the repository's tests load) is never touched.
// postpack removes them again (`--clean`): they are never committed. package.json sends the
// compiler's output to stderr, so that `npm pack --json` stays JSON.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { nodeGypEnv, nodeGypScript } from './node-gyp.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const prebuilds = join(root, 'prebuilds');
const scratch = join(root, 'build-prebuild');

if (process.argv.includes('--clean')) {
  rmSync(prebuilds, { recursive: true, force: true });
  process.exit(0);
}

const prebuildify = promisify(createRequire(import.meta.url)('prebuildify'));
rmSync(prebuilds, { recursive: true, force: true });
rmSync(scratch, { recursive: true, force: true });
mkdirSync(scratch);
for (const f of ['package.json', 'binding.gyp', 'src']) cpSync(join(root, f), join(scratch, f), { recursive: true });
// prebuildify hands node-gyp this process's environment.
Object.assign(process.env, nodeGypEnv());
try {
  const gyp = nodeGypScript();
  await prebuildify({
    cwd: scratch,
    out: root,
    arch: arch(),
    napi: true,
    targets: [process.versions.node],
    strip: true,
    tagLibc: true,
    nodeGyp: gyp ? `${process.execPath} ${gyp}` : 'node-gyp',
    shell: true,
  });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
