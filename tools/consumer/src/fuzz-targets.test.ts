/**
 * `npm run fuzz` reaches every fuzz target with its full count: each workspace package that
 * holds a `*.fuzz.test.ts` file has a `fuzz` script running NIC_FUZZ_RUNS (100 000 unless set)
 * inputs per target with no per-test time limit, and every target goes through `fuzz` of
 * @nic/native/testing, which takes that count and prints it with the seed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './run.js';
import { workspacePackages } from './workspace.js';

const FUZZ_FILE = /\.fuzz\.test\.ts$/;
/** What a package's `fuzz` script sets and passes, so each target runs its full count to the end. */
const SCRIPT_PARTS = ['NIC_FUZZ_RUNS=${NIC_FUZZ_RUNS:-100000}', 'vitest run', '--testTimeout=0'];
/** A call of `fuzz(name, check)` in a target file. */
const FUZZ_CALL = /\bfuzz\(/;

const targets = workspacePackages(REPO).flatMap(({ dir, manifest }) => {
  const files = readdirSync(join(dir, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => FUZZ_FILE.test(f));
  return files.length === 0 ? [] : [{ name: manifest.name, dir: relative(REPO, dir), files, script: (manifest.scripts as Record<string, string> | undefined)?.fuzz }];
});

describe('npm run fuzz', () => {
  it('finds the fuzz targets of the packages that parse outside input', () => {
    expect(targets.map((t) => t.name)).toEqual(expect.arrayContaining(['@nic/eal', '@nic/pci', '@nic/pmd-ixgbe', '@nic/vhost', '@nic/fwd']));
  });

  it('runs every package holding a target with 100 000 inputs per target by default and no time limit, filtered to its fuzz files', () => {
    for (const { name, script } of targets) {
      expect(script, `${name} has no fuzz script`).toBeDefined();
      for (const part of SCRIPT_PARTS) expect(script, name).toContain(part);
      expect(script, name).toMatch(/ fuzz$/);
    }
  });

  it('runs every target through fuzz(), which honours NIC_FUZZ_RUNS and prints the count', () => {
    for (const { dir, files } of targets) {
      for (const file of files) expect(readFileSync(join(REPO, dir, 'src', file), 'utf8'), `${dir}/src/${file}`).toMatch(FUZZ_CALL);
    }
  });
});
