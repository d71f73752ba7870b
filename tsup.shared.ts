import { defineConfig, type Options } from 'tsup';
import { watEsbuildPlugin } from './wat.shared.js';

/**
 * Constant-only modules that every package compiles into its own bundle instead of importing
 * at run time. esbuild (`minifySyntax`) then writes their values into the code as literals.
 * Imported from another package, each would stay a module binding, which V8 reads from a cell
 * (with a hole check) at every use, several times per packet on the hot paths. They hold no
 * state, so a copy per package is harmless.
 */
const INLINED_CONSTANTS = ['@nic/eal/layout'];

/**
 * A constant-folding pass over each output file, after esbuild. esbuild writes imported
 * constants into the code, but turns a module's own top-level `const`s into `var`s and keeps
 * constants computed from others (`SINGLE_CMD = DATA_CMD | EOP`): V8 then loads each from the
 * module context, with a type check, at every use, several per packet on the hot paths.
 * terser, with everything off but folding and the removal of what folding leaves unused,
 * writes those values in as literals too. Nothing is renamed and the layout is kept, so the
 * output still reads like the source.
 */
const FOLD_CONSTANTS: Options['terserOptions'] = {
  module: true,
  compress: { defaults: false, reduce_vars: true, evaluate: true, unused: true, passes: 2 },
  mangle: false,
  format: { beautify: true, comments: 'some' },
};

/**
 * Settings every package and app builds with: ESM for Node 20, source maps, a clean dist,
 * constants folded and inlined, `.wat` kernels compiled. Bundled `@nic/*` modules resolve to
 * their TypeScript source.
 */
const common: Options = {
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
  minifySyntax: true,
  minify: 'terser',
  terserOptions: FOLD_CONSTANTS,
  noExternal: INLINED_CONSTANTS,
  esbuildPlugins: [watEsbuildPlugin],
  esbuildOptions(options) {
    options.conditions = ['@nic/source'];
  },
};

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
