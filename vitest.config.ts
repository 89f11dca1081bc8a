import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    // Native scans and property tests are CPU-bound; two cores, so keep workers modest.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
