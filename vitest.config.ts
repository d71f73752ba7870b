import { defineConfig } from 'vitest/config';

// One project per workspace package; tests run against TypeScript sources through the
// "@nic/source" export condition. Worker threads (lcores) load the built dist files, which
// `npm test` builds first.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts', 'tools/*/vitest.config.ts'],
  },
});
