import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { expect, test } from '../support/fixtures.js';
import { generateSecret } from 'otplib';

test('a wrong password: exit 3, exactly one password attempt, the saved token untouched', async ({ kite }) => {
  const world = await kite();
  await mkdir(dirname(world.tokenFile), { recursive: true });
  await writeFile(world.tokenFile, '{"keep":"me"}\n', { mode: 0o600 });
  const { code, stderr } = await world.run(['login', '--force'], { KITE_PASSWORD: 'not-the-password' });
  expect(code).toBe(3);
  expect(stderr).toContain('CREDENTIALS_REJECTED');
  expect(stderr).toMatch(/4 attempts remain/);
  expect(stderr).not.toContain('not-the-password');
  expect(world.sim.count('api-login')).toBe(1);
  expect(world.sim.count('api-twofa')).toBe(0);
  expect(await readFile(world.tokenFile, 'utf8')).toBe('{"keep":"me"}\n');
  // `status` tells how the manual login ended (it once said "Last attempt: none").
  const status = await world.run(['status']);
  expect(status.stdout).toMatch(/Last attempt: \S+ \(\d{4}-\d\d-\d\d, login\): failed CREDENTIALS_REJECTED at credentials, 1 attempt/);
});

test('an unknown user id: exit 3, one attempt', async ({ kite }) => {
  const world = await kite({ variant: 'totp' });
  const { code, stderr } = await world.run(['login'], { KITE_USER_ID: 'ZZ9999' });
  expect(code).toBe(3);
  expect(stderr).toContain('USER_NOT_FOUND');
  expect(stderr).toMatch(/User profile not found/);
  expect(world.sim.count('api-login')).toBe(1);
});

test('a wrong TOTP secret: exit 3 TOTP_REJECTED after one code, never retried', async ({ kite }) => {
  const world = await kite();
  const wrong = generateSecret();
  const { code, stderr } = await world.run(['login'], { KITE_TOTP_SECRET: wrong });
  expect(code).toBe(3);
  expect(stderr).toContain('TOTP_REJECTED');
  expect(stderr).not.toContain(wrong);
  expect(world.sim.count('api-login')).toBe(1);
  expect(world.sim.count('api-twofa')).toBe(1);
  expect(world.sim.count('session-token')).toBe(0);
});

test('a blocked account is reported as such and not tried further', async ({ kite }) => {
  const world = await kite();
  for (let i = 0; i < 5; i += 1) world.sim.rules.login(world.account.userId, 'wrong');
  const { code, stderr } = await world.run(['login']);
  expect(code).toBe(3);
  expect(stderr).toContain('ACCOUNT_BLOCKED');
  expect(world.sim.count('api-login')).toBe(1);
});

test('a wrong api_key is a configuration error (exit 2) before any password is typed', async ({ kite }) => {
  const world = await kite();
  const { code, stderr } = await world.run(['login'], { KITE_API_KEY: 'nosuchkey' });
  expect(code).toBe(2);
  expect(stderr).toContain('API_KEY_REJECTED');
  expect(world.sim.count('api-login')).toBe(0);
});

test('a wrong api_secret: the checksum is refused, exit 2, nothing saved', async ({ kite }) => {
  const world = await kite();
  const { code, stderr } = await world.run(['login'], { KITE_API_SECRET: 'f'.repeat(32) });
  expect(code).toBe(2);
  expect(stderr).toContain('API_SECRET_REJECTED');
  expect(stderr).not.toContain('f'.repeat(32));
  expect(world.sim.count('session-token')).toBe(1);
  await expect(readFile(world.tokenFile)).rejects.toThrow(/ENOENT/);
});

test('Kite API down during the exchange: exit 1 KITE_UNAVAILABLE, nothing saved', async ({ kite }) => {
  const world = await kite();
  world.sim.faults.routes['session-token'] = { status: 502 };
  const { code, stderr } = await world.run(['login']);
  expect(code).toBe(1);
  expect(stderr).toContain('KITE_UNAVAILABLE');
  await expect(readFile(world.tokenFile)).rejects.toThrow(/ENOENT/);
});
