import { createHash } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { existsSync } from 'node:fs';
import { Script } from 'node:vm';
import { chromium, type Browser, type Page } from 'playwright';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  sandboxAccount, simAccounts, startSimulator, totpAt,
  type PageFaults, type SimAccount, type SimApp, type Simulator,
} from '@kite-autologin/simulator';

/** Kite's clock in these tests: 08:00 IST, still. */
const clock = Date.parse('2026-11-23T02:30:00Z');
let sim: Simulator | undefined;
let world: { account: SimAccount; app: SimApp };

async function simulator(accounts?: SimAccount[]): Promise<Simulator> {
  world = sandboxAccount();
  sim = await startSimulator({ accounts: accounts ?? [world.account], apps: [world.app], now: () => clock });
  return sim;
}

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

interface Answer { status: number; location: string | null; cookie: string | undefined; json: { status: string; message?: string; data?: Record<string, unknown> } | undefined }

/** One request as a browser or the SDK would send it; redirects seen, not followed. */
async function call(kite: Simulator, path: string, form?: Record<string, string>, init: { signal?: AbortSignal; cookie?: string | undefined } = {}): Promise<Answer> {
  const res = await fetch(new URL(path, kite.origin), {
    method: form ? 'POST' : 'GET',
    redirect: 'manual',
    headers: {
      ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Kite-Version': '3' } : {}),
      ...(init.cookie ? { Cookie: init.cookie } : {}),
    },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    location: res.headers.get('location'),
    cookie: res.headers.getSetCookie()[0]?.split(';')[0],
    json: /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) as Answer['json'] : undefined,
  };
}

/** A request that must not be answered: its outcome, once it has one, and a way to go away. */
function unanswered(kite: Simulator, path: string, form: Record<string, string>, cookie?: string) {
  const controller = new AbortController();
  let outcome: 'pending' | 'answered' | 'failed' = 'pending';
  const done = call(kite, path, form, { signal: controller.signal, cookie }).then(
    (answer) => { outcome = 'answered'; return answer; },
    (error: unknown) => { outcome = 'failed'; throw error; },
  );
  done.catch(() => undefined); // judged by the tests through `outcome` or by awaiting `done`
  return { done, abort: () => { controller.abort(); }, outcome: () => outcome };
}

/** Resolves to 'timeout' if `promise` has not settled within `ms`: bounds a wait that must not end. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => { resolve('timeout'); }, ms); });
  return Promise.race([promise, timeout]).finally(() => { clearTimeout(timer); });
}

const attemptsRemaining = (answer: Answer): unknown => answer.json?.data?.['attempts_remaining'];

describe('hold: Kite processes the request, then never answers', () => {
  it('a held wrong password counts as wrong; the request stays open, is recorded, and close() still ends at once', async () => {
    const kite = await simulator();
    kite.faults.routes['api-login'] = { hold: true, times: 1 };
    const held = unanswered(kite, '/api/login', { user_id: world.account.userId, password: 'not-the-password' });

    const arrived = await kite.waitForRequest('api-login', 1);
    expect(arrived).toMatchObject({ route: 'api-login', path: '/api/login', method: 'POST', nth: 1, userId: world.account.userId });

    // The next wrong password is the second: Kite counted the held one.
    const next = await call(kite, '/api/login', { user_id: world.account.userId, password: 'still-wrong' });
    expect(next.status).toBe(403);
    expect(next.json?.message).toBe('Invalid account credentials. 3 attempts remain');
    expect(attemptsRemaining(next)).toBe(3);
    expect(held.outcome()).toBe('pending');
    expect(kite.received.map((r) => r.route)).toEqual(['api-login', 'api-login']);
    expect(kite.requests.map((r) => r.status)).toEqual([403]); // the held one is not done yet

    const closing = kite.close();
    expect(await within(closing, 2_000)).toBeUndefined();
    await expect(held.done).rejects.toThrow();
    expect(kite.requests).toContainEqual(expect.objectContaining({ route: 'api-login', path: '/api/login', status: 0 }));
    expect(JSON.stringify([kite.requests, kite.received])).not.toMatch(/not-the-password|still-wrong/);
  });

  it('a held request ends when its client goes away, and is recorded with status 0', async () => {
    const kite = await simulator();
    kite.faults.routes['api-login'] = { hold: true };
    const held = unanswered(kite, '/api/login', { user_id: world.account.userId, password: world.account.password });
    await kite.waitForRequest('api-login', 1);
    expect(kite.requests).toEqual([]);
    held.abort();
    await vi.waitFor(() => { expect(kite.requests).toEqual([expect.objectContaining({ route: 'api-login', status: 0 })]); }, { timeout: 2_000, interval: 10 });
    expect(held.outcome()).toBe('failed');
  });

  it('a held wrong code counts toward the five', async () => {
    const kite = await simulator();
    const login = await call(kite, '/api/login', { user_id: world.account.userId, password: world.account.password });
    const requestId = String(login.json?.data?.['request_id']);
    kite.faults.routes['api-twofa'] = { hold: true, times: 1 };
    const form = { user_id: world.account.userId, request_id: requestId, twofa_type: 'totp', twofa_value: '000000' };
    const held = unanswered(kite, '/api/twofa', form);
    await kite.waitForRequest('api-twofa', 1);
    const next = await call(kite, '/api/twofa', form);
    expect(next.json?.message).toBe('Invalid TOTP');
    expect(attemptsRemaining(next)).toBe(3);
    expect(held.outcome()).toBe('pending');
  });
});

describe('lose: Kite processes the request, then the answer is lost', () => {
  it('a lost wrong password counts; the client sees the connection end with no answer', async () => {
    const kite = await simulator();
    kite.faults.routes['api-login'] = { lose: true, times: 1 };
    await expect(call(kite, '/api/login', { user_id: world.account.userId, password: 'wrong' })).rejects.toThrow(/fetch failed/);
    const next = await call(kite, '/api/login', { user_id: world.account.userId, password: 'wrong' });
    expect(attemptsRemaining(next)).toBe(3);
    expect(kite.requests.map((r) => [r.route, r.status])).toEqual([['api-login', 0], ['api-login', 403]]);
  });

  it('a lost /session/token answer spent the request_token (a dropped one did not)', async () => {
    const kite = await simulator();
    const { userId, password } = world.account;
    const { apiKey, apiSecret } = world.app;
    const requestId = (kite.rules.login(userId, password).body as { data: { request_id: string } }).data.request_id;
    expect(kite.rules.twofa(userId, requestId, totpAt(world.account.totpSecret, clock)).status).toBe(200);
    const requestToken = kite.rules.issueRequestToken(apiKey, userId);
    const form = { api_key: apiKey, request_token: requestToken, checksum: createHash('sha256').update(apiKey + requestToken + apiSecret).digest('hex') };

    kite.faults.routes['session-token'] = { drop: true, times: 1 };
    await expect(call(kite, '/session/token', form)).rejects.toThrow(/fetch failed/);
    kite.faults.routes['session-token'] = { lose: true, times: 1 };
    await expect(call(kite, '/session/token', form)).rejects.toThrow(/fetch failed/);
    const again = await call(kite, '/session/token', form);
    expect(again.status).toBe(403);
    expect(again.json?.message).toBe('Token is invalid or has expired.');
    expect(kite.requests.map((r) => r.status)).toEqual([0, 0, 403]);
    expect(JSON.stringify([kite.requests, kite.received])).not.toContain(requestToken);
  });

  it('a lost second-factor answer still logged the browser in on Kite\'s side', async () => {
    const kite = await simulator();
    const start = await call(kite, `/connect/login?api_key=${world.app.apiKey}&v=3`);
    const sessId = new URL(start.location ?? '', kite.origin).searchParams.get('sess_id') ?? '';
    const login = await call(kite, '/api/login', { user_id: world.account.userId, password: world.account.password }, { cookie: start.cookie });
    kite.faults.routes['api-twofa'] = { lose: true };
    const twofa = { user_id: world.account.userId, request_id: String(login.json?.data?.['request_id']), twofa_type: 'totp', twofa_value: totpAt(world.account.totpSecret, clock) };
    await expect(call(kite, '/api/twofa', twofa, { cookie: start.cookie })).rejects.toThrow(/fetch failed/);
    const finish = await call(kite, `/connect/finish?api_key=${world.app.apiKey}&sess_id=${sessId}`, undefined, { cookie: start.cookie });
    expect(finish.location).toMatch(/^\/connect\/authorize\?sess_id=/); // not back to /connect/login
  });
});

describe('route faults: per user, and times', () => {
  it('a user\'s hold holds only that user\'s requests; the others are answered', async () => {
    const [a, b] = simAccounts(2, 7) as [SimAccount, SimAccount];
    const kite = await simulator([a, b]);
    kite.faults.users[b.userId.toLowerCase()] = { 'api-login': { hold: true } };
    const held = unanswered(kite, '/api/login', { user_id: b.userId, password: 'wrong' });
    expect((await kite.waitForRequest('api-login', 1)).userId).toBe(b.userId);
    const other = await call(kite, '/api/login', { user_id: a.userId, password: a.password });
    expect(other.json?.status).toBe('success');
    const again = unanswered(kite, '/api/login', { user_id: b.userId, password: 'wrong' });
    await kite.waitForRequest('api-login', 3);
    const answeredWrong = await call(kite, '/api/login', { user_id: a.userId, password: 'wrong' });
    expect(attemptsRemaining(answeredWrong)).toBe(4); // a's count is a's own
    expect([held.outcome(), again.outcome()]).toEqual(['pending', 'pending']);
    expect(kite.rules.login(b.userId, 'wrong').body).toMatchObject({ data: { attempts_remaining: 2 } }); // both held ones counted
  });

  it('`times` runs out: two lost answers, then Kite answers again', async () => {
    const kite = await simulator();
    const fault = { lose: true, times: 2 };
    kite.faults.routes['api-login'] = fault;
    const wrong = { user_id: world.account.userId, password: 'wrong' };
    await expect(call(kite, '/api/login', wrong)).rejects.toThrow();
    await expect(call(kite, '/api/login', wrong)).rejects.toThrow();
    const third = await call(kite, '/api/login', wrong);
    expect(attemptsRemaining(third)).toBe(2);
    expect(fault.times).toBe(0);
    expect(kite.requests.map((r) => r.status)).toEqual([0, 0, 403]);
  });
});

describe('waiting for a request', () => {
  it('resolves at once for a request already received, and with the next one for nextRequest', async () => {
    const kite = await simulator();
    await call(kite, '/api/login', { user_id: world.account.userId, password: 'wrong' });
    await expect(kite.waitForRequest('api-login', 1)).resolves.toMatchObject({ nth: 1 });
    const next = kite.nextRequest('api-login');
    await call(kite, `/connect/login?api_key=${world.app.apiKey}`); // another route does not settle it
    await call(kite, '/api/login', { user_id: world.account.userId, password: 'wrong' });
    await expect(next).resolves.toMatchObject({ route: 'api-login', nth: 2 });
  });

  it('resolves before the answer: a request slowed by a minute is seen at once', async () => {
    const kite = await simulator();
    kite.faults.routes['user-profile'] = { latencyMs: 60_000 };
    const controller = new AbortController();
    const slow = fetch(`${kite.apiRoot}/user/profile`, { signal: controller.signal, headers: { Authorization: 'token k:t' } });
    slow.catch(() => undefined);
    try {
      const seen = await within(kite.waitForRequest('user-profile', 1), 2_000);
      expect(seen).toMatchObject({ route: 'user-profile', path: '/user/profile', method: 'GET', nth: 1 });
      expect(kite.requests).toEqual([]);
    } finally {
      controller.abort();
    }
  });

  it('leaves no listener behind: on arrival, on abort, and rejects pending waits on close', async () => {
    const kite = await simulator();
    const arrived = new AbortController();
    const waiting = kite.waitForRequest('api-login', 1, { signal: arrived.signal });
    expect(getEventListeners(arrived.signal, 'abort')).toHaveLength(1);
    await call(kite, '/api/login', { user_id: world.account.userId, password: 'wrong' });
    await waiting;
    expect(getEventListeners(arrived.signal, 'abort')).toHaveLength(0);

    const given = new AbortController();
    const abandoned = kite.waitForRequest('api-login', 9, { signal: given.signal });
    given.abort(new Error('gave up'));
    await expect(abandoned).rejects.toThrow('gave up');
    expect(getEventListeners(given.signal, 'abort')).toHaveLength(0);

    const never = kite.nextRequest('api-twofa');
    await kite.close();
    await expect(never).rejects.toThrow(/closed/);
    await expect(kite.nextRequest('api-twofa')).rejects.toThrow(/closed/);
    await expect(kite.waitForRequest('api-login', 0)).rejects.toThrow(RangeError);
  });
});

/** The login page of one browser visit, as served: its HTML, and the config its script reads. */
async function servedLoginPage(kite: Simulator): Promise<{ html: string; config: Record<string, unknown> }> {
  const start = await call(kite, `/connect/login?api_key=${world.app.apiKey}&v=3`);
  const res = await fetch(new URL(start.location ?? '', kite.origin), { headers: { Cookie: start.cookie ?? '' } });
  const html = await res.text();
  const json = /window\.__KITE_PAGE__=(.*?);<\/script>/.exec(html)?.[1];
  return { html, config: JSON.parse(json ?? 'null') as Record<string, unknown> };
}

describe('page faults, as served', () => {
  it('ride in the page config, read at each page load; absent when unset', async () => {
    const kite = await simulator();
    expect((await servedLoginPage(kite)).config).not.toHaveProperty('faults');
    const faults: PageFaults = {
      lockUp: { at: 'after-password' },
      dialog: { trigger: 'first-key', screen: 'code', times: 2, text: 'Markets closed </script> tomorrow.' },
    };
    kite.faults.page = faults;
    const { html, config } = await servedLoginPage(kite);
    expect(config['faults']).toEqual(faults);
    expect(html).not.toContain('</script> tomorrow'); // escaped inside the inline script
    kite.faults.page = undefined;
    expect((await servedLoginPage(kite)).config).not.toHaveProperty('faults');
  });

  it('the app script carries the hooks: the lock-up, the modal notice, and where they fire', async () => {
    const kite = await simulator();
    const script = await (await fetch(`${kite.origin}/static/kite-app.js`)).text();
    expect(script).toContain('for (;;) {}');
    expect(script).toMatch(/role="dialog" aria-modal="true"/);
    expect(script).toContain("pageFaults.screen('credentials', form)");
    expect(script).toContain("pageFaults.screen('code', form)");
    expect(script).toContain("'after-password'");
    expect(script).toContain("'after-code'");
    for (const trigger of ['load', 'delay', 'first-key', 'first-pointer']) expect(script).toContain(`'${trigger}'`);
    expect(() => new Script(script)).not.toThrow(); // it compiles
  });
});

const CHROMIUM = ['/usr/lib/chromium/chromium-headless-shell', '/usr/bin/chromium-headless-shell'].find((path) => existsSync(path));

/**
 * A fresh browser on the simulator's login page. Launch, the steps and close are each bounded
 * (a locked page can hang any call that runs script on it), and the browser is closed whatever happens.
 */
async function onLoginPage(kite: Simulator, run: (page: Page) => Promise<void>): Promise<void> {
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM ?? '', args: ['--no-sandbox'], timeout: 10_000 });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(5_000);
    await page.goto(`${kite.loginUrl}?v=3&api_key=${world.app.apiKey}`, { waitUntil: 'commit' });
    expect(await within(run(page), 12_000), 'the steps on the page did not finish').toBeUndefined();
  } finally {
    expect(await within(browser.close(), 5_000), 'the browser did not close').toBeUndefined();
  }
}

/** Whether the page's main thread still runs script: a locked page never answers, so the wait is bounded. */
const pageResponds = async (page: Page): Promise<boolean> => (await within(page.evaluate(() => 1), 1_500)) === 1;

/** Waits until the page stops running script (it answers until its lock-up point, then never again). */
const lockedUp = (page: Page): Promise<void> =>
  vi.waitFor(async () => { expect(await pageResponds(page)).toBe(false); }, { timeout: 6_000, interval: 20 });

describe.skipIf(CHROMIUM === undefined)('page faults, in Chromium', { timeout: 30_000 }, () => {
  it('first-pointer: the notice comes up as the pointer moves to click, takes the click, and leaves the form as typed', async () => {
    const kite = await simulator();
    kite.faults.page = { dialog: { trigger: 'first-pointer' } };
    await onLoginPage(kite, async (page) => {
      await page.locator('#userid').fill(world.account.userId);
      await page.locator('#password').fill(world.account.password);
      const dialog = page.getByRole('dialog');
      // Typing without the pointer does not bring it up (if it came, say what brought it).
      const early = await dialog.count();
      expect(early, early === 0 ? '' : String(await page.locator('.modal-backdrop').first().getAttribute('data-fired-by', { timeout: 1_000 }).catch(() => 'nothing'))).toBe(0);
      const login = page.getByRole('button', { name: 'Login' });
      await expect(login.click({ timeout: 1_500 })).rejects.toThrow(/intercepts pointer events/);
      expect(kite.count('api-login')).toBe(0);
      await dialog.waitFor();
      expect(await dialog.getAttribute('aria-modal')).toBe('true');
      expect(await dialog.textContent()).toMatch(/Scheduled maintenance tonight from 11 PM/);
      await dialog.getByRole('button', { name: 'OK' }).click();
      await dialog.waitFor({ state: 'detached' });
      expect(await page.locator('#userid').inputValue()).toBe(world.account.userId);
      expect(await page.locator('#password').inputValue()).toBe(world.account.password);
      const answered = kite.nextRequest('api-login');
      await login.click();
      await answered;
      await page.locator('form.twofa-form').waitFor();
    });
  });

  it('first-key: the notice comes up while typing, takes the focus, and gives it back untouched', async () => {
    const kite = await simulator();
    kite.faults.page = { dialog: { trigger: 'first-key' } };
    await onLoginPage(kite, async (page) => {
      await page.locator('#userid').fill(world.account.userId);
      const dismiss = page.getByRole('dialog').getByRole('button', { name: 'OK' });
      await dismiss.waitFor();
      expect(await dismiss.evaluate((el) => el === document.activeElement)).toBe(true);
      await dismiss.click();
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      expect(await page.locator('#userid').inputValue()).toBe(world.account.userId);
      expect(await page.locator('#userid').evaluate((el) => el === document.activeElement)).toBe(true);
      await page.locator('#password').fill('x'); // once per page load: no second notice
      expect(await page.getByRole('dialog').count()).toBe(0);
    });
  });

  it('lockUp form: the form shows, then the page never runs script again', async () => {
    const kite = await simulator();
    kite.faults.page = { lockUp: { at: 'form', delayMs: 500 } };
    await onLoginPage(kite, async (page) => {
      await page.locator('#password').waitFor();
      expect(await pageResponds(page)).toBe(true); // the form is usable for delayMs
      await lockedUp(page);
    });
  });

  it('lockUp after-password: Kite answers the password, the page locks up on receiving it', async () => {
    const kite = await simulator();
    kite.faults.page = { lockUp: { at: 'after-password' } };
    await onLoginPage(kite, async (page) => {
      await page.locator('#userid').fill(world.account.userId);
      await page.locator('#password').fill(world.account.password);
      expect(await pageResponds(page)).toBe(true);
      const response = page.waitForResponse('**/api/login');
      // Not awaited: the browser waits for the page to take the key in, which it never does once locked.
      page.locator('#password').press('Enter').catch(() => undefined);
      expect((await response).status()).toBe(200);
      await lockedUp(page);
      expect(kite.requests).toContainEqual(expect.objectContaining({ route: 'api-login', status: 200 }));
    });
  });
});
