import { defineConfig } from 'vitest/config';
import { watVitePlugin } from '../../../wat.shared.js';

// The benchmark runs under vitest because the device models of @nic/test-kit come with it.
export default defineConfig({
  plugins: [watVitePlugin],
  resolve: { conditions: ['@nic/source', 'import', 'node', 'default'] },
  ssr: { resolve: { conditions: ['@nic/source', 'import', 'node', 'default'], externalConditions: [] } },
  test: { root: new URL('..', import.meta.url).pathname, include: ['bench/fwd.bench.ts'], pool: 'forks', testTimeout: 600_000 },
});
