import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 15_000,
    // The logic must not depend on the host's timezone; UTC is where it most often breaks.
    env: { TZ: 'UTC' },
  },
});
