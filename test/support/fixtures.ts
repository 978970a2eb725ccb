import { test as base } from '@playwright/test';
import { kiteWorld, type KiteWorld, type WorldOptions } from './kite-world.js';

export { expect } from '@playwright/test';

/**
 * `kite(options)` opens a simulator world for the test; every world it opened is closed
 * after the test, passed or failed (simulator stopped, spawned CLIs and their browsers
 * killed, temp folder removed).
 */
export const test = base.extend<{ kite: (options?: WorldOptions) => Promise<KiteWorld> }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern and requires one
  kite: async ({}, use) => {
    const worlds: KiteWorld[] = [];
    await use(async (options) => {
      const world = await kiteWorld(options);
      worlds.push(world);
      return world;
    });
    await Promise.all(worlds.map((world) => world.close()));
  },
});
