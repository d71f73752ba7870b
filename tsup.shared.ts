import { defineConfig, type Options } from 'tsup';

/** Settings every package and app builds with: ESM for Node 20, source maps, a clean dist. */
const common: Options = { format: ['esm'], sourcemap: true, clean: true, target: 'node20' };

/**
 * The build of a library package: `src/index.ts` (`.`) and `src/driver.ts` (`./driver`) plus
 * `extra` entries, with declaration files for `dtsEntries` (default: every entry).
 */
export function nicLibrary(extra: Record<string, string> = {}, dtsEntries?: Record<string, string>) {
  const entry = { index: 'src/index.ts', driver: 'src/driver.ts', ...extra };
  return defineConfig({ ...common, entry, dts: dtsEntries ? { entry: dtsEntries } : true });
}

/** The build of a command-line app: each entry is an executable script. */
export function nicApp(entry: Record<string, string>) {
  return defineConfig({ ...common, entry, banner: { js: '#!/usr/bin/env node' } });
}
