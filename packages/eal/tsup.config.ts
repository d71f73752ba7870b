import { defineConfig } from 'tsup';

export default defineConfig({
  // The lcore bootstrap is its own entry: worker threads start from it. Shared code lands in
  // common chunks, so a worker that imports '@nic/eal' sees the same module state.
  entry: { index: 'src/index.ts', driver: 'src/driver.ts', 'lcore/worker': 'src/lcore/worker.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts', driver: 'src/driver.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
});
