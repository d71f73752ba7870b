/**
 * The static driver manifest of a PMD package (`"nic": { "drivers": [{ "name" }] }` in its
 * package.json), which tools read without loading code; a PMD's tests keep it equal to the
 * drivers the package registers.
 */
import { readFileSync } from 'node:fs';

interface Manifest {
  readonly nic?: { readonly drivers?: readonly { readonly name?: unknown }[] };
}

/**
 * The driver names the manifest of the package.json at `packageJson` lists, in order.
 * @throws Error when the file has no `nic.drivers` array or an entry has no string name.
 */
export function manifestDriverNames(packageJson: URL): string[] {
  const manifest = JSON.parse(readFileSync(packageJson, 'utf8')) as Manifest;
  const drivers = manifest.nic?.drivers;
  if (!Array.isArray(drivers)) throw new Error(`${packageJson.pathname}: no "nic.drivers" array`);
  return drivers.map((d: { readonly name?: unknown }, i: number) => {
    if (typeof d.name !== 'string') throw new Error(`${packageJson.pathname}: nic.drivers[${i}] has no name`);
    return d.name;
  });
}
