import { afterEach, describe, expect, it } from 'vitest';
import { sandboxAccount, startSimulator, totpAt, type AfterCodeStep, type SimAccount, type SimApp, type Simulator } from '@kite-autologin/simulator';

/**
 * The steps after the code, over HTTP as a browser sends them: the consent page in many words,
 * optional offers, each press recorded; the way on leads on, a decoy ends the login for good.
 */

const clock = Date.parse('2026-11-23T02:30:00Z');
let sim: Simulator | undefined;
let world: { account: SimAccount; app: SimApp };

async function simulator(afterCode?: AfterCodeStep[], app: Partial<SimApp> = {}): Promise<Simulator> {
  world = sandboxAccount();
  world.app = { ...world.app, ...app };
  sim = await startSimulator({ accounts: [world.account], apps: [world.app], now: () => clock });
  sim.faults.afterCode = afterCode;
  return sim;
}

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

interface Hop { status: number; location: string | null; html: string }

/** A browser's session, up to an accepted code: its cookie and sess_id. */
async function pastTheCode(kite: Simulator): Promise<{ cookie: string; sessId: string; go: (path: string, form?: Record<string, string>) => Promise<Hop> }> {
  const start = await fetch(`${kite.loginUrl}?api_key=${world.app.apiKey}&v=3`, { redirect: 'manual' });
  const cookie = (start.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
  const sessId = new URL(start.headers.get('location') ?? '', kite.origin).searchParams.get('sess_id') ?? '';
  const go = async (path: string, form?: Record<string, string>): Promise<Hop> => {
    const res = await fetch(new URL(path, kite.origin), {
      method: form ? 'POST' : 'GET', redirect: 'manual',
      headers: { Cookie: cookie, ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    return { status: res.status, location: res.headers.get('location'), html: await res.text() };
  };
  const login = JSON.parse((await go('/api/login', { user_id: world.account.userId, password: world.account.password })).html) as { data: { request_id: string } };
  const code = await go('/api/twofa', { user_id: world.account.userId, request_id: login.data.request_id, twofa_value: totpAt(world.account.totpSecret, clock), twofa_type: 'totp' });
  expect(code.status).toBe(200);
  return { cookie, sessId, go };
}

/** The buttons of a step page, in page order: [choice, words, aria-label]. */
function buttons(html: string): [string, string, string | undefined][] {
  return [...html.matchAll(/<button type="submit" name="choice" value="(\d+)" class="[^"]*"(?: aria-label="([^"]*)")?>([^<]*)<\/button>/g)]
    .map((m) => [m[1] as string, (m[3] as string).replace(/&#39;/g, '\''), m[2]]);
}

const isTokenRedirect = (location: string | null): boolean => !!location && new URL(location).searchParams.has('request_token');

describe('steps after the code', () => {
  it('with none configured: the app\'s own Authorize page, as ever (a post naming no control is its one button)', async () => {
    const kite = await simulator();
    const { sessId, go } = await pastTheCode(kite);
    const finish = await go(`/connect/finish?api_key=${world.app.apiKey}&sess_id=${sessId}`);
    expect(finish.location).toBe(`/connect/authorize?sess_id=${sessId}&v=3`);
    const page = await go(finish.location as string);
    expect(page.html).toContain(`<h2>Authorize ${world.app.name}</h2>`);
    expect(buttons(page.html)).toEqual([['0', 'Authorize', undefined]]);
    const done = await go('/connect/authorize', { sess_id: sessId });
    expect(isTokenRedirect(done.location)).toBe(true);
    expect(kite.steps).toEqual([expect.objectContaining({ index: 0, kind: 'consent', pressed: 'Authorize', outcome: 'went-on', userId: world.account.userId })]);
    expect(kite.rules.hasConsent(world.app.apiKey, world.account.userId)).toBe(true);
  });

  it('consent in other words: the right control gives consent and leads to the token; a post naming no control shows the page again', async () => {
    const kite = await simulator([{ kind: 'consent', accept: 'Allow access', decoys: ['Deny', 'Not you? Log out'], acceptLast: true }]);
    const { sessId, go } = await pastTheCode(kite);
    const page = await go(`/connect/authorize?sess_id=${sessId}&v=3`);
    expect(page.html).toContain(`Allow ${world.app.name} to access your Kite account?`);
    expect(buttons(page.html)).toEqual([['0', 'Deny', undefined], ['1', 'Not you? Log out', undefined], ['2', 'Allow access', undefined]]);
    expect((await go('/connect/authorize', { sess_id: sessId })).status).toBe(200); // which control? none: nothing happens
    expect(kite.steps).toEqual([]);
    const done = await go('/connect/authorize', { sess_id: sessId, step: '0', choice: '2' });
    expect(isTokenRedirect(done.location)).toBe(true);
    expect(kite.steps.map((s) => [s.pressed, s.outcome])).toEqual([['Allow access', 'went-on']]);
    expect(kite.rules.hasConsent(world.app.apiKey, world.account.userId)).toBe(true);
  });

  for (const [decoy, leads] of [
    ['Deny', /Login cancelled/],
    ['Not you? Log out', /You have been logged out/],
    ['Go to dashboard', '/dashboard'],
  ] as const) {
    it(`a consent decoy ("${decoy}") is recorded, gives no consent, and the session never reaches a token`, async () => {
      const kite = await simulator([{ kind: 'consent', accept: 'Allow', decoys: ['Deny', 'Not you? Log out', 'Go to dashboard'] }]);
      const { sessId, go } = await pastTheCode(kite);
      const page = await go(`/connect/authorize?sess_id=${sessId}&v=3`);
      const [choice] = buttons(page.html).find(([, words]) => words === decoy) ?? [];
      const pressed = await go('/connect/authorize', { sess_id: sessId, step: '0', choice: choice ?? '' });
      if (typeof leads === 'string') expect(pressed.location).toBe(leads);
      else expect(pressed.html).toMatch(leads);
      expect(kite.steps).toEqual([expect.objectContaining({ kind: 'consent', pressed: decoy, outcome: 'decoy' })]);
      expect(kite.rules.hasConsent(world.app.apiKey, world.account.userId)).toBe(false);
      // Nothing leads on from here: not the finish, not the page, not its way on.
      expect((await go(`/connect/finish?api_key=${world.app.apiKey}&sess_id=${sessId}`)).location).toBe('/dashboard');
      expect((await go(`/connect/authorize?sess_id=${sessId}&v=3`)).location).toBe('/dashboard');
      expect((await go('/connect/authorize', { sess_id: sessId, step: '0', choice: '0' })).location).toBe('/dashboard');
      expect(kite.steps).toHaveLength(1);
    });
  }

  it('offers in their order, each skipped by its way on (a × is labelled "Close"), then the app\'s consent, then the token', async () => {
    const kite = await simulator([
      { kind: 'offer', offer: 'passkey', skip: 'Maybe later' },
      { kind: 'offer', offer: 'notifications', skip: '×', decoys: ['Allow notifications', 'Log out'] },
      { kind: 'offer', offer: 'tour', skip: 'Skip', skipFirst: true },
    ]);
    const { sessId, go } = await pastTheCode(kite);
    let hop = await go(`/connect/finish?api_key=${world.app.apiKey}&sess_id=${sessId}`);
    const seen: [string, string, string | undefined][][] = [];
    for (let step = 0; step < 3; step += 1) {
      expect(hop.location).toBe(`/connect/step?sess_id=${sessId}&step=${step}`);
      const page = await go(hop.location as string);
      seen.push(buttons(page.html));
      const wayOn = step === 0 ? 'Maybe later' : step === 1 ? '×' : 'Skip';
      const [choice] = buttons(page.html).find(([, words]) => words === wayOn) ?? [];
      hop = await go('/connect/step', { sess_id: sessId, step: String(step), choice: choice ?? '' });
    }
    expect(seen).toEqual([
      [['0', 'Set up passkey', undefined], ['1', 'Maybe later', undefined]],
      [['0', '×', 'Close'], ['1', 'Allow notifications', undefined], ['2', 'Log out', undefined]],
      [['0', 'Skip', undefined], ['1', 'Start tour', undefined]],
    ]);
    expect(hop.location).toBe(`/connect/authorize?sess_id=${sessId}&v=3`);
    expect(isTokenRedirect((await go('/connect/authorize', { sess_id: sessId, choice: '0' })).location)).toBe(true);
    expect(kite.steps.map((s) => [s.index, s.offer ?? s.kind, s.pressed, s.outcome])).toEqual([
      [0, 'passkey', 'Maybe later', 'went-on'], [1, 'notifications', '×', 'went-on'], [2, 'tour', 'Skip', 'went-on'], [3, 'consent', 'Authorize', 'went-on'],
    ]);
    expect(kite.count('connect-step')).toBe(6);
  });

  for (const [offer, decoy, leads] of [
    ['passkey', 'Set up passkey', /Set up a passkey/],
    ['trust-device', 'Trust this device', /This device is now trusted/],
    ['tour', 'Start tour', '/dashboard?tour=1'],
    ['notifications', 'Enable', /Notifications turned on/],
    ['passkey', 'Cancel', /You cancelled the login/],
    ['tour', 'Log out', /You have been logged out/],
  ] as const) {
    it(`an offer's decoy ("${decoy}") is recorded and the login ends there`, async () => {
      const kite = await simulator([{ kind: 'offer', offer, decoys: [decoy] }]);
      const { sessId, go } = await pastTheCode(kite);
      const page = await go(`/connect/step?sess_id=${sessId}&step=0`);
      expect(buttons(page.html).map(([, words]) => words)).toEqual([decoy, 'Not now']);
      const pressed = await go('/connect/step', { sess_id: sessId, step: '0', choice: '0' });
      if (typeof leads === 'string') expect(pressed.location).toBe(leads);
      else expect(pressed.html).toMatch(leads);
      expect(kite.steps).toEqual([expect.objectContaining({ kind: 'offer', offer, pressed: decoy, outcome: 'decoy' })]);
      expect((await go(`/connect/finish?api_key=${world.app.apiKey}&sess_id=${sessId}`)).location).toBe('/dashboard');
      expect((await go('/connect/step', { sess_id: sessId, step: '0', choice: '1' })).location).toBe('/dashboard');
    });
  }

  it('a consent already given is passed by (unless `always`); a stale page\'s post changes nothing', async () => {
    const kite = await simulator([{ kind: 'consent', accept: 'Approve' }, { kind: 'offer', offer: 'tour', skip: 'Later' }]);
    kite.rules.giveConsent(world.app.apiKey, world.account.userId);
    const { sessId, go } = await pastTheCode(kite);
    expect((await go(`/connect/finish?api_key=${world.app.apiKey}&sess_id=${sessId}`)).location).toBe(`/connect/step?sess_id=${sessId}&step=1`);
    // A post for step 0 (a page of a step passed by) leads on to where the session is, and is not recorded.
    expect((await go('/connect/step', { sess_id: sessId, step: '0', choice: '0' })).location).toBe(`/connect/step?sess_id=${sessId}&step=1`);
    expect(kite.steps).toEqual([]);
    expect(isTokenRedirect((await go('/connect/step', { sess_id: sessId, step: '1', choice: '1' })).location)).toBe(true);

    kite.faults.afterCode = [{ kind: 'consent', accept: 'Approve', always: true }];
    const again = await pastTheCode(kite);
    expect((await again.go(`/connect/finish?api_key=${world.app.apiKey}&sess_id=${again.sessId}`)).location).toBe(`/connect/authorize?sess_id=${again.sessId}&v=3`);
  });

  it('a browser that has not passed the code reaches no step', async () => {
    const kite = await simulator([{ kind: 'offer', offer: 'passkey' }]);
    const start = await fetch(`${kite.loginUrl}?api_key=${world.app.apiKey}&v=3`, { redirect: 'manual' });
    const sessId = new URL(start.headers.get('location') ?? '', kite.origin).searchParams.get('sess_id') ?? '';
    const cookie = (start.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    const step = await fetch(`${kite.origin}/connect/step?sess_id=${sessId}&step=0`, { redirect: 'manual', headers: { Cookie: cookie } });
    expect(step.headers.get('location')).toBe('/dashboard');
    const posted = await fetch(`${kite.origin}/connect/step`, { method: 'POST', redirect: 'manual', headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' }, body: `sess_id=${sessId}&step=0&choice=1` });
    expect(posted.status).toBe(403);
    expect(kite.steps).toEqual([]);
  });
});
