import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real servers (Prometheus, chronyd); give them room on a 2-core box.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One fixed fast-check seed for every property (FC_SEED=random for the exploring run).
    setupFiles: ['test/helpers/fc-seed.ts'],
  },
});
