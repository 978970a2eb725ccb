import { expect, test } from '@playwright/test';
import { chromiumProcesses } from '../support/kite-world.js';

// Runs after the whole browser suite (a project that depends on it).
test('no Chromium process is left after the suite', async () => {
  await expect.poll(() => chromiumProcesses(), { timeout: 10_000 }).toEqual([]);
});
