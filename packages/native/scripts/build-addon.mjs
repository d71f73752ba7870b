// Builds the addon from source with node-gyp into build/Release: a full configure the first
// time, incremental afterwards.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNodeGyp } from './node-gyp.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const configured = existsSync(join(root, 'build', 'Makefile'));
process.exit(runNodeGyp([configured ? 'build' : 'rebuild', '-j', '2'], root));
