import { readFile } from 'node:fs/promises';
import { expect, test } from '../support/fixtures.js';
import { generateSecret } from 'otplib';
import { todayIsTradingEnv } from '../support/kite-world.js';

test.describe('run --once: one morning with its retries', () => {
  test('a 5xx on the exchange is retried with a fresh login, and succeeds', async ({ kite }) => {
    const world = await kite();
    world.sim.faults.routes['session-token'] = { status: 503, times: 1 };
    const { code, stdout, stderr } = await world.run(['run', '--once'], todayIsTradingEnv());
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/Logged in \(attempt 2\)/);
    expect(stderr).toContain('KITE_UNAVAILABLE');
    expect(world.sim.count('api-login')).toBe(2);
    expect(world.sim.count('session-token')).toBe(2);
  });

  test('a dropped connection on the login page is retried, and succeeds', async ({ kite }) => {
    const world = await kite();
    world.sim.faults.routes['connect-login'] = { drop: true, times: 1 };
    const { code, stderr } = await world.run(['run', '--once'], todayIsTradingEnv());
    expect(code, stderr).toBe(0);
    expect(world.sim.count('api-login')).toBe(1);
  });

  test('a login app too slow for the step timeout is retried, and succeeds', async ({ kite }) => {
    const world = await kite();
    world.sim.faults.routes['app-script'] = { latencyMs: 4_000, times: 1 };
    const { code, stderr } = await world.run(['run', '--once'], { ...todayIsTradingEnv(), STEP_TIMEOUT_SECONDS: '1.5' });
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('PAGE_UNRECOGNISED');
    expect(world.sim.count('api-login')).toBe(1);
  });

  test('a wrong password stops after one attempt, and no later run tries again until the credentials change', async ({ kite }) => {
    const world = await kite();
    const wrong = { ...todayIsTradingEnv(), KITE_PASSWORD: 'wrong-password' };
    const first = await world.run(['run', '--once'], wrong);
    expect(first.code).toBe(3);
    expect(first.stderr).toContain('CREDENTIALS_REJECTED');
    expect(world.sim.count('api-login')).toBe(1);

    // A restarted container, a manual login, a dry run: none spends another attempt.
    for (const args of [['run', '--once'], ['login'], ['login', '--dry-run']]) {
      const again = await world.run(args, wrong);
      expect(again.code, args.join(' ')).toBe(3);
      expect(again.stderr).toContain('HALTED');
    }
    expect(world.sim.count('api-login')).toBe(1);
    const status = await world.run(['status'], wrong);
    expect(status.stdout).toMatch(/STOPPED:\s+since .* after password rejected \(CREDENTIALS_REJECTED\)/);

    // The person fixes the password: the stop clears itself and the login works.
    const fixed = await world.run(['run', '--once'], todayIsTradingEnv());
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(world.sim.count('api-login')).toBe(2);
  });

  test('`resume` clears a stop by hand', async ({ kite }) => {
    const world = await kite();
    expect((await world.run(['login'], { KITE_PASSWORD: 'wrong' })).code).toBe(3);
    expect((await world.run(['login'], { KITE_PASSWORD: 'wrong' })).stderr).toContain('HALTED');
    const resume = await world.run(['resume']);
    expect(resume.code).toBe(0);
    expect(resume.stdout).toMatch(/Cleared: password sent at .*, rejected \(CREDENTIALS_REJECTED\)/);
    expect((await world.run(['resume'])).stdout).toMatch(/Nothing to clear/);
    expect((await world.run(['login'], { KITE_PASSWORD: 'wrong' })).stderr).toContain('CREDENTIALS_REJECTED');
    expect(world.sim.count('api-login')).toBe(2);
  });

  test('a wrong TOTP is tried at most twice (the second in a fresh window), then the tool stops', async ({ kite }) => {
    test.setTimeout(90_000); // the second try waits for the next 30 s window
    const world = await kite();
    const wrong = { ...todayIsTradingEnv(), KITE_TOTP_SECRET: generateSecret() };
    const { code, stderr } = await world.run(['run', '--once'], wrong);
    expect(code).toBe(3);
    expect(stderr).toContain('TOTP_REJECTED');
    expect(world.sim.count('api-twofa')).toBe(2);
    const twofa = world.sim.requests.filter((r) => r.route === 'api-twofa').map((r) => Math.floor(r.at / 30_000));
    expect(twofa[1]).toBeGreaterThan(twofa[0] as number);
    const again = await world.run(['run', '--once'], wrong);
    expect(again.stderr).toContain('HALTED');
    expect(world.sim.count('api-twofa')).toBe(2);
  });

  test('concurrent `login` and `run --once` never both log in', async ({ kite }) => {
    const world = await kite();
    const [a, b] = await Promise.all([world.run(['login'], todayIsTradingEnv()), world.run(['run', '--once'], todayIsTradingEnv())]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(world.sim.count('api-login')).toBe(1);
    expect(world.sim.count('session-token')).toBe(1);
    expect(`${a.stdout}${b.stdout}`).toMatch(/still valid/);
  });

  test('on a closed day it says so and does not log in', async ({ kite }) => {
    const world = await kite();
    const today = todayIsTradingEnv()['EXTRA_TRADING_DATES'] as string;
    const { code, stdout } = await world.run(['run', '--once'], { SKIP_DATES: today });
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`${today} is listed in SKIP_DATES: the market is closed; not logging in`));
    expect(world.sim.requests).toHaveLength(0);
    await expect(readFile(world.tokenFile)).rejects.toThrow(/ENOENT/);
  });

  test('invalid schedule settings are configuration errors, named', async ({ kite }) => {
    const world = await kite();
    const { code, stderr } = await world.run(['run', '--once'], { CRON_SCHEDULE: '61 7 * * *', SCHEDULE_TIMEZONE: 'Mars/Olympus', SKIP_DATES: '2026-13-01', RETRY_DEADLINE: '9am' });
    expect(code).toBe(2);
    for (const name of ['CRON_SCHEDULE', 'SCHEDULE_TIMEZONE', 'SKIP_DATES', 'RETRY_DEADLINE']) expect(stderr).toContain(name);
  });
});
