import { defineConfig } from 'vitest/config';

/**
 * The Galera cluster suite (`npm run test:cluster`): each file starts its
 * own 3-node cluster, three mariadbd on a 2-core box, so files run one at a
 * time, tests inside a file in order, and the bounds are minutes, not seconds.
 */
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
    sequence: { concurrent: false },
  },
});
