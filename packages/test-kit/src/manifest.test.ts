import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { manifestDriverNames } from './manifest.js';

const dirs: string[] = [];

function packageJson(content: unknown): URL {
  const dir = mkdtempSync(join(tmpdir(), 'nic-manifest-'));
  dirs.push(dir);
  const file = join(dir, 'package.json');
  writeFileSync(file, JSON.stringify(content));
  return pathToFileURL(file);
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true });
});

describe('manifestDriverNames', () => {
  it('lists the driver names of nic.drivers in order', () => {
    expect(manifestDriverNames(packageJson({ nic: { drivers: [{ name: 'net_a' }, { name: 'net_b', pciIds: [] }] } }))).toEqual(['net_a', 'net_b']);
  });

  it('fails on a package without a manifest or with a nameless entry', () => {
    expect(() => manifestDriverNames(packageJson({ name: 'x' }))).toThrow(/no "nic.drivers" array/);
    expect(() => manifestDriverNames(packageJson({ nic: { drivers: [{}] } }))).toThrow(/nic.drivers\[0\] has no name/);
  });
});
