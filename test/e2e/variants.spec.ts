import { readFile } from 'node:fs/promises';
import type { SavedToken } from '../../src/token-store.js';
import { expect, test } from '../support/fixtures.js';

// Every login page Kite has served (the current one, a self-submitting one, TOTP and PIN second
// factors), one unchanged flow: the tool does not know which one it faces.
for (const variant of ['newest', 'autosubmit', 'totp', 'pin'] as const) {
  test(`logs in on the ${variant} login page`, async ({ kite }) => {
    const world = await kite({ variant });
    const { code, stdout, stderr } = await world.run(['login']);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`Logged in as ${world.account.userId}`);
    // Exactly one attempt of each: the self-submitting page must not get the code twice.
    expect(world.sim.count('api-login')).toBe(1);
    expect(world.sim.count('api-twofa')).toBe(1);
    expect(world.sim.count('session-token')).toBe(1);
    const saved = JSON.parse(await readFile(world.tokenFile, 'utf8')) as SavedToken;
    expect(saved.user_id).toBe(world.account.userId);
    expect(world.sim.rules.profile(`token ${saved.api_key}:${saved.access_token}`).status).toBe(200);
  });
}

test('the 2018 page asks security questions: refused clearly, nothing typed into them', async ({ kite }) => {
  const world = await kite({ variant: '2018' });
  const { code, stderr } = await world.run(['login']);
  expect(code).toBe(4);
  expect(stderr).toContain('TWOFA_UNSUPPORTED');
  expect(stderr).toMatch(/security questions/);
  expect(world.sim.count('api-login')).toBe(1);
  expect(world.sim.count('api-twofa')).toBe(0);
});
