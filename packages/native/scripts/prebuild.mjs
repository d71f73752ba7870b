// `npm pack` / `npm publish` (prepack): builds the prebuilt binaries shipped in the package,
// prebuilds/<platform>-<arch>/@nic+native.glibc.node, with prebuildify, for Node-API, so one
// binary serves every Node.js from 20 on. Each is compiled from a copy of the sources in a
// scratch directory, so build/ (the addon the repository's tests load) is never touched.
// postpack removes them again (`--clean`): they are never committed. package.json sends the
// compiler's output to stderr, so that `npm pack --json` stays JSON.
import { cpSync, existsSync, mkdirSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** npm's own node-gyp: named by npm while it runs a script, else found beside npm's CLI. */
function nodeGyp() {
  if (process.env.npm_config_node_gyp) return `${process.execPath} ${process.env.npm_config_node_gyp}`;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!existsSync(join(dir, 'npm'))) continue;
    const gyp = join(dirname(realpathSync(join(dir, 'npm'))), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(gyp)) return `${process.execPath} ${gyp}`;
  }
  return 'node-gyp';
}

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
// prebuildify hands node-gyp this process's environment: with no headers named, Debian's
// (/usr/include/node) when there, as build-addon.mjs does.
if (!process.env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) process.env.npm_config_nodedir = '/usr';
try {
  await prebuildify({
    cwd: scratch,
    out: root,
    arch: arch(),
    napi: true,
    targets: [process.versions.node],
    strip: true,
    tagLibc: true,
    nodeGyp: nodeGyp(),
    shell: true,
  });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
