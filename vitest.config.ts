import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    // Dates and timezone are frozen for golden files: see test/setup.ts.
    setupFiles: ['test/setup.ts'],
    // CP_CHART_CACHE: compiled chart shapes are shared by the test files (and the CLI they run), not
    // kept in the project's .cache: golden files hold whatever the cache holds
    env: { TZ: 'UTC', SOURCE_DATE_EPOCH: '1793491200', NO_COLOR: '1', CP_CHART_CACHE: 'test/.tmp/chart-cache' },
    pool: 'forks',
    maxWorkers: 2,
  },
});
