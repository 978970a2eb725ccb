import { defineConfig } from '@playwright/test';

// Marks every process the suite starts, Chromium's children included (they inherit the
// environment), so the leak checks can find them; worlds override it with their own folder.
process.env['KITE_AUTOLOGIN_TEST'] ??= 'suite';

/**
 * The browser suite: the real CLI, in a real Chromium, against the Kite simulator on
 * loopback. The tests launch Chromium through the tool itself (no Playwright-managed
 * browser is needed). The last project checks that no browser was left behind.
 */
export default defineConfig({
  testDir: 'test/e2e',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env['CI'],
  reporter: process.env['CI'] ? [['list']] : [['list']],
  projects: [
    { name: 'login', testMatch: /.*\.spec\.ts/ },
    { name: 'no-leftovers', testMatch: /leftovers\.check\.ts/, dependencies: ['login'] },
  ],
});
