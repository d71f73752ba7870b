/**
 * `-d <package or path>`: loads a driver plugin by dynamic import. Its import registers its
 * drivers, exactly as a static import would.
 */
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NicError } from '@nic/native';

function isPath(spec: string): boolean {
  return isAbsolute(spec) || spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..';
}

/**
 * Resolves `spec` as the user means it: a path against the working directory, a package
 * name from the working directory's `node_modules`, falling back to this package's view.
 */
export function resolvePlugin(spec: string, cwd = process.cwd()): string {
  if (isPath(spec)) return pathToFileURL(resolve(cwd, spec)).href;
  try {
    return pathToFileURL(createRequire(join(cwd, 'noop.js')).resolve(spec)).href;
  } catch {
    return spec;
  }
}

/** Imports a plugin; failure is `NIC_EINVAL` naming the option and the plugin. */
export async function loadPlugin(spec: string): Promise<void> {
  if (spec.length === 0) throw new NicError('NIC_EINVAL', '-d: empty plugin name');
  try {
    await import(resolvePlugin(spec));
  } catch (e) {
    throw new NicError('NIC_EINVAL', `-d ${spec}: cannot load plugin: ${(e as Error).message}`, { cause: e });
  }
}
