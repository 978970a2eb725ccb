import { afterEach, describe, expect, it } from 'vitest';
import { BACKGROUND_PATHS, sandboxAccount, startSimulator, totpAt, type SimAccount, type Simulator } from '@kite-autologin/simulator';
import { generateShape } from '@kite-autologin/simulator/shapes';

/**
 * A login page's background requests (beacons, analytics posts, some to /api/ paths): answered
 * 204, failed on purpose where a page shape says so, and recorded with their field names and
 * whether any value was a secret, never the values.
 */

const clock = Date.parse('2026-11-23T02:30:00Z');
let sim: Simulator | undefined;
let account: SimAccount;

async function simulator(shapeSeed?: number): Promise<Simulator> {
  const world = sandboxAccount();
  account = world.account;
  sim = await startSimulator({ accounts: [world.account], apps: [world.app], now: () => clock, shapeSeed });
  return sim;
}

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function beacon(kite: Simulator, path: string, form: Record<string, string>): Promise<Response> {
  return fetch(new URL(path, kite.origin), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
}

describe('background requests', () => {
  it('are answered 204 on every background path, recorded by route and by what they carried, and never count as a login', async () => {
    const kite = await simulator();
    for (const path of BACKGROUND_PATHS) {
      const res = await beacon(kite, path, { event: 'focus', via: 'beacon', page: 'k3j2h1', field: 'password', len: '12' });
      expect(res.status, path).toBe(204);
    }
    expect(kite.requests.map((r) => [r.route, r.path, r.status])).toEqual(BACKGROUND_PATHS.map((p) => ['background', p, 204]));
    expect(kite.background).toEqual(BACKGROUND_PATHS.map((path) => ({
      at: clock, path, event: 'focus', via: 'beacon', fields: ['event', 'via', 'page', 'field', 'len'], carriesSecret: false,
    })));
    expect([kite.count('api-login'), kite.count('api-twofa')]).toEqual([0, 0]);
    // A GET there is no beacon.
    expect((await fetch(`${kite.origin}/api/events`)).status).toBe(404);
  });

  it('a value that is (or holds) a password or a current TOTP is flagged; the value itself is never kept', async () => {
    const kite = await simulator();
    await beacon(kite, '/api/analytics', { event: 'input', value: `xx${account.password}` });
    await beacon(kite, '/collect', { event: 'input', value: totpAt(account.totpSecret, clock) });
    await beacon(kite, '/track', { event: 'input', len: String(account.password.length) });
    expect(kite.background.map((b) => b.carriesSecret)).toEqual([true, true, false]);
    expect(JSON.stringify([kite.background, kite.requests, kite.received])).not.toContain(account.password);
    expect(JSON.stringify(kite.background)).not.toContain(totpAt(account.totpSecret, clock));
  });

  it('a page shape\'s planned failures: its request ?r=N answered 500 or dropped, as drawn; any other 204', async () => {
    const shape = generateShape(5185);
    expect(shape.background.map((b) => [b.path, b.fail])).toEqual([['/track', 'drop'], ['/collect', '500']]);
    const kite = await simulator(5185);
    await expect(beacon(kite, '/track?r=0', { event: 'input' })).rejects.toThrow(/fetch failed/);
    const failed = await beacon(kite, '/collect?r=1', { event: 'submit' });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ status: 'error', error_type: 'GeneralException' });
    expect((await beacon(kite, '/collect?r=0', { event: 'submit' })).status).toBe(204); // not the path request 0 was drawn for
    expect((await beacon(kite, '/track', { event: 'submit' })).status).toBe(204);
    expect(kite.background.map((b) => b.path)).toEqual(['/track', '/collect', '/collect', '/track']);
    await expect.poll(() => kite.requests.filter((r) => r.route === 'background').map((r) => r.status).sort()).toEqual([0, 204, 204, 500]);
  });

  it('route faults apply to them as to any route', async () => {
    const kite = await simulator();
    kite.faults.routes.background = { status: 503, times: 1 };
    expect((await beacon(kite, '/api/events', {})).status).toBe(503);
    expect((await beacon(kite, '/api/events', {})).status).toBe(204);
  });
});
