// Builds the addon with node-gyp: a full configure the first time, incremental afterwards.
// When npm has not been told where Node's headers are and the system ships them (Debian's
// nodejs-dev layout, /usr/include/node), point node-gyp there instead of downloading them.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = [existsSync(join(root, 'build', 'Makefile')) ? 'build' : 'rebuild', '-j', '2'];
if (!process.env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) args.push('--nodedir=/usr');

const gyp = process.env.npm_config_node_gyp;
const [cmd, cmdArgs] = gyp ? [process.execPath, [gyp, ...args]] : ['node-gyp', args];
const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
