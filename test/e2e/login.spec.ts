import { createServer, type Server } from 'node:net';
import { readFile, stat } from 'node:fs/promises';
import type { SavedToken } from '../../src/token-store.js';
import { expect, test } from '../support/fixtures.js';

const readSaved = async (file: string): Promise<SavedToken> => JSON.parse(await readFile(file, 'utf8')) as SavedToken;

test('first login shows the consent page and authorises the app; the next one does not', async ({ kite }) => {
  const world = await kite();
  const first = await world.run(['login']);
  expect(first.code, first.stderr).toBe(0);
  expect(first.stdout).toContain('authorised on the consent page');
  expect(world.sim.count('connect-authorize')).toBe(2); // the page, then its form post
  const second = await world.run(['login', '--force']);
  expect(second.code, second.stderr).toBe(0);
  expect(second.stdout).not.toContain('consent page');
  expect(world.sim.count('connect-authorize')).toBe(2);
});

test('reads the request_token from the redirect without ever connecting to the redirect host', async ({ kite }) => {
  let connections = 0;
  const listener: Server = createServer((socket) => { connections += 1; socket.destroy(); });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as { port: number }).port;
  const world = await kite({ redirectUrl: `http://127.0.0.1:${port}/kite/callback` });
  try {
    const { code, stderr } = await world.run(['login']);
    expect(code, stderr).toBe(0);
    expect(world.sim.count('session-token')).toBe(1);
    expect(connections).toBe(0);
  } finally {
    listener.close();
  }
});

test('saves the token as 0600 JSON with IST times and an expiry at the next 06:00 IST', async ({ kite }) => {
  const world = await kite();
  const { code, stderr } = await world.run(['login']);
  expect(code, stderr).toBe(0);
  expect((await stat(world.tokenFile)).mode & 0o777).toBe(0o600);
  const saved = JSON.parse(await readFile(world.tokenFile, 'utf8')) as SavedToken & Record<string, unknown>;
  for (const key of ['access_token', 'public_token', 'user_id', 'user_name', 'api_key', 'login_time', 'expires_at']) {
    expect(saved[key], key).toEqual(expect.any(String));
  }
  expect(saved.login_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30$/);
  expect(saved.expires_at).toMatch(/T06:00:00\+05:30$/);
  const left = Date.parse(saved.expires_at) - Date.parse(saved.login_time);
  expect(left).toBeGreaterThan(0);
  expect(left).toBeLessThanOrEqual(24 * 3600_000);
});

test('--dry-run stops at the request_token: no exchange, no token written, says the ledger records it, steps printed masked', async ({ kite }) => {
  const world = await kite();
  const { code, stdout, stderr } = await world.run(['login', '--dry-run']);
  expect(code, stderr).toBe(0);
  expect(stdout).toMatch(/request_token captured/);
  expect(stdout).toMatch(/dry run: stopped before the exchange/);
  expect(stdout).toMatch(/no token written \(the attempt ledger records what is sent to Kite\)/);
  expect(stdout).toContain('password ********');
  expect(stdout).not.toContain(world.account.password);
  expect(world.sim.count('api-twofa')).toBe(1);
  expect(world.sim.count('session-token')).toBe(0);
  await expect(stat(world.tokenFile)).rejects.toThrow(/ENOENT/);
});

test('does nothing while today\'s token is valid; --force logs in again and ends the old session', async ({ kite }) => {
  const world = await kite();
  expect((await world.run(['login'])).code).toBe(0);
  const first = await readSaved(world.tokenFile);

  const again = await world.run(['login']);
  expect(again.code, again.stderr).toBe(0);
  expect(again.stdout).toMatch(/still valid/);
  expect(world.sim.count('api-login')).toBe(1);
  expect(world.sim.count('user-profile')).toBe(2); // the first login's check, then this one's
  expect((await readSaved(world.tokenFile)).access_token).toBe(first.access_token);

  const forced = await world.run(['login', '--force']);
  expect(forced.code, forced.stderr).toBe(0);
  expect(world.sim.count('api-login')).toBe(2);
  const second = await readSaved(world.tokenFile);
  expect(second.access_token).not.toBe(first.access_token);
  // One session per app: the old token is dead now.
  expect(world.sim.rules.profile(`token ${first.api_key}:${first.access_token}`).status).toBe(403);
});

test('logs in again when Kite no longer accepts the saved token', async ({ kite }) => {
  const world = await kite();
  expect((await world.run(['login'])).code).toBe(0);
  // Another login for the same app (another machine, a by-hand login) kills the saved token.
  const other = await world.run(['login', '--force'], { TOKEN_FILE: `${world.dir}/other/token.json` });
  expect(other.code).toBe(0);
  const again = await world.run(['login']);
  expect(again.code, again.stderr).toBe(0);
  expect(again.stdout).toMatch(/Kite no longer accepts the saved token/);
  expect(world.sim.count('api-login')).toBe(3);
});

test('status reports the saved token, and --check asks Kite', async ({ kite }) => {
  const world = await kite();
  const before = await world.run(['status']);
  expect(before.code).toBe(1);
  expect(before.stdout).toMatch(/No valid token/);
  expect((await world.run(['login'])).code).toBe(0);
  const after = await world.run(['status', '--check']);
  expect(after.code, after.stderr).toBe(0);
  expect(after.stdout).toContain(world.account.userId);
  expect(after.stdout).toMatch(/Valid:\s+yes \(Kite accepts it\)/);
  const json: unknown = JSON.parse((await world.run(['status', '--json'])).stdout);
  expect(json).toMatchObject({ userId: world.account.userId, valid: true });
  expect(JSON.stringify(json)).not.toContain((await readSaved(world.tokenFile)).access_token);
});

test('sandbox runs the whole flow against its own simulator and never touches TOKEN_FILE', async ({ kite }) => {
  const world = await kite();
  const { code, stdout, stderr } = await world.run(['sandbox']);
  expect(code, stderr).toBe(0);
  expect(stdout).toMatch(/password attempts: 1, TOTP attempts: 1, consent page shown: yes/);
  expect(stdout).toMatch(/Sandbox login worked/);
  expect((await stat(`${world.dir}/data/sandbox-token.json`)).mode & 0o777).toBe(0o600);
  await expect(stat(world.tokenFile)).rejects.toThrow(/ENOENT/);
  expect(world.sim.requests).toHaveLength(0);
});

test('npm start with no credentials at all runs the sandbox instead', async ({ kite }) => {
  const world = await kite();
  const bare = { PATH: world.env['PATH'] ?? '', HOME: world.dir, TMPDIR: world.dir, TOKEN_FILE: world.tokenFile };
  const { spawnCli } = await import('../support/kite-world.js');
  const { code, stdout, stderr } = await spawnCli(['login', '--sandbox-when-unconfigured'], bare, world.dir).result;
  expect(code, stderr).toBe(0);
  expect(stdout).toMatch(/No Kite credentials are configured/);
  expect(stdout).toMatch(/Sandbox login worked/);
  // The same command with part of a configuration must fail loudly, not play in the sandbox.
  const partial = await spawnCli(['login', '--sandbox-when-unconfigured'], { ...bare, KITE_USER_ID: 'AB1234' }, world.dir).result;
  expect(partial.code).toBe(2);
  expect(partial.stderr).toContain('KITE_PASSWORD');
});
