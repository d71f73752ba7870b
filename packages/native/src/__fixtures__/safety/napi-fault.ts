// Builds the addon for the watch-fault safety child: the objects of the build in use (the
// sanitizer build's when NIC_ADDON names it, node-gyp's otherwise) linked again with
// napi-fault.cc, which wraps two Node-API calls so that the child can have them refused.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const PACKAGE = fileURLToPath(new URL('../../../', import.meta.url));
const SHIM = fileURLToPath(new URL('./napi-fault.cc', import.meta.url));
const WRAPPED = ['napi_async_init', 'napi_add_async_cleanup_hook'];

let built: Promise<string> | undefined;

/** The path of the fault-injection addon, built once per process from the objects of `addon` (NIC_ADDON). */
export function napiFaultAddon(addon: string | undefined): Promise<string> {
  built ??= build(addon);
  return built;
}

async function build(addon: string | undefined): Promise<string> {
  const run = promisify(execFile);
  // build-asan/ keeps its objects beside the addon; node-gyp under build/Release/obj.target.
  const objects = addon ? dirname(addon) : join(PACKAGE, 'build/Release/obj.target/nic_native/src');
  const sanitize = addon ? ['-fsanitize=address,undefined'] : [];
  const out = join(objects, 'napi-fault');
  mkdirSync(out, { recursive: true });
  const nodeInclude = existsSync('/usr/include/node/node_api.h') ? '/usr/include/node' : join(dirname(process.execPath), '../include/node');
  const shim = join(out, 'napi-fault.o');
  await run('g++', ['-std=c++17', '-fPIC', '-O1', '-DNAPI_VERSION=8', `-I${nodeInclude}`, '-c', SHIM, '-o', shim]);
  const inputs = readdirSync(objects)
    .filter((f) => f.endsWith('.o'))
    .map((f) => join(objects, f));
  const target = join(out, 'nic_native.node');
  await run('g++', ['-shared', ...sanitize, `-Wl,${WRAPPED.map((f) => `--wrap=${f}`).join(',')}`, '-o', target, ...inputs, shim]);
  return target;
}
