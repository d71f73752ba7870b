import { readFile } from 'node:fs/promises';
import type { Plugin as EsbuildPlugin } from 'esbuild';
import wabtModule from 'wabt';

/**
 * WebAssembly kernels are written in the text format (`.wat`) and imported as their binary:
 * `import bytes from './tx.wat'` gives a `Uint8Array` (see types/wat.d.ts). The build
 * (esbuild, through tsup) and the tests (vite, through vitest) compile them with wabt, so no
 * binary is kept in the tree. Kernels may use threads (a shared memory, atomics).
 */
const FEATURES = { threads: true };

let wabt: ReturnType<typeof wabtModule> | undefined;

/** The binary of the module in the text file `path`; a syntax or validation error names the file and line. */
export async function compileWat(path: string): Promise<Uint8Array> {
  wabt ??= wabtModule();
  const text = await readFile(path, 'utf8');
  const module = (await wabt).parseWat(path, text, FEATURES);
  try {
    // wabt's types omit validate's features argument; without it a shared memory is refused.
    (module.validate as (features: typeof FEATURES) => void)(FEATURES);
    // Functions are named after their exports (a name section), so that V8 names their
    // code by them in its JIT map (`--perf-basic-prof`), not `wasm-function[<index>]`.
    module.generateNames();
    return module.toBinary({ write_debug_names: true }).buffer;
  } finally {
    module.destroy();
  }
}

/** JavaScript that exports `bytes` as the default `Uint8Array`. */
function asModule(bytes: Uint8Array): string {
  return `export default new Uint8Array(Buffer.from(${JSON.stringify(Buffer.from(bytes).toString('base64'))}, 'base64'));\n`;
}

/** The esbuild plugin that loads `.wat` imports. */
export const watEsbuildPlugin: EsbuildPlugin = {
  name: 'nic-wat',
  setup(build) {
    build.onLoad({ filter: /\.wat$/ }, async (args) => ({ contents: asModule(await compileWat(args.path)), loader: 'js' }));
  },
};

/** The vite plugin that loads `.wat` imports (for vitest). */
export const watVitePlugin = {
  name: 'nic-wat',
  async load(id: string): Promise<string | undefined> {
    return id.endsWith('.wat') ? asModule(await compileWat(id)) : undefined;
  },
};
