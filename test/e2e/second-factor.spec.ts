import { startReceiver } from '../support/receiver.js';
import { expect, test } from '../support/fixtures.js';
import { todayIsTradingEnv } from '../support/kite-world.js';

/*
 * Issue 18: an account without external TOTP. Kite's answer to the password names the factor
 * it wants (`app_code`: the Kite app's App Code; `sms`: an SMS OTP); a TOTP typed there would
 * be a wrong second factor. Through the real CLI against the simulator: no code is typed, the
 * account stops with TOTP_NOT_ENABLED (exit 3) and a message that says what to do, `status`
 * and the alert name the cause, and once external TOTP is set up, `resume` lets the next
 * login in with exactly one password and one code.
 */

test('Kite asks for the App Code: no code typed, exit 3 TOTP_NOT_ENABLED, a stop that says what to do; after TOTP is set up, resume logs in', async ({ kite }) => {
  const world = await kite({ twofa: 'app_code' });
  const first = await world.run(['login']);
  expect(first.code, first.stderr).toBe(3);
  expect(first.stderr).toContain('TOTP_NOT_ENABLED');
  expect(first.stderr).toMatch(/app_code/);
  expect(first.stderr).toMatch(/External TOTP/);
  expect(first.stderr).toContain('KITE_TOTP_SECRET');
  expect(first.stderr).toMatch(/kite-autologin resume/);
  expect(world.sim.count('api-login')).toBe(1);
  expect(world.sim.count('api-twofa')).toBe(0);

  const status = await world.run(['status']);
  expect(status.stdout).toMatch(/STOPPED: .*TOTP_NOT_ENABLED.*Enable external TOTP.*KITE_TOTP_SECRET/);
  expect(status.stdout).toMatch(/Last attempt: .*failed TOTP_NOT_ENABLED/);

  // Stopped: the next login types nothing at all, not even the password.
  const again = await world.run(['login']);
  expect(again.code).toBe(3);
  expect(again.stderr).toMatch(/HALTED|TOTP_NOT_ENABLED/);
  expect(world.sim.count('api-login')).toBe(1);

  // The user enables external TOTP on Kite (the same key as KITE_TOTP_SECRET), then resumes.
  world.account.twofa = 'totp';
  const resumed = await world.run(['resume']);
  expect(resumed.code, resumed.stderr).toBe(0);
  const login = await world.run(['login']);
  expect(login.code, login.stderr).toBe(0);
  expect(world.sim.count('api-login')).toBe(2);
  expect(world.sim.count('api-twofa')).toBe(1);
});

test('Kite asks for an SMS OTP in the daemon\'s morning: no code typed, no retry, the alert names the cause and carries no secret', async ({ kite }) => {
  const world = await kite({ twofa: 'sms' });
  const receiver = await startReceiver();
  try {
    const result = await world.run(['run', '--once'], { ...todayIsTradingEnv(), WEBHOOK_URL: `${receiver.url}/alert` });
    expect(result.code, result.stderr).toBe(3);
    expect(world.sim.count('api-login')).toBe(1);
    expect(world.sim.count('api-twofa')).toBe(0);
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const alerts = receiver.received.map((r) => r.body).join('\n');
    expect(alerts).toContain('TOTP_NOT_ENABLED');
    expect(alerts).toContain('an SMS OTP');
    expect(alerts).toMatch(/Next: [^"]*Enable external TOTP[^"]*KITE_TOTP_SECRET/);
    expect(alerts).not.toMatch(/Fix the credentials or the clock/);

    // The next morning's run is refused before anything is typed; its alert still says what to do.
    const again = await world.run(['run', '--once'], { ...todayIsTradingEnv(), WEBHOOK_URL: `${receiver.url}/alert` });
    expect(again.code).toBe(3);
    expect(world.sim.count('api-login')).toBe(1);
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBeGreaterThan(1);
    const stillStopped = receiver.received.map((r) => JSON.parse(r.body) as { event: string; code: string; next: string }).find((n) => n.event === 'still-halted');
    expect(stillStopped).toMatchObject({ code: 'TOTP_NOT_ENABLED', next: expect.stringMatching(/Enable external TOTP/) });
    const all = receiver.received.map((r) => r.body).join('\n');
    for (const secret of [world.account.password, world.account.totpSecret, world.app.apiSecret]) expect(all).not.toContain(secret);
  } finally {
    await receiver.close();
  }
});
