import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each MySQL test file creates its own database; files run in parallel
    // on two cores, so keep the pool small and the timeouts generous.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
