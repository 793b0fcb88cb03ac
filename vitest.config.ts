import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    // Dates and timezone are frozen for golden files: see test/setup.ts.
    setupFiles: ['test/setup.ts'],
    env: { TZ: 'UTC', SOURCE_DATE_EPOCH: '1793491200', NO_COLOR: '1' },
    pool: 'forks',
    maxWorkers: 2,
  },
});
