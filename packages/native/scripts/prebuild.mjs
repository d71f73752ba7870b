// `npm pack` / `npm publish` (prepack): builds the prebuilt binaries shipped in the package,
// prebuilds/<platform>-<arch>/@nic+native.glibc.node, with prebuildify, for Node-API, so one
// binary serves every Node.js from 20 on: this machine's architecture, and on x64 also arm64
// with Debian's cross compiler (g++-aarch64-linux-gnu; without it, a loud line says the
// package goes without). Each is compiled from a copy of the sources in a scratch directory,
// so build/ (the addon the repository's tests load) is never touched.
// postpack removes them again (`--clean`): they are never committed. package.json sends the
// compiler's output to stderr, so that `npm pack --json` stays JSON.
import { cpSync, existsSync, mkdirSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
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

/** The cross toolchain prefix for arm64 on an x64 machine (Debian's g++-aarch64-linux-gnu). */
const ARM64_CROSS = 'aarch64-linux-gnu-';

/** The architectures to build for, each with the environment and strip tool that build it. */
function targets() {
  const host = { arch: arch(), env: {}, stripBin: 'strip' };
  if (host.arch !== 'x64') return [host];
  if (spawnSync(`${ARM64_CROSS}g++`, ['--version'], { stdio: 'ignore' }).error) {
    console.error(`\n!!! @nic/native: NO linux-arm64 prebuilt binary in this package: ${ARM64_CROSS}g++ is missing (apt-get install g++-aarch64-linux-gnu)\n`);
    return [host];
  }
  const tool = (name) => `${ARM64_CROSS}${name}`;
  const cross = { CC: tool('gcc'), CXX: tool('g++'), LINK: tool('g++'), AR: tool('ar') };
  return [host, { arch: 'arm64', env: cross, stripBin: tool('strip') }];
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
// With no Node.js headers named, Debian's (/usr/include/node) when there, as build-addon.mjs does.
if (!process.env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) process.env.npm_config_nodedir = '/usr';
const hostEnv = { ...process.env };
try {
  for (const target of targets()) {
    // prebuildify hands node-gyp this process's environment
    process.env = { ...hostEnv, ...target.env };
    await prebuildify({
      cwd: scratch,
      out: root,
      arch: target.arch,
      napi: true,
      targets: [process.versions.node],
      strip: true,
      stripBin: target.stripBin,
      tagLibc: true,
      nodeGyp: nodeGyp(),
      shell: true,
    });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
