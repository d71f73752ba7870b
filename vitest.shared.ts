import { defineProject } from 'vitest/config';
import { watVitePlugin } from './wat.shared.js';

/**
 * The vitest project of one workspace package. Tests resolve `@nic/*` imports to their
 * TypeScript sources through the `@nic/source` export condition; `.wat` imports compile.
 */
export function nicProject(name: string) {
  return defineProject({
    plugins: [watVitePlugin],
    resolve: { conditions: ['@nic/source', 'import', 'node', 'default'] },
    ssr: { resolve: { conditions: ['@nic/source', 'import', 'node', 'default'], externalConditions: [] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      environment: 'node',
      pool: 'forks',
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  });
}
