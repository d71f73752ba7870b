import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { NicError } from '@nic/native';
import { init } from './eal.js';
import { testLcores } from './__fixtures__/lcores.js';
import { registeredDrivers } from './registry.js';
import { resolvePlugin } from './plugins.js';

/** Lcore 0, on a CPU this process may run on. */
const LCORE0 = testLcores();

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, '__fixtures__', 'fixture-plugin');
const project = mkdtempSync(join(tmpdir(), 'nic-plugin-'));
mkdirSync(join(project, 'node_modules'));
symlinkSync(fixture, join(project, 'node_modules', 'nic-fixture-plugin'));

afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('-d plugins', () => {
  it('resolves a package name from the working directory and a path against it', () => {
    expect(resolvePlugin('nic-fixture-plugin', project)).toMatch(/fixture-plugin\/index\.js$/);
    expect(resolvePlugin('./x/y.js', '/base')).toBe('file:///base/x/y.js');
  });

  it('loads a plugin package by name, whose import registers its drivers before dev init', async () => {
    expect(registeredDrivers().map((d) => d.name)).not.toContain('net_fixture');
    const cwd = process.cwd();
    process.chdir(project);
    try {
      const { eal } = await init(['--no-pci', '--no-huge', '-m', '8', '-l', LCORE0, '--file-prefix', `plugin-${process.pid}`, '-d', 'nic-fixture-plugin']);
      expect(registeredDrivers().map((d) => d.name)).toContain('net_fixture');
      expect(eal.bus('fakebus').drivers()).toEqual(['net_fixture']);
      await eal.cleanup();
    } finally {
      process.chdir(cwd);
    }
  });

  it('names the plugin and the option when loading fails', async () => {
    const err = await init(['--no-pci', '-d', './does-not-exist.js']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NicError);
    expect((err as NicError).code).toBe('NIC_EINVAL');
    expect((err as NicError).message).toMatch(/^-d \.\/does-not-exist\.js: cannot load plugin/);
  });
});
