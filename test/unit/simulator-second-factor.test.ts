import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright';
import { afterEach, describe, expect, it } from 'vitest';
import { sandboxAccount, startSimulator, totpAt, type SimAccount, type SimApp, type Simulator } from '@kite-autologin/simulator';
import { generateShape } from '@kite-autologin/simulator/shapes';

/**
 * The second factor Kite asks for (kite-facts: "The second factor Kite asks for"): named in
 * the answer to the password, checked against the type posted back, every wrong one counted.
 */

const clock = Date.parse('2026-11-23T02:30:00Z'); // 08:00 IST
let sim: Simulator | undefined;

async function simulator(account: Partial<SimAccount> = {}, options: { shapeSeed?: number } = {}): Promise<{ kite: Simulator; account: SimAccount; app: SimApp }> {
  const world = sandboxAccount();
  const withFactor = { ...world.account, ...account };
  sim = await startSimulator({ accounts: [withFactor], apps: [world.app], now: () => clock, ...options });
  return { kite: sim, account: withFactor, app: world.app };
}

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

interface Answer { status: number; headers: Headers; json: { status: string; message?: string; data?: Record<string, unknown> } }

async function post(kite: Simulator, path: string, form: Record<string, string>): Promise<Answer> {
  const res = await fetch(new URL(path, kite.origin), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Kite-Version': '3' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, headers: res.headers, json: await res.json() as Answer['json'] };
}

async function login(kite: Simulator, account: SimAccount): Promise<Answer> {
  return post(kite, '/api/login', { user_id: account.userId, password: account.password });
}

async function twofa(kite: Simulator, account: SimAccount, requestId: unknown, value: string, type?: string): Promise<Answer> {
  return post(kite, '/api/twofa', { user_id: account.userId, request_id: String(requestId), twofa_value: value, ...(type === undefined ? {} : { twofa_type: type }) });
}

describe('the second factor in Kite\'s answer to the password', () => {
  it('names totp for an account with external TOTP, app_code (then sms) or sms (then app_code) for one without', async () => {
    for (const [twofa, type, types] of [
      [undefined, 'totp', ['totp']],
      ['totp', 'totp', ['totp']],
      ['app_code', 'app_code', ['app_code', 'sms']],
      ['sms', 'sms', ['sms', 'app_code']],
    ] as const) {
      const { kite, account } = await simulator(twofa === undefined ? {} : { twofa });
      const answer = await login(kite, account);
      expect(answer.json.data, String(twofa)).toMatchObject({ twofa_type: type, twofa_types: types });
      expect(answer.headers.get('x-sim-twofa-form')).toBeNull();
      await kite.close();
    }
  });

  it('omitTwofaType: an older answer names no factor (the page alone still knows, by a simulator-only header)', async () => {
    const { kite, account } = await simulator({ twofa: 'app_code' });
    kite.faults.omitTwofaType = true;
    const answer = await login(kite, account);
    expect(answer.json.status).toBe('success');
    expect(answer.json.data).not.toHaveProperty('twofa_type');
    expect(answer.json.data).not.toHaveProperty('twofa_types');
    expect(answer.json.data).toHaveProperty('request_id');
    expect(answer.headers.get('x-sim-twofa-form')).toBe('app_code');
    // A wrong password's answer is as ever.
    expect((await post(kite, '/api/login', { user_id: account.userId, password: 'wrong' })).json.message).toMatch(/attempts remain/);
  });

  it('a page shape that asks for the App Code makes every account one without external TOTP', async () => {
    const { kite, account } = await simulator({}, { shapeSeed: 433 });
    expect(generateShape(433).secondFactor).toBe('app_code');
    expect((await login(kite, account)).json.data).toMatchObject({ twofa_type: 'app_code', twofa_types: ['app_code', 'sms'] });
    kite.shapeSeed = 428; // a TOTP page: the account's own factor again
    expect((await login(kite, account)).json.data).toMatchObject({ twofa_type: 'totp' });
  });
});

describe('the posted second factor', () => {
  it('a TOTP posted to an account without external TOTP: "The requested 2FA type is not available", and it counts', async () => {
    const { kite, account } = await simulator({ twofa: 'app_code' });
    const requestId = (await login(kite, account)).json.data?.['request_id'];
    const rightTotp = totpAt(account.totpSecret, clock);
    const first = await twofa(kite, account, requestId, rightTotp, 'totp');
    expect(first.status).toBe(400);
    expect(first.json).toMatchObject({ status: 'error', message: 'The requested 2FA type is not available', error_type: 'InputException', data: { attempts_remaining: 4 } });
    for (let left = 3; left >= 1; left -= 1) {
      expect((await twofa(kite, account, requestId, rightTotp, 'totp')).json.data).toEqual({ attempts_remaining: left });
    }
    expect((await twofa(kite, account, requestId, rightTotp, 'totp')).json.message).toMatch(/blocked/);
    expect(kite.rules.isBlocked(account.userId)).toBe(true);
  });

  it('a wrong App Code is "Invalid app code" and counts; with none handed in every value is wrong; the right one passes', async () => {
    const { kite, account } = await simulator({ twofa: 'app_code' });
    const requestId = (await login(kite, account)).json.data?.['request_id'];
    const wrong = await twofa(kite, account, requestId, '123456', 'app_code');
    expect(wrong.status).toBe(403);
    expect(wrong.json).toMatchObject({ message: 'Invalid app code', error_type: 'TwoFAException', data: { attempts_remaining: 4 } });
    // Left out of the post: the factor Kite named, so a TOTP is a wrong App Code.
    expect((await twofa(kite, account, requestId, totpAt(account.totpSecret, clock))).json).toMatchObject({ message: 'Invalid app code', data: { attempts_remaining: 3 } });
    // The SMS OTP Kite also offers: none handed in, so wrong too.
    expect((await twofa(kite, account, requestId, '654321', 'sms')).json).toMatchObject({ message: 'Invalid OTP', data: { attempts_remaining: 2 } });
    await kite.close();

    const given = await simulator({ twofa: 'app_code', appCode: '246810' });
    const id = (await login(given.kite, given.account)).json.data?.['request_id'];
    const ok = await twofa(given.kite, given.account, id, '246810', 'app_code');
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ status: 'success', data: { user_id: given.account.userId } });
  });

  it('an SMS account takes its SMS OTP when handed one; a TOTP account is offered nothing else', async () => {
    const sms = await simulator({ twofa: 'sms', smsCode: '112233' });
    const id = (await login(sms.kite, sms.account)).json.data?.['request_id'];
    expect((await twofa(sms.kite, sms.account, id, '112233', 'sms')).status).toBe(200);
    await sms.kite.close();

    const { kite, account } = await simulator();
    const requestId = (await login(kite, account)).json.data?.['request_id'];
    expect((await twofa(kite, account, requestId, '000000', 'app_code')).json).toMatchObject({ message: 'The requested 2FA type is not available', data: { attempts_remaining: 4 } });
    expect((await twofa(kite, account, requestId, '000000', 'totp')).json).toMatchObject({ message: 'Invalid TOTP', data: { attempts_remaining: 3 } });
    expect((await twofa(kite, account, requestId, totpAt(account.totpSecret, clock), 'totp')).status).toBe(200);
  });
});

const CHROMIUM = ['/usr/lib/chromium/chromium-headless-shell', '/usr/bin/chromium-headless-shell'].find((path) => existsSync(path));

/** A browser on the variants' login app, bounded, closed whatever happens. */
async function onLoginPage(kite: Simulator, app: SimApp, run: (page: Page) => Promise<void>): Promise<void> {
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM ?? '', args: ['--no-sandbox'], timeout: 10_000 });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(5_000);
    await page.goto(`${kite.loginUrl}?v=3&api_key=${app.apiKey}`);
    await run(page);
  } finally {
    await browser.close();
  }
}

describe.skipIf(CHROMIUM === undefined)('the variants\' login app asks for what Kite named', { timeout: 30_000 }, () => {
  for (const [factor, label, hint, omitted] of [
    ['app_code', 'App Code', 'Enter the app code from the Kite app', false],
    ['sms', 'SMS OTP', 'OTP sent to your phone', false],
    ['app_code', 'App Code', 'Enter the app code from the Kite app', true],
  ] as const) {
    it(`${factor}${omitted ? ', the answer naming none' : ''}: the form says "${label}" and posts twofa_type=${factor}`, async () => {
      const { kite, account, app } = await simulator({ twofa: factor });
      kite.faults.omitTwofaType = omitted;
      await onLoginPage(kite, app, async (page) => {
        await page.locator('#userid').fill(account.userId);
        await page.locator('#password').fill(account.password);
        await page.getByRole('button', { name: 'Login' }).click();
        const field = page.getByLabel(label, { exact: true });
        await field.waitFor();
        expect(await page.locator('form.twofa-form').textContent()).toContain(hint);
        expect(await page.locator('form.twofa-form').textContent()).not.toMatch(/TOTP/);
        const posted = page.waitForRequest('**/api/twofa');
        await field.fill('123456');
        await page.getByRole('button', { name: 'Continue' }).click();
        expect(new URLSearchParams((await posted).postData() ?? '').get('twofa_type')).toBe(factor);
        await expect.poll(() => page.locator('.error').textContent()).toBe(factor === 'sms' ? 'Invalid OTP' : 'Invalid app code');
      });
    });
  }

  it('totp: the variant\'s own TOTP form, posting twofa_type=totp, as before', async () => {
    const { kite, account, app } = await simulator();
    kite.variant = 'totp';
    await onLoginPage(kite, app, async (page) => {
      await page.locator('#userid').fill(account.userId);
      await page.locator('#password').fill(account.password);
      await page.getByRole('button', { name: 'Login' }).click();
      await page.locator('#totp').waitFor();
      const posted = page.waitForRequest('**/api/twofa');
      await page.locator('#totp').fill(totpAt(account.totpSecret, clock));
      await page.getByRole('button', { name: 'Continue' }).click();
      expect(new URLSearchParams((await posted).postData() ?? '').get('twofa_type')).toBe('totp');
      await page.waitForURL((url) => url.pathname === '/connect/authorize');
    });
  });
});
