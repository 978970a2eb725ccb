import { defineConfig } from 'vitest/config';

/** Where the simulator package's types and source live; tests read its source, never a stale build. */
const SOURCE = '@kite-autologin/source';

export default defineConfig({
  resolve: { conditions: [SOURCE, 'module', 'node', 'import', 'default'] },
  // No 'import' condition here: Vite adds import/require itself, and an explicit one makes pg load pg-pool's ESM build, which breaks.
  ssr: { resolve: { conditions: [SOURCE, 'node', 'default'], externalConditions: [SOURCE] } },
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 15_000,
    globalSetup: ['test/setup/fresh-build.ts'],
    server: { deps: { inline: [/kite-simulator/] } },
    // The logic must not depend on the host's timezone; UTC is where it most often breaks.
    env: { TZ: 'UTC' },
  },
});
