import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { generateSecret } from 'otplib';
import { sandboxAccount } from '@kite-autologin/simulator';
import { expect, test } from '../support/fixtures.js';
import { chromiumProcesses, todayIsTradingEnv } from '../support/kite-world.js';

/** Issue 9: every way a password or code could be spent without Kite needing to see it. */
test.describe('the attempt ledger', () => {
  test('a password whose answer never comes is sent once, counts as a rejection, and stops the account', async ({ kite }) => {
    const world = await kite();
    world.sim.faults.routes['api-login'] = { latencyMs: 4_000 };
    const first = await world.run(['run', '--once'], { ...todayIsTradingEnv(), KITE_PASSWORD: 'wrong-password', STEP_TIMEOUT_SECONDS: '1.5' });
    expect(first.code, first.stderr).toBe(3);
    expect(first.stderr).toContain('SUBMISSION_UNKNOWN');
    await expect.poll(() => world.sim.count('api-login')).toBe(1);
    const again = await world.run(['run', '--once'], { ...todayIsTradingEnv(), KITE_PASSWORD: 'wrong-password' });
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('HALTED');
    expect(world.sim.count('api-login')).toBe(1);
    const status = await world.run(['status', '--json'], { KITE_PASSWORD: 'wrong-password' });
    const report = JSON.parse(status.stdout) as { submissionsToday: { factor: string; outcome: string }[]; stopped: unknown };
    expect(report.submissionsToday).toEqual([expect.objectContaining({ factor: 'password', outcome: 'unknown' })]);
    expect(report.stopped).not.toBeNull();
  });

  test('two accounts with token files in one folder keep their own ledgers: one\'s stop is not the other\'s', async ({ kite }) => {
    const world = await kite();
    const { account: b } = sandboxAccount();
    world.sim.rules.addAccount(b);
    const asB = { KITE_USER_ID: b.userId, KITE_PASSWORD: b.password, KITE_TOTP_SECRET: b.totpSecret, TOKEN_FILE: join(dirname(world.tokenFile), 'b-token.json') };
    expect((await world.run(['login'], { KITE_PASSWORD: 'wrong' })).code).toBe(3);
    const loginB = await world.run(['login'], asB);
    expect(loginB.code, loginB.stderr).toBe(0);
    const againA = await world.run(['login'], { KITE_PASSWORD: 'wrong' });
    expect(againA.stderr).toContain('HALTED');
    expect(world.sim.count('api-login')).toBe(2);
    const files = (await readdir(dirname(world.tokenFile))).filter((f) => f.endsWith('.ledger.jsonl'));
    expect(files.sort()).toEqual([`kite-autologin-${world.account.userId}-${world.app.apiKey}.ledger.jsonl`, `kite-autologin-${b.userId}-${world.app.apiKey}.ledger.jsonl`].sort());
  });

  test('a damaged ledger stops the tool (exit 2, naming the file), nothing is typed, and the file is left as it was', async ({ kite }) => {
    const world = await kite();
    const ledger = join(dirname(world.tokenFile), `kite-autologin-${world.account.userId}-${world.app.apiKey}.ledger.jsonl`);
    await mkdir(dirname(ledger), { recursive: true });
    await writeFile(ledger, '{"v":1,"type":"header"', { mode: 0o600 });
    for (const args of [['login'], ['run', '--once']]) {
      const { code, stderr } = await world.run(args, todayIsTradingEnv());
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toContain(`STATE_UNREADABLE: ${ledger}`);
    }
    expect(world.sim.requests).toHaveLength(0);
    expect(await readFile(ledger, 'utf8')).toBe('{"v":1,"type":"header"');
  });

  test('a damaged state file is not read as empty: the daemon\'s morning refuses, the file is kept', async ({ kite }) => {
    const world = await kite();
    const state = join(dirname(world.tokenFile), `kite-autologin-${world.account.userId}-${world.app.apiKey}.state.json`);
    await mkdir(dirname(state), { recursive: true });
    await writeFile(state, 'garbage', { mode: 0o600 });
    const { code, stderr } = await world.run(['run', '--once'], todayIsTradingEnv());
    expect(code).toBe(2);
    expect(stderr).toContain(`STATE_UNREADABLE: ${state}`);
    expect(world.sim.count('api-login')).toBe(0);
    expect(await readFile(state, 'utf8')).toBe('garbage');
  });

  test('`login` by hand with a wrong TOTP secret: two codes in all (the second in a later window), then refused', async ({ kite }) => {
    test.setTimeout(90_000); // the second run waits for a later 30 s window
    const world = await kite();
    const wrong = { KITE_TOTP_SECRET: generateSecret() };
    for (let run = 1; run <= 3; run += 1) {
      const { code, stderr } = await world.run(['login'], wrong);
      expect(code, stderr).toBe(3);
      expect(stderr).toContain(run < 3 ? 'TOTP_REJECTED' : 'HALTED');
    }
    expect(world.sim.count('api-twofa')).toBe(2);
    const [first, second] = world.sim.requests.filter((r) => r.route === 'api-twofa').map((r) => Math.floor(r.at / 30_000));
    expect(second).toBeGreaterThan(first as number);
  });

  test('a TOTP secret that passes the format check but not the code library: exit 2 before anything is typed', async ({ kite }) => {
    const world = await kite();
    const { code, stderr } = await world.run(['login'], { KITE_TOTP_SECRET: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PX' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/KITE_TOTP_SECRET: is not a whole base32 key/);
    expect(world.sim.requests).toHaveLength(0);
  });

  test('a token that cannot be saved after the exchange: SAVE_FAILED at step save, exit 1, never retried', async ({ kite }) => {
    const world = await kite();
    // A folder takes TOKEN_FILE's place once the session exists (a folder there from the start is refused before any login).
    world.sim.faults.routes['user-profile'] = { latencyMs: 2_000, times: 1 };
    const once = world.spawn(['run', '--once'], todayIsTradingEnv());
    await world.sim.waitForRequest('user-profile', 1);
    await mkdir(world.tokenFile, { recursive: true });
    const { code, stderr } = await once.result;
    expect(code).toBe(1);
    expect(stderr).toMatch(/SAVE_FAILED: Kite created a session for .* but its token could not be saved/);
    expect(stderr).toMatch(/"step":"save"/);
    expect(world.sim.count('api-login')).toBe(1);
    expect(world.sim.count('session-token')).toBe(1);
  });

  test('TOKEN_FILE that is a folder, or a link: exit 2 naming it, before any browser', async ({ kite }) => {
    const world = await kite();
    await mkdir(world.tokenFile, { recursive: true });
    const { code, stderr } = await world.run(['login']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/TOKEN_FILE: .* is a folder, not a regular file/);
    expect(world.sim.requests).toHaveLength(0);
  });

  test('a folder where the token cannot be written: exit 2 naming TOKEN_FILE, before any browser', async ({ kite }) => {
    const world = await kite();
    const file = join(world.dir, 'not-a-folder');
    await writeFile(file, 'x');
    const { code, stderr } = await world.run(['login'], { TOKEN_FILE: join(file, 'token.json'), STATE_DIR: world.dir });
    expect(code).toBe(2);
    expect(stderr).toMatch(/TOKEN_FILE: the token cannot be saved in .*not-a-folder \((ENOTDIR|EEXIST)\)/);
    expect(world.sim.requests).toHaveLength(0);
  });

  test('a 503 answered to the password ("Service unavailable") is transient: retried, and the morning gets its token', async ({ kite }) => {
    const world = await kite();
    world.sim.faults.routes['api-login'] = { status: 503, message: 'Service unavailable', times: 1 };
    const { code, stdout, stderr } = await world.run(['run', '--once'], todayIsTradingEnv());
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/Logged in \(attempt 2\)/);
    expect(stderr).toContain('KITE_UNAVAILABLE');
    expect(world.sim.count('api-login')).toBe(2);
  });

  test('a machine clock 35 s behind Kite\'s: the code is made on Kite\'s clock, accepted at once, and the offset is shown', async ({ kite }) => {
    const world = await kite();
    world.sim.clockOffsetMs = 35_000;
    const { code, stderr } = await world.run(['login'], { LOG_LEVEL: 'warn' });
    expect(code, stderr).toBe(0);
    expect(world.sim.count('api-twofa')).toBe(1);
    expect(stderr).toMatch(/this machine's clock is 3[45]\.\d+s behind Kite's: fix it with NTP/);
    const status = await world.run(['status']);
    expect(status.stdout).toMatch(/Kite's clock: this machine's clock is 3[45]\.\d+s behind Kite's/);
  });

  test('Chromium never gets the secrets in its environment', async ({ kite }) => {
    const world = await kite();
    world.sim.faults.routes['app-script'] = { latencyMs: 3_000, times: 1 };
    const login = world.spawn(['login'], { LOG_LEVEL: 'debug' });
    await expect.poll(() => chromiumProcesses(world.dir).length, { timeout: 10_000 }).toBeGreaterThan(0);
    const browser = chromiumProcesses(world.dir)[0]?.split(' ')[0] as string;
    const environ = await readFile(`/proc/${browser}/environ`, 'utf8');
    for (const secret of [world.account.password, world.account.totpSecret, world.app.apiSecret]) expect(environ).not.toContain(secret);
    expect(environ).not.toMatch(/KITE_(PASSWORD|TOTP_SECRET|API_SECRET)=/);
    expect((await login.result).code).toBe(0);
  });
});
