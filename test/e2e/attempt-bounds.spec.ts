import { rm, stat } from 'node:fs/promises';
import type { SimAccount } from '@kite-autologin/simulator';
import { expect, test } from '../support/fixtures.js';
import { family } from '../support/family.js';
import { chromiumBrowsers, spawnCli, todayIsTradingEnv } from '../support/kite-world.js';
import { startReceiver } from '../support/receiver.js';

/*
 * Issue 16: every secret that left is counted, and every attempt is bounded. Each of these
 * failed on the code before the fix: a crash after the password left read as transient (and
 * the retry sent the wrong password again), a locked page held `login` forever, a dialog that
 * came after the screen was read cost a 30 s click wait and BROWSER_FAILED, accepted passwords
 * spent a daily budget, a page that posts as you type sent the password unrecorded.
 */
test.describe('every secret that left is counted', () => {
  test('Chromium killed while Kite holds a wrong password: one password sent in all, exit 3 on both runs', async ({ kite }) => {
    const world = await kite();
    world.sim.faults.routes['api-login'] = { hold: true };
    const login = world.spawn(['login'], { KITE_PASSWORD: 'wrong-password' });
    await world.sim.waitForRequest('api-login', 1);
    // The process that answers to Kite is gone: an OOM kill of the browser.
    for (const browser of chromiumBrowsers(world.dir)) process.kill(Number(browser.split(' ')[0]), 'SIGKILL');
    const first = await login.result;
    expect(first.code, first.stderr).toBe(3);
    expect(first.stderr).toContain('SUBMISSION_UNKNOWN');
    const again = await world.run(['login'], { KITE_PASSWORD: 'wrong-password' });
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('HALTED');
    expect(world.sim.count('api-login')).toBe(1);
    const status = JSON.parse((await world.run(['status', '--json'], { KITE_PASSWORD: 'wrong-password' })).stdout) as { submissionsToday: { outcome: string }[]; stopped: unknown };
    expect(status.submissionsToday.map((s) => s.outcome)).toEqual(['unknown']);
    expect(status.stopped).not.toBeNull();
  });

  test('a page that posts the password as it is typed: it is recorded before it is typed, sent once, and the login goes on', async ({ kite }) => {
    const world = await kite();
    world.sim.faults.page = { postOnInput: true };
    const { code, stderr } = await world.run(['login']);
    expect(code, stderr).toBe(0);
    expect(world.sim.count('api-login')).toBe(1);
    const status = JSON.parse((await world.run(['status', '--json'])).stdout) as { submissionsToday: { factor: string; outcome: string }[] };
    expect(status.submissionsToday.map((s) => `${s.factor} ${s.outcome}`)).toEqual(['password accepted', 'totp accepted']);
  });

  test('one Chromium for three accounts dies: the account whose password was in flight is unknown (stopped), the others retry as usual', async () => {
    test.setTimeout(90_000);
    const f = await family();
    try {
      const [inFlight, afterCode, quick] = f.users as [SimAccount, SimAccount, SimAccount];
      // One account's password reaches Kite and its answer is held; another's code was accepted and its next page is held.
      f.sim.faults.users[inFlight.userId] = { 'api-login': { hold: true } };
      f.sim.faults.users[afterCode.userId] = { 'connect-finish': { hold: true, times: 1 } };
      const run = spawnCli(['run', '--once'], { ...f.env, ...todayIsTradingEnv(), LOGIN_CONCURRENCY: '3', LOG_LEVEL: 'debug' }, f.dir);
      const reached = (route: string, userId: string): boolean => f.sim.received.some((r) => r.route === route && r.userId === userId);
      await expect.poll(() => reached('api-login', inFlight.userId) && reached('connect-finish', afterCode.userId), { timeout: 30_000 }).toBe(true);
      // The tool has read Kite's answer to the code (a crash before it reads it would make the code unknown, rightly).
      await run.waitForOutput(/"account":"Mother"[^\n]*"step":"second-factor","answer":"accepted"/);
      for (const browser of chromiumBrowsers(f.dir)) process.kill(Number(browser.split(' ')[0]), 'SIGKILL');
      const result = await run.result;
      expect(result.code, result.stderr).toBe(3);
      await expect(stat(f.tokenOf(inFlight.userId))).rejects.toThrow(/ENOENT/);
      await stat(f.tokenOf(afterCode.userId));
      await stat(f.tokenOf(quick.userId));
      const outcomes = async (userId: string): Promise<string[]> => {
        const listed = JSON.parse((await f.run(['status', '--json', '--account', userId])).stdout) as { accounts: { submissionsToday: { factor: string; outcome: string }[] }[] };
        return (listed.accounts[0]?.submissionsToday ?? []).map((s) => `${s.factor} ${s.outcome}`);
      };
      expect(await outcomes(inFlight.userId)).toEqual(['password unknown']);
      const afterCodeOutcomes = await outcomes(afterCode.userId);
      expect(afterCodeOutcomes.every((o) => o.endsWith('accepted')), afterCodeOutcomes.join(', ')).toBe(true);
      expect(f.sim.received.filter((r) => r.route === 'api-login' && r.userId === inFlight.userId)).toHaveLength(1);
    } finally {
      await f.close();
    }
  });

  test('three logins and two dry runs in one day: every one goes through (accepted passwords and codes cost nothing)', async ({ kite }) => {
    test.setTimeout(120_000); // each code after the first waits for a window of its own
    const world = await kite();
    const runs = [['login'], ['login', '--dry-run'], ['login', '--force'], ['login', '--dry-run'], ['login', '--force']];
    for (const args of runs) {
      const { code, stderr } = await world.run(args);
      expect(code, `${args.join(' ')}: ${stderr}`).toBe(0);
    }
    expect(world.sim.count('api-login')).toBe(5);
    expect(world.sim.count('api-twofa')).toBe(5);
    // A valid token is still valid: no sixth login, whatever was counted.
    const kept = await world.run(['login']);
    expect(kept.stdout).toMatch(/still valid/);
    expect(world.sim.count('api-login')).toBe(5);
  });

  test('run --once: a 503 and then success on each of /api/login, /api/twofa and /session/token gets the token', async ({ kite }) => {
    test.setTimeout(120_000);
    const world = await kite();
    for (const route of ['api-login', 'api-twofa', 'session-token'] as const) {
      await rm(world.tokenFile, { force: true });
      world.sim.faults.routes[route] = { status: 503, times: 1 };
      const { code, stdout, stderr } = await world.run(['run', '--once'], todayIsTradingEnv());
      expect(code, `${route}: ${stderr}`).toBe(0);
      expect(stdout, route).toMatch(/Logged in \(attempt 2\)/);
    }
    expect(world.sim.count('api-login')).toBe(6);
  });
});

test.describe('every attempt is bounded', () => {
  test('a page whose script locks up: `login` ends within its deadline (ATTEMPT_TIMEOUT), nothing typed, no browser left', async ({ kite }) => {
    const world = await kite();
    world.sim.faults.page = { lockUp: { at: 'form' } };
    const started = Date.now();
    const { code, stderr } = await world.run(['login'], { STEP_TIMEOUT_SECONDS: '3' });
    expect(code, stderr).toBe(1);
    expect(stderr).toContain('ATTEMPT_TIMEOUT');
    expect(stderr).toMatch(/stopped answering/);
    // Within the attempt's deadline (8 steps of 3 s), far from forever.
    expect(Date.now() - started).toBeLessThan(8 * 3_000 + 10_000);
    expect(world.sim.count('api-login')).toBe(0);
    await expect.poll(() => world.browsers(), { timeout: 10_000 }).toEqual([]);
  });

  test('a dialog that appears just after the screen was read: dismissed, and the login goes on with one password and one code', async ({ kite }) => {
    const world = await kite();
    world.sim.faults.page = { dialog: { trigger: 'first-pointer' } };
    const started = Date.now();
    const { code, stderr } = await world.run(['login'], { LOG_LEVEL: 'info' });
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/looking at the screen again/);
    expect(stderr).toMatch(/dismissing a dialog over the form/);
    expect(world.sim.count('api-login')).toBe(1);
    expect(world.sim.count('api-twofa')).toBe(1);
    // No 30 s wait on a covered control.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  test('a dialog that appears while the password is typed: the value is checked after it is dismissed, and the login goes on', async ({ kite }) => {
    const world = await kite();
    world.sim.faults.page = { dialog: { trigger: 'first-key' } };
    const { code, stderr } = await world.run(['login']);
    expect(code, stderr).toBe(0);
    expect(world.sim.count('api-login')).toBe(1);
    expect(world.sim.requests.filter((r) => r.route === 'api-login' && r.status !== 200)).toEqual([]);
  });

  test('the daemon, two accounts, one login at a time: one account\'s page locks up; the others still log in, an alert is sent, health names it', async () => {
    test.setTimeout(120_000);
    const f = await family();
    const receiver = await startReceiver();
    try {
      const [hung, ...others] = f.users as [SimAccount, SimAccount, SimAccount];
      f.sim.faults.page = { lockUp: { at: 'after-password', userId: hung.userId } };
      const env = { ...todayIsTradingEnv(), LOGIN_CONCURRENCY: '1', STEP_TIMEOUT_SECONDS: '3', WEBHOOK_URL: `${receiver.url}/hook`, RETRY_BACKOFF_SECONDS: '5' };
      const daemon = spawnCli(['run'], { ...f.env, ...env }, f.dir);
      await expect.poll(async () => {
        const files = await Promise.all(others.map((u) => stat(f.tokenOf(u.userId)).then(() => true, () => false)));
        return files.every(Boolean);
      }, { timeout: 90_000 }).toBe(true);
      await expect.poll(() => receiver.received.map((r) => (JSON.parse(r.body) as { event: string; userId: string })).find((n) => n.event === 'attempt-hung')?.userId, { timeout: 30_000 })
        .toBe(hung.userId);
      // Its first password was answered (accepted) before the page locked up: a hang after an answer costs nothing.
      const first = JSON.parse((await f.run(['status', '--json', '--account', hung.userId], env)).stdout) as { accounts: { submissionsToday: { factor: string; outcome: string }[] }[] };
      expect(first.accounts[0]?.submissionsToday[0]).toMatchObject({ factor: 'password', outcome: 'accepted' });
      await expect.poll(async () => (await f.run(['health'], env)).stdout, { timeout: 30_000 }).toMatch(new RegExp(`\\[${hung.userId}\\] unhealthy[\\s\\S]*hung`));
      const listed = JSON.parse((await f.run(['status', '--json', '--account', hung.userId], env)).stdout) as { accounts: { hung: unknown; submissionsToday: { factor: string; outcome: string }[] }[] };
      const [status] = listed.accounts;
      if (!status) throw new Error('no status for the hung account');
      expect(status.hung).not.toBeNull();
      daemon.kill('SIGTERM');
      expect((await daemon.result).code).toBe(0);
      await expect.poll(() => chromiumBrowsers(f.dir), { timeout: 10_000 }).toEqual([]);
      await expect(stat(f.tokenOf(hung.userId))).rejects.toThrow(/ENOENT/);
    } finally {
      await receiver.close();
      await f.close();
    }
  });
});
