/**
 * The workspace packages of this repository, and `npm pack` of all of them: generic, so a
 * package added later is packed and served too.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Packed } from './registry.js';
import { run, userEnv } from './run.js';

/** The fields of a package.json the consumer test reads. */
export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly exports?: Record<string, unknown>;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly [key: string]: unknown;
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** Every workspace package (root package.json `workspaces`, patterns `dir/*`), by directory. */
export function workspacePackages(root: string): { dir: string; manifest: Manifest }[] {
  const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
  return workspaces.flatMap((pattern) => {
    const parent = join(root, pattern.replace(/\/\*$/, ''));
    return readdirSync(parent)
      .map((d) => join(parent, d))
      .filter((dir) => existsSync(join(dir, 'package.json')))
      .map((dir) => ({ dir, manifest: readManifest(dir) }));
  });
}

/** The file `npm pack` writes for a package: `@nic/eal` 0.1.0 is `nic-eal-0.1.0.tgz`. */
function tarballName({ name, version }: Manifest): string {
  return `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`;
}

/**
 * Packs every workspace package but `except` into `dest` with `npm pack` (so each one's
 * prepack runs: @nic/native builds its prebuilt binary) and returns the tarballs.
 */
export async function packWorkspaces(root: string, dest: string, except: readonly string[]): Promise<Packed[]> {
  const packages = workspacePackages(root).filter((p) => !except.includes(p.manifest.name));
  const workspaceArgs = packages.flatMap((p) => ['-w', p.manifest.name]);
  await run('npm', ['pack', ...workspaceArgs, '--pack-destination', dest], { cwd: root, env: userEnv() });
  return packages.map(({ manifest }) => ({ manifest, tarball: join(dest, tarballName(manifest)) }));
}
