import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKiteSession } from '../../src/kite/session.js';
import { sandboxAccount, startSimulator, type Simulator } from '@kite-autologin/simulator';
import { totpCode } from '../../src/totp.js';

/** The simulator's clock, moved by the tests. */
let clock = Date.parse('2026-11-23T02:30:00Z'); // 08:00 IST
let sim: Simulator;
let world: ReturnType<typeof sandboxAccount>;

/** Logs in the way the browser would, up to the request_token. */
function requestToken(): string {
  expect(sim.rules.login(world.account.userId, world.account.password).status).toBe(200);
  const login = sim.rules.login(world.account.userId, world.account.password).body as { data: { request_id: string } };
  expect(sim.rules.twofa(world.account.userId, login.data.request_id, totpCode(world.account.totpSecret, clock)).status).toBe(200);
  return sim.rules.issueRequestToken(world.app.apiKey, world.account.userId);
}

const session = (apiSecret = world.app.apiSecret) =>
  createKiteSession({ apiKey: world.app.apiKey, apiSecret, root: sim.apiRoot, timeoutMs: 3_000 });

describe('simulated Kite Connect API, through the kiteconnect SDK', () => {
  beforeEach(async () => {
    world = sandboxAccount();
    sim = await startSimulator({ accounts: [world.account], apps: [world.app], now: () => clock });
  });
  afterEach(async () => { await sim.close(); });

  it('exchanges a request_token (checksum checked) and the token passes the profile check', async () => {
    const data = await session().exchange(requestToken());
    expect(data.userId).toBe(world.account.userId);
    expect(data.loginTime.toISOString()).toBe('2026-11-23T02:30:00.000Z'); // IST text, placed right on a UTC host
    expect((await session().profile(data.accessToken)).userId).toBe(world.account.userId);
  });

  it('a request_token is single use', async () => {
    const token = requestToken();
    await session().exchange(token);
    await expect(session().exchange(token)).rejects.toMatchObject({ code: 'REQUEST_TOKEN_EXPIRED', retryable: true });
  });

  it('a request_token expires after five minutes', async () => {
    const token = requestToken();
    clock += 5 * 60_000 + 1;
    await expect(session().exchange(token)).rejects.toMatchObject({ code: 'REQUEST_TOKEN_EXPIRED' });
  });

  it('a wrong api_secret fails the checksum', async () => {
    await expect(session('0'.repeat(32)).exchange(requestToken())).rejects.toMatchObject({ code: 'API_SECRET_REJECTED', exitCode: 2 });
  });

  it('one live session per app: a new exchange kills the previous access token', async () => {
    const first = await session().exchange(requestToken());
    const second = await session().exchange(requestToken());
    await expect(session().profile(first.accessToken)).rejects.toMatchObject({ code: 'TOKEN_REJECTED' });
    expect((await session().profile(second.accessToken)).userId).toBe(world.account.userId);
  });

  it('access tokens die at 06:00 IST', async () => {
    const data = await session().exchange(requestToken());
    clock = Date.parse('2026-11-24T00:29:59Z'); // 05:59:59 IST
    await expect(session().profile(data.accessToken)).resolves.toMatchObject({ userId: world.account.userId });
    clock = Date.parse('2026-11-24T00:30:00Z'); // 06:00 IST
    await expect(session().profile(data.accessToken)).rejects.toMatchObject({ code: 'TOKEN_REJECTED' });
  });

  it('answers JSON bodies on /session/token with 400, as Kite does', async () => {
    const res = await fetch(`${sim.apiRoot}/session/token`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Kite-Version': '3' },
      body: JSON.stringify({ api_key: world.app.apiKey, request_token: 'x', checksum: createHash('sha256').update('x').digest('hex') }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toMatchObject({ status: 'error', error_type: 'InputException' });
  });

  it('faults on demand: 5xx (JSON and proxy HTML), dropped connections, each as KITE_UNAVAILABLE', async () => {
    const token = requestToken();
    for (const fault of [{ status: 503 }, { status: 502 }, { drop: true }, { status: 429 }]) {
      sim.faults.routes['session-token'] = { ...fault, times: 1 };
      await expect(session().exchange(token), JSON.stringify(fault)).rejects.toMatchObject({ code: 'KITE_UNAVAILABLE', retryable: true });
    }
    // Faults with `times` clear themselves; the token was never spent by the failed tries.
    expect((await session().exchange(token)).userId).toBe(world.account.userId);
  });

  it('a slow route is slow', async () => {
    sim.faults.routes['user-profile'] = { latencyMs: 300, times: 1 };
    const started = performance.now();
    await expect(session().profile('nope')).rejects.toMatchObject({ code: 'TOKEN_REJECTED' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });
});

describe('simulated login rules', () => {
  beforeEach(async () => {
    world = sandboxAccount();
    sim = await startSimulator({ accounts: [world.account], apps: [world.app], now: () => clock });
  });
  afterEach(async () => { await sim.close(); });

  it('counts down wrong passwords and blocks the account at the fifth, even for the right password after', () => {
    const messages = Array.from({ length: 4 }, () => (sim.rules.login(world.account.userId, 'wrong').body as { message: string }).message);
    expect(messages).toEqual([4, 3, 2, 1].map((n) => `Invalid account credentials. ${n} attempts remain`));
    expect((sim.rules.login(world.account.userId, 'wrong').body as { message: string }).message).toMatch(/blocked/);
    expect(sim.rules.login(world.account.userId, world.account.password).status).toBe(403);
    expect(sim.rules.isBlocked(world.account.userId)).toBe(true);
  });

  it('checks the TOTP against the current window only (skew 0), and blocks after five wrong codes', () => {
    const requestId = (sim.rules.login(world.account.userId, world.account.password).body as { data: { request_id: string } }).data.request_id;
    const previousWindow = totpCode(world.account.totpSecret, clock - 30_000);
    const answer = sim.rules.twofa(world.account.userId, requestId, previousWindow);
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ message: 'Invalid TOTP', data: { attempts_remaining: 4 } });
    for (let i = 0; i < 4; i += 1) sim.rules.twofa(world.account.userId, requestId, '000000');
    expect(sim.rules.isBlocked(world.account.userId)).toBe(true);
    expect(sim.rules.twofa(world.account.userId, requestId, totpCode(world.account.totpSecret, clock)).status).toBe(403);
  });

  it('unknown users and unknown api_keys get Kite\'s messages', async () => {
    expect(sim.rules.login('ZZ0000', 'x').body).toMatchObject({ message: 'User profile not found' });
    const res = await fetch(`${sim.loginUrl}?v=3&api_key=nope`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ message: 'Invalid `api_key`.' });
  });

  it('connect/login answers 302 with a sess_id and sets kf_session; the login app renders client-side', async () => {
    const res = await fetch(`${sim.loginUrl}?v=3&api_key=${world.app.apiKey}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/sess_id=[0-9a-f]+/);
    expect(res.headers.get('set-cookie')).toMatch(/^kf_session=/);
    const page = await fetch(new URL(res.headers.get('location') as string, sim.origin), { headers: { cookie: (res.headers.get('set-cookie') as string).split(';')[0] as string } });
    const html = await page.text();
    expect(html).toContain('<div id="app">');
    expect(html).not.toMatch(/<input[^>]*type="password"/); // the form only exists once the script runs
  });
});
