import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  accountEnv, accountsFileEntry, cliEnvFor, simAccounts, simApps, simulatorEnv, startSimulator,
  type SimAccount, type SimApp, type Simulator,
} from '@kite-autologin/simulator';
// The product's TOTP (otplib), not the simulator's own: each side checks the other.
import { totpCode } from '../../src/totp.js';

/** Kite's clock in these tests: 08:00 IST, moved only by the tests. */
let clock = Date.parse('2026-11-23T02:30:00Z');
let sim: Simulator | undefined;

async function simulator(accounts: SimAccount[], apps: SimApp[]): Promise<Simulator> {
  clock = Date.parse('2026-11-23T02:30:00Z');
  sim = await startSimulator({ accounts, apps, now: () => clock });
  return sim;
}

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

interface Answer { status: number; location: string | undefined; json: { status: string; message?: string; data?: Record<string, unknown> } | undefined }

/** One browser: its own cookie jar, redirects seen rather than followed. */
function browser(origin: string) {
  const jar = new Map<string, string>();
  const send = async (path: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> => {
    const res = await fetch(new URL(path, origin), {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        ...headers,
        ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Kite-Version': '3' } : {}),
        ...(jar.size > 0 ? { Cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const at = (pair ?? '').indexOf('=');
      if (at > 0) jar.set((pair as string).slice(0, at), (pair as string).slice(at + 1));
    }
    const text = await res.text();
    const json = /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) as Answer['json'] : undefined;
    return { status: res.status, location: res.headers.get('location') ?? undefined, json };
  };
  return { send };
}

/**
 * The browser's part of a login, as the login app and Chromium do it: the login page, the
 * password, the second factor, the finish and (first time) the consent page. Returns the
 * app's redirect URL with its request_token.
 */
async function browserLogin(kite: Simulator, account: SimAccount, app: SimApp, code = totpCode(account.totpSecret, clock)): Promise<URL> {
  const { send } = browser(kite.origin);
  const start = await send(`/connect/login?api_key=${app.apiKey}&v=3`);
  expect(start.status).toBe(302);
  const sessId = new URL(start.location as string, kite.origin).searchParams.get('sess_id') as string;
  expect((await send(start.location as string)).status).toBe(200);
  const login = await send('/api/login', { user_id: account.userId, password: account.password });
  expect(login.json?.status, login.json?.message).toBe('success');
  const twofa = await send('/api/twofa', { user_id: account.userId, request_id: login.json?.data?.['request_id'] as string, twofa_value: code, twofa_type: 'totp' });
  expect(twofa.json?.status, twofa.json?.message).toBe('success');
  let next = await send(`/connect/finish?api_key=${app.apiKey}&sess_id=${sessId}`);
  if (next.location?.startsWith('/connect/authorize')) {
    expect((await send(next.location)).status).toBe(200); // the consent page
    next = await send('/connect/authorize', { sess_id: sessId });
  }
  expect(next.status).toBe(302);
  return new URL(next.location as string);
}

const checksum = (apiKey: string, requestToken: string, apiSecret: string): string =>
  createHash('sha256').update(`${apiKey}${requestToken}${apiSecret}`).digest('hex');

/** `POST /session/token`, as the SDK sends it. */
async function exchange(kite: Simulator, apiKey: string, requestToken: string, apiSecret: string): Promise<Answer> {
  return browser(kite.apiRoot).send('/session/token', { api_key: apiKey, request_token: requestToken, checksum: checksum(apiKey, requestToken, apiSecret) });
}

async function profile(kite: Simulator, apiKey: string, accessToken: string): Promise<Answer> {
  return browser(kite.apiRoot).send('/user/profile', undefined, { Authorization: `token ${apiKey}:${accessToken}`, 'X-Kite-Version': '3' });
}

/**
 * Runs `calls` at most ten per simulated second (Kite's limit per app), each second's
 * calls concurrently.
 */
async function perSecond<T>(calls: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = [];
  for (let at = 0; at < calls.length; at += 10) {
    out.push(...await Promise.all(calls.slice(at, at + 10).map((call) => call())));
    clock += 1_000;
  }
  return out;
}

describe('simAccounts and simApps', () => {
  it('the same seed gives the same accounts; user ids ZZ0001 up; every secret its own', () => {
    const accounts = simAccounts(100, 7);
    expect(simAccounts(100, 7)).toEqual(accounts);
    expect(accounts.slice(0, 3).map((a) => a.userId)).toEqual(['ZZ0001', 'ZZ0002', 'ZZ0003']);
    expect(accounts[99]?.userId).toBe('ZZ0100');
    for (const key of ['userId', 'password', 'totpSecret'] as const) expect(new Set(accounts.map((a) => a[key])).size).toBe(100);
    for (const account of accounts) {
      expect(account.totpSecret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits of base32
      expect(account.password.length).toBeGreaterThanOrEqual(12);
    }
    const other = simAccounts(100, 8);
    expect(other.map((a) => a.userId)).toEqual(accounts.map((a) => a.userId));
    expect(other.filter((a, i) => a.password === accounts[i]?.password || a.totpSecret === accounts[i]?.totpSecret)).toEqual([]);
    expect(simAccounts(2, 7, { prefix: 'FM', first: 41 }).map((a) => a.userId)).toEqual(['FM0041', 'FM0042']);
    expect(() => simAccounts(2, 7, { first: 9_999 })).toThrow(RangeError);
  });

  it('apps differ in key, secret and redirect URL', () => {
    const apps = simApps(3, 7);
    expect(simApps(3, 7)).toEqual(apps);
    for (const key of ['apiKey', 'apiSecret', 'redirectUrl'] as const) expect(new Set(apps.map((a) => a[key])).size).toBe(3);
  });

  it('per-account environment overlays: each account its own KITE_* variables, the simulator\'s URLs apart', async () => {
    const accounts = simAccounts(2, 3);
    const [app] = simApps(1, 3) as [SimApp];
    const kite = await simulator(accounts, [app]);
    const [first, second] = accounts.map((account) => accountEnv(account, app));
    expect(first).toMatchObject({ KITE_USER_ID: 'ZZ0001', KITE_PASSWORD: accounts[0]?.password, KITE_TOTP_SECRET: accounts[0]?.totpSecret, KITE_API_KEY: app.apiKey, KITE_API_SECRET: app.apiSecret, KITE_REDIRECT_URL: app.redirectUrl });
    expect(second).toMatchObject({ KITE_USER_ID: 'ZZ0002', KITE_PASSWORD: accounts[1]?.password, KITE_API_KEY: app.apiKey });
    expect(simulatorEnv(kite)).toEqual({ KITE_LOGIN_URL: kite.loginUrl, KITE_API_ROOT: kite.apiRoot });
    expect(accountsFileEntry(accounts[1] as SimAccount, app)).toEqual({
      user_id: 'ZZ0002', password: accounts[1]?.password, totp_secret: accounts[1]?.totpSecret,
      api_key: app.apiKey, api_secret: app.apiSecret, redirect_url: app.redirectUrl,
    });
    const env = cliEnvFor(kite, accounts[1] as SimAccount, app, '/tmp/run', { name: 'MARK', value: 'x' });
    expect(env).toMatchObject({ ...second, ...simulatorEnv(kite), HOME: '/tmp/run', MARK: 'x' });
  });
});

describe('many users on one app, and several apps, at once', () => {
  it('twenty users log in concurrently on one app: each gets its own request_token and access_token', async () => {
    const accounts = simAccounts(20, 11);
    const [app] = simApps(1, 11) as [SimApp];
    const kite = await simulator(accounts, [app]);

    const redirects = await Promise.all(accounts.map((account) => browserLogin(kite, account, app)));
    const requestTokens = redirects.map((url) => url.searchParams.get('request_token') as string);
    for (const url of redirects) expect(`${url.origin}${url.pathname}`).toBe(app.redirectUrl);
    expect(new Set(requestTokens).size).toBe(20);

    const exchanges = await perSecond(requestTokens.map((token) => () => exchange(kite, app.apiKey, token, app.apiSecret)));
    // The request_token a user's own browser got is that user's: the exchange says whose it is.
    expect(exchanges.map((answer) => answer.json?.data?.['user_id'])).toEqual(accounts.map((a) => a.userId));
    const accessTokens = exchanges.map((answer) => answer.json?.data?.['access_token'] as string);
    expect(new Set(accessTokens).size).toBe(20);

    // Every token is still live after all the others were issued, and names its own user.
    const profiles = await perSecond(accessTokens.map((token) => () => profile(kite, app.apiKey, token)));
    expect(profiles.map((answer) => [answer.status, answer.json?.data?.['user_id']])).toEqual(accounts.map((a) => [200, a.userId]));
    expect(kite.count('connect-authorize')).toBe(40); // every user's first login: the page, then the consent
  });

  it('one user blocked by wrong passwords, another\'s wrong TOTPs, while the others log in', async () => {
    const accounts = simAccounts(6, 12);
    const [app] = simApps(1, 12, { authorizedUsers: accounts.map((a) => a.userId) }) as [SimApp];
    const kite = await simulator(accounts, [app]);
    const [blocked, fumbling, ...others] = accounts as [SimAccount, SimAccount, ...SimAccount[]];

    const wrongPasswords = async () => {
      const answers: Answer[] = [];
      for (let i = 0; i < 5; i += 1) answers.push(await browser(kite.origin).send('/api/login', { user_id: blocked.userId, password: `${blocked.password}x` }));
      return answers;
    };
    const wrongCodes = async () => {
      const { send } = browser(kite.origin);
      const login = await send('/api/login', { user_id: fumbling.userId, password: fumbling.password });
      const answers: Answer[] = [];
      const wrong = String((Number(totpCode(fumbling.totpSecret, clock)) + 1) % 1_000_000).padStart(6, '0');
      for (let i = 0; i < 3; i += 1) answers.push(await send('/api/twofa', { user_id: fumbling.userId, request_id: login.json?.data?.['request_id'] as string, twofa_value: wrong }));
      return answers;
    };
    const [passwords, codes, logins] = await Promise.all([wrongPasswords(), wrongCodes(), Promise.all(others.map((a) => browserLogin(kite, a, app)))]);

    expect(passwords.map((a) => a.json?.message)).toEqual([
      'Invalid account credentials. 4 attempts remain', 'Invalid account credentials. 3 attempts remain',
      'Invalid account credentials. 2 attempts remain', 'Invalid account credentials. 1 attempts remain',
      expect.stringMatching(/blocked/),
    ]);
    expect(codes.map((a) => a.json?.data?.['attempts_remaining'])).toEqual([4, 3, 2]);
    expect(kite.rules.isBlocked(blocked.userId)).toBe(true);
    for (const account of [fumbling, ...others]) expect(kite.rules.isBlocked(account.userId)).toBe(false);
    expect(logins.every((url) => url.searchParams.has('request_token'))).toBe(true);
    // The fumbling user's count is their own: the right code still works, and the blocked one stays blocked.
    expect((await browserLogin(kite, fumbling, app)).searchParams.has('request_token')).toBe(true);
    expect((await browser(kite.origin).send('/api/login', { user_id: blocked.userId, password: blocked.password })).json?.message).toMatch(/blocked/);
  });

  it('two apps keep separate sessions: a new login on one ends only that app\'s token', async () => {
    const accounts = simAccounts(3, 13);
    const [appA, appB] = simApps(2, 13) as [SimApp, SimApp];
    const kite = await simulator(accounts, [appA, appB]);

    const loginAll = async () => {
      const logins = accounts.flatMap((account) => [appA, appB].map((app) => ({ account, app })));
      const urls = await Promise.all(logins.map(({ account, app }) => browserLogin(kite, account, app)));
      const answers = await perSecond(logins.map(({ app }, i) => () => exchange(kite, app.apiKey, urls[i]?.searchParams.get('request_token') as string, app.apiSecret)));
      return logins.map(({ account, app }, i) => ({ account, app, url: urls[i] as URL, data: answers[i]?.json?.data as Record<string, string> }));
    };
    const first = await loginAll();
    for (const { account, app, url, data } of first) {
      expect(`${url.origin}${url.pathname}`).toBe(app.redirectUrl); // each app's own redirect URL
      expect(data).toMatchObject({ user_id: account.userId, api_key: app.apiKey });
    }
    // Consent was per app: every user saw the page once on each app.
    expect(kite.count('connect-authorize')).toBe(12);

    // ZZ0001 logs in again on app A only: its A token dies, its B token and everyone else's live on.
    const again = await browserLogin(kite, accounts[0] as SimAccount, appA);
    const renewed = await exchange(kite, appA.apiKey, again.searchParams.get('request_token') as string, appA.apiSecret);
    expect(renewed.status).toBe(200);
    const checks = await perSecond(first.map(({ app, data }) => () => profile(kite, app.apiKey, data['access_token'] as string)));
    expect(first.map(({ account, app }, i) => `${account.userId}@${app.name}: ${String(checks[i]?.status)}`)).toEqual([
      'ZZ0001@Simulated app 1: 403', 'ZZ0001@Simulated app 2: 200',
      'ZZ0002@Simulated app 1: 200', 'ZZ0002@Simulated app 2: 200',
      'ZZ0003@Simulated app 1: 200', 'ZZ0003@Simulated app 2: 200',
    ]);
    // A token is good only with its own app's key.
    const [aToken] = first;
    expect((await profile(kite, appB.apiKey, (aToken as (typeof first)[number]).data['access_token'] as string)).status).toBe(403);
  });

  it('the exchange checksum uses each app\'s own secret, and a request_token belongs to its app', async () => {
    const [account] = simAccounts(1, 14) as [SimAccount];
    const [appA, appB] = simApps(2, 14) as [SimApp, SimApp];
    const kite = await simulator([account], [appA, appB]);
    const token = (await browserLogin(kite, account, appA)).searchParams.get('request_token') as string;

    const otherSecret = await exchange(kite, appA.apiKey, token, appB.apiSecret);
    expect([otherSecret.status, otherSecret.json?.message]).toEqual([403, 'Invalid `checksum`.']);
    const otherApp = await exchange(kite, appB.apiKey, token, appB.apiSecret);
    expect([otherApp.status, otherApp.json?.message]).toEqual([403, 'Token is invalid or has expired.']);
    const own = await exchange(kite, appA.apiKey, token, appA.apiSecret);
    expect([own.status, own.json?.data?.['user_id'], own.json?.data?.['api_key']]).toEqual([200, account.userId, appA.apiKey]);
  });

  it('a fault aimed at one user hits only that user', async () => {
    const accounts = simAccounts(2, 15);
    const [app] = simApps(1, 15, { authorizedUsers: accounts.map((a) => a.userId) }) as [SimApp];
    const kite = await simulator(accounts, [app]);
    const [lucky, unlucky] = accounts as [SimAccount, SimAccount];
    kite.faults.users[unlucky.userId.toLowerCase()] = { 'api-login': { status: 503, times: 1 }, 'session-token': { status: 502 } };

    const [luckyAnswer, unluckyAnswer] = await Promise.all([lucky, unlucky].map((a) => browser(kite.origin).send('/api/login', { user_id: a.userId, password: a.password })));
    expect(luckyAnswer?.status).toBe(200);
    expect(unluckyAnswer?.status).toBe(503);

    const [luckyUrl, unluckyUrl] = await Promise.all([lucky, unlucky].map((a) => browserLogin(kite, a, app)));
    const luckyExchange = await exchange(kite, app.apiKey, luckyUrl?.searchParams.get('request_token') as string, app.apiSecret);
    const unluckyExchange = await exchange(kite, app.apiKey, unluckyUrl?.searchParams.get('request_token') as string, app.apiSecret);
    expect([luckyExchange.status, unluckyExchange.status]).toEqual([200, 502]);
  });

  it('the rate limit counts per app: ten requests a second on one key, another app unaffected', async () => {
    const [appA, appB] = simApps(2, 16) as [SimApp, SimApp];
    const kite = await simulator(simAccounts(1, 16), [appA, appB]);
    // Exchanges and profile checks of one app share the count (Kite counts by api_key).
    const calls = await Promise.all([
      ...Array.from({ length: 6 }, () => exchange(kite, appA.apiKey, 'unknown', appA.apiSecret)),
      ...Array.from({ length: 6 }, () => profile(kite, appA.apiKey, 'unknown')),
    ]);
    expect(calls.filter((a) => a.status === 429)).toHaveLength(2);
    expect((await exchange(kite, appB.apiKey, 'unknown', appB.apiSecret)).status).toBe(403);
    clock += 1_000;
    expect((await profile(kite, appA.apiKey, 'unknown')).status).toBe(403);
  });
});
