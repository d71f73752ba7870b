/**
 * Proves the `sideEffects` declaration of a driver package keeps its registration alive
 * when an application is bundled: esbuild drops a bare import of a package that claims no
 * side effects, and keeps it when the package lists its registering entry.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const repoModules = join(here, '..', '..', '..', 'node_modules');
const work = mkdtempSync(join(tmpdir(), 'nic-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function bundleApp(sideEffects: unknown): Promise<string[]> {
  const dir = mkdtempSync(join(work, 'app-'));
  const pkg = join(dir, 'node_modules', 'nic-fixture-plugin');
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  cpSync(join(here, '__fixtures__', 'fixture-plugin'), pkg, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ ...manifest, sideEffects }));
  symlinkSync(join(repoModules, '@nic'), join(dir, 'node_modules', '@nic'));
  writeFileSync(
    join(dir, 'app.js'),
    "import 'nic-fixture-plugin';\nimport { registeredDrivers } from '@nic/eal';\n" +
      'console.log(JSON.stringify(registeredDrivers().map((d) => d.name)));\n',
  );
  await build({
    entryPoints: [join(dir, 'app.js')],
    outfile: join(dir, 'bundle.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    external: ['@nic/*'],
    logLevel: 'silent',
  });
  return JSON.parse(execFileSync(process.execPath, [join(dir, 'bundle.mjs')], { cwd: dir, encoding: 'utf8' })) as string[];
}

describe('sideEffects and bundlers', () => {
  it('keeps the driver registered when the package lists its registering entry', async () => {
    expect(await bundleApp(['./index.js'])).toEqual(['net_fixture', 'net_fixv']);
  });

  it('loses the driver when the package wrongly claims no side effects (the failure the field prevents)', async () => {
    expect(await bundleApp(false)).toEqual([]);
  });
});

describe('duplicate copies of @nic/eal', () => {
  it('share one dev_driver_list, so a driver registered through one copy is seen by the other', async () => {
    const { registerDriver, unregisterDriver } = await import('./registry.js');
    const built = (await import(pathToFileURL(join(here, '..', 'dist', 'driver.js')).href)) as typeof import('./driver.js');
    const d = { type: 'pdev' as const, name: 'net_two_copies', init: () => undefined };
    registerDriver(d);
    try {
      expect(built.registeredDrivers()).toContain(d);
      expect(() => built.registerDriver({ ...d })).toThrow(/already registered/);
    } finally {
      unregisterDriver(d);
    }
  });
});

describe('-h', () => {
  it('prints the EAL usage and exits 0, as DPDK does', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', "import('@nic/eal').then((m) => m.init(['-h']))"], {
      cwd: here,
      encoding: 'utf8',
    });
    expect(out).toMatch(/--vdev/);
    expect(out).toMatch(/-l/);
  });
});
