// Runs node-gyp for the scripts beside this file: npm's own copy (npm names it in
// npm_config_node_gyp while it runs a package script; outside npm it sits beside npm's CLI),
// else the one on PATH. When npm has not been told where Node's headers are and the system
// ships them (Debian's nodejs-dev layout, /usr/include/node), it builds against those
// instead of downloading them.
import { existsSync, realpathSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';

function bundledNodeGyp() {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const npm = join(dir, 'npm');
    if (!existsSync(npm)) continue;
    const gyp = join(dirname(realpathSync(npm)), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(gyp)) return gyp;
  }
  return undefined;
}

/** Where node-gyp's script is, or undefined when only a `node-gyp` on PATH can do. */
export function nodeGypScript() {
  return process.env.npm_config_node_gyp || bundledNodeGyp();
}

/** The environment node-gyp should build in: `env` plus Node's system headers when there are some. */
export function nodeGypEnv(env = process.env) {
  if (env.npm_config_nodedir || !existsSync('/usr/include/node/node.h')) return env;
  return { ...env, npm_config_nodedir: '/usr' };
}

/** Runs node-gyp with `args` in `cwd`; returns its exit status (1 when it could not start). */
export function runNodeGyp(args, cwd, env = process.env) {
  const script = nodeGypScript();
  const [cmd, cmdArgs] = script ? [process.execPath, [script, ...args]] : ['node-gyp', args];
  const r = spawnSync(cmd, cmdArgs, { cwd, env: nodeGypEnv(env), stdio: 'inherit' });
  if (r.error) console.error(`@nic/native: cannot run node-gyp: ${r.error.message}`);
  return r.status ?? 1;
}
