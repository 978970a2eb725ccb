import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '../support/fixtures.js';

test('a maintenance page: exit 4 after the step timeout, screenshot and HTML saved 0600', async ({ kite }) => {
  const world = await kite();
  world.sim.faults.loginPage = 'maintenance';
  const { code, stderr } = await world.run(['login'], { STEP_TIMEOUT_SECONDS: '2' });
  expect(code).toBe(4);
  expect(stderr).toContain('PAGE_UNRECOGNISED');
  expect(stderr).toMatch(/at step login-page/);
  const dir = join(world.dir, 'data', 'diagnostics');
  const files = await readdir(dir);
  expect(files.some((f) => f.endsWith('.png'))).toBe(true);
  expect(files.some((f) => f.endsWith('.html'))).toBe(true);
  for (const file of files) {
    expect(stderr).toContain(join(dir, file));
    expect((await stat(join(dir, file))).mode & 0o777).toBe(0o600);
  }
  expect((await stat(dir)).mode & 0o777).toBe(0o700);
  const html = await readFile(join(dir, files.find((f) => f.endsWith('.html')) as string), 'utf8');
  expect(html).toMatch(/Scheduled maintenance/);
  expect(world.sim.count('api-login')).toBe(0);
});

test('a captcha is recognised at once (exit 4), nothing typed into it', async ({ kite }) => {
  const world = await kite();
  world.sim.faults.loginPage = 'captcha';
  const { code, stderr } = await world.run(['login'], { DIAGNOSTICS_DIR: join(world.dir, 'diag') });
  expect(code).toBe(4);
  expect(stderr).toMatch(/captcha/);
  expect(world.sim.count('api-login')).toBe(0);
  expect((await readdir(join(world.dir, 'diag'))).length).toBe(2);
});

test('a code Kite never answers counts as a rejection; its diagnostics never hold the password or the code', async ({ kite }) => {
  const world = await kite();
  // The code is typed, and Kite never answers.
  world.sim.faults.routes['api-twofa'] = { latencyMs: 60_000 };
  const { code, stderr } = await world.run(['login'], { STEP_TIMEOUT_SECONDS: '2', LOG_LEVEL: 'trace' });
  expect(code).toBe(3);
  expect(stderr).toMatch(/SUBMISSION_UNKNOWN: The TOTP code was sent to Kite and no answer came within 2s/);
  const dir = join(world.dir, 'data', 'diagnostics');
  const html = await readFile(join(dir, (await readdir(dir)).find((f) => f.endsWith('.html')) as string), 'utf8');
  expect(html).toContain('twofa-form');
  expect(html).not.toContain(world.account.password);
  expect(html).not.toMatch(/value="\d{6}"/);
});

test('landing on the dashboard instead of the redirect URL is named as such', async ({ kite }) => {
  const world = await kite();
  world.sim.faults.landOnDashboard = true;
  const { code, stderr } = await world.run(['login']);
  expect(code).toBe(4);
  expect(stderr).toMatch(/dashboard instead of KITE_REDIRECT_URL/);
  expect(world.sim.count('session-token')).toBe(0);
});
