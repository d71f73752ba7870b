import { defineConfig } from 'tsup';

export default defineConfig({
  // main: the CLI; lcore: the forwarding loop that worker lcores run (loaded by URL).
  entry: { main: 'src/main.ts', lcore: 'src/lcore.ts' },
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
});
