import { defineProject } from 'vitest/config';

/**
 * The vitest project of one workspace package. Tests resolve `@nic/*` imports to their
 * TypeScript sources through the `@nic/source` export condition.
 */
export function nicProject(name: string) {
  return defineProject({
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
