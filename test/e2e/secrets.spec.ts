import { readFile } from 'node:fs/promises';
import type { SavedToken } from '../../src/token-store.js';
import { expect, test } from '../support/fixtures.js';

test('at trace level, nothing printed holds a secret', async ({ kite }) => {
  const world = await kite();
  const first = await world.run(['login'], { LOG_LEVEL: 'trace' });
  const dry = await world.run(['login', '--dry-run'], { LOG_LEVEL: 'trace' });
  const status = await world.run(['status', '--check', '--json'], { LOG_LEVEL: 'trace' });
  expect(first.code, first.stderr).toBe(0);
  expect(dry.code, dry.stderr).toBe(0);
  expect(status.code, status.stderr).toBe(0);
  const printed = [first, dry, status].map((r) => `${r.stdout}\n${r.stderr}`).join('\n');
  // The trace level really is on: requests are logged.
  expect(printed).toMatch(/"msg":"browser request"/);

  const saved = JSON.parse(await readFile(world.tokenFile, 'utf8')) as SavedToken;
  const secrets: Record<string, string> = {
    password: world.account.password,
    totpSecret: world.account.totpSecret,
    apiSecret: world.app.apiSecret,
    accessToken: saved.access_token,
  };
  world.sim.rules.issuedSecrets.forEach((value, i) => { secrets[`issued#${i}`] = value; });
  expect(world.sim.rules.issuedSecrets.length).toBeGreaterThanOrEqual(6); // 2 codes, 2 request tokens, a session's tokens
  for (const [name, value] of Object.entries(secrets)) {
    const pattern = /^\d{6}$/.test(value) ? new RegExp(`\\b${value}\\b`) : new RegExp(value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    expect(pattern.test(printed), `${name} appears in the output`).toBe(false);
  }
});
