import { defineConfig } from 'vitest/config';

// Tests talk to real things (PostgreSQL, git, helm), so files run in separate processes and each
// integration file makes its own database. Two cores here: keep parallelism modest.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '.tools/**', '.data/**', 'ui/.svelte-kit/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
