import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Galera suite starts its own 3-node cluster: `npm run test:cluster` only.
    exclude: [...configDefaults.exclude, 'test/cluster/**'],
    // Each MySQL test file creates its own database; files run in parallel
    // on two cores, so keep the pool small and the timeouts generous.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
