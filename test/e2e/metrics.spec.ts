import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { SavedToken } from '../../src/token-store.js';
import { family, secretsOf } from '../support/family.js';
import { expect, test } from '../support/fixtures.js';
import { freePort } from '../support/free-port.js';
import { spawnCli, todayIsTradingEnv, type KiteWorld, type RunningCli } from '../support/kite-world.js';

/*
 * `run` with METRICS_PORT against the simulator: the daemon logs in, then its /metrics is
 * scraped as Prometheus would, and checked by Prometheus' own `promtool check metrics`.
 */

const PROMTOOL = [...(process.env['PATH'] ?? '').split(':').filter(Boolean), '/usr/bin'].map((folder) => join(folder, 'promtool')).find((path) => existsSync(path));

/** A daemon serving metrics on a free port, after its morning's login. */
async function daemonWithMetrics(world: KiteWorld, extra: Record<string, string> = {}): Promise<{ daemon: RunningCli; url: string }> {
  const port = await freePort();
  const daemon = world.spawn(['run'], { ...todayIsTradingEnv(), METRICS_PORT: String(port), ...extra });
  await daemon.waitForOutput(/"msg":"morning done: a valid token is saved"/);
  return { daemon, url: `http://127.0.0.1:${port}/metrics` };
}

/** The value of the one series `name{labels}` (labels as written, in order). */
const value = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

const refused = async (url: string): Promise<boolean> => fetch(url, { signal: AbortSignal.timeout(5_000) }).then(() => false, (error: unknown) => /ECONNREFUSED/.test(String((error as { cause?: unknown }).cause)));

test('the daemon serves the morning on /metrics: token expiry, last success, stop, submissions, duration, Kite\'s clock; no secret; 127.0.0.1 only; closed on SIGTERM', async ({ kite }) => {
  const world = await kite();
  const { daemon, url } = await daemonWithMetrics(world);
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  const token = JSON.parse(await readFile(world.tokenFile, 'utf8')) as SavedToken;
  const account = `account="${world.account.userId}"`;
  expect(value(text, `kite_autologin_token_expiry_timestamp_seconds{${account}}`)).toBe(Date.parse(token.expires_at) / 1000);
  expect(value(text, `kite_autologin_account_stopped{${account}}`)).toBe(0);
  expect(value(text, `kite_autologin_record_readable{${account}}`)).toBe(1);
  expect(value(text, `kite_autologin_last_success_timestamp_seconds{${account}}`)).toBeGreaterThanOrEqual(Date.parse(token.login_time) / 1000);
  expect(value(text, `kite_autologin_submissions_total{${account},factor="password",outcome="accepted"}`)).toBe(1);
  expect(value(text, `kite_autologin_submissions_total{${account},factor="totp",outcome="accepted"}`)).toBe(1);
  expect(value(text, `kite_autologin_submissions_total{${account},factor="password",outcome="rejected"}`)).toBe(0);
  expect(value(text, `kite_autologin_login_duration_seconds_count{${account},result="logged-in"}`)).toBe(1);
  expect(value(text, `kite_autologin_kite_clock_offset_seconds{${account}}`)).toEqual(expect.any(Number));
  expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
  for (const secret of [world.account.password, world.account.totpSecret, world.app.apiSecret, token.access_token, token.public_token]) expect(text).not.toContain(secret);

  // Bound to 127.0.0.1: another address of this machine is refused.
  const others = Object.values(networkInterfaces()).flat().filter((i) => i?.family === 'IPv4' && !i.internal).map((i) => i?.address);
  for (const address of ['127.0.0.2', ...others]) expect(await refused(url.replace('127.0.0.1', address ?? '')), address).toBe(true);

  daemon.kill('SIGTERM');
  const stopped = await daemon.result;
  expect(stopped.code, stopped.stderr).toBe(0);
  expect(await refused(url)).toBe(true);
});

test('the live scrape passes `promtool check metrics`', async ({ kite }) => {
  // Under CI a test that cannot run fails; here, without promtool, it says why.
  test.skip(PROMTOOL === undefined && !process.env['CI'], 'promtool is not installed (Debian: apt-get install prometheus): the scrape is not checked');
  if (PROMTOOL === undefined) throw new Error('promtool is needed (Debian\'s prometheus package): CI: this is a failure, not a skip');
  const world = await kite();
  const { daemon, url } = await daemonWithMetrics(world);
  const text = await (await fetch(url)).text();
  daemon.kill('SIGTERM');
  const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
  expect(`${check.stdout}${check.stderr}`.trim()).toBe('');
  expect((await daemon.result).code).toBe(0);
});

test('METRICS_HOST chooses the address; `run --once` serves nothing', async ({ kite }) => {
  const world = await kite();
  const { daemon, url } = await daemonWithMetrics(world, { METRICS_HOST: '127.0.0.2' });
  const moved = url.replace('127.0.0.1', '127.0.0.2');
  expect((await fetch(moved)).status).toBe(200);
  expect(await refused(url)).toBe(true);
  daemon.kill('SIGTERM');
  expect((await daemon.result).code).toBe(0);

  const port = await freePort();
  const once = world.spawn(['run', '--once'], { ...todayIsTradingEnv(), METRICS_PORT: String(port) });
  await once.waitForOutput(/today's token is still valid|Today's token is still valid|Logged in/i);
  expect(await refused(`http://127.0.0.1:${port}/metrics`)).toBe(true);
  const result = await once.result;
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).not.toContain('serving metrics');
});

test('with ACCOUNTS_FILE: a series per account, `name` when the file gives one, and the account Kite refused marked stopped', async () => {
  // The first user's password is wrong: Kite rejects it once, and the ledger stops that account.
  const f = await family({ wrongPasswordFor: 0 });
  try {
    const port = await freePort();
    const daemon = spawnCli(['run'], { ...f.env, ...todayIsTradingEnv(), METRICS_PORT: String(port) }, f.dir);
    const url = `http://127.0.0.1:${port}/metrics`;
    const [refusedUser, mother, third] = f.users.map((u) => u.userId) as [string, string, string];
    const labels: Record<string, string> = { [refusedUser]: `account="${refusedUser}"`, [mother]: `account="${mother}",name="Mother"`, [third]: `account="${third}"` };
    let text = '';
    // Until every morning has ended: the two good accounts hold a token, the refused one is stopped.
    await expect.poll(async () => {
      text = await fetch(url).then((r) => r.text(), () => '');
      return [
        value(text, `kite_autologin_account_stopped{${labels[refusedUser] ?? ''}}`),
        value(text, `kite_autologin_token_expiry_timestamp_seconds{${labels[mother] ?? ''}}`) !== undefined,
        value(text, `kite_autologin_token_expiry_timestamp_seconds{${labels[third] ?? ''}}`) !== undefined,
      ];
    }, { timeout: 45_000 }).toEqual([1, true, true]);
    expect(value(text, `kite_autologin_account_stopped{${labels[mother] ?? ''}}`)).toBe(0);
    expect(value(text, `kite_autologin_account_stopped{${labels[third] ?? ''}}`)).toBe(0);
    expect(value(text, `kite_autologin_token_expiry_timestamp_seconds{${labels[refusedUser] ?? ''}}`)).toBeUndefined();
    expect(value(text, `kite_autologin_submissions_total{${labels[refusedUser] ?? ''},factor="password",outcome="rejected"}`)).toBe(1);
    expect(value(text, `kite_autologin_submissions_total{${labels[refusedUser] ?? ''},factor="totp",outcome="accepted"}`)).toBe(0);
    expect(value(text, `kite_autologin_submissions_total{${labels[mother] ?? ''},factor="totp",outcome="accepted"}`)).toBe(1);
    // The name goes with every series of its account, the histogram's too.
    expect(text.split('\n').filter((l) => l.includes(`account="${mother}"`) && !l.includes('name="Mother"'))).toEqual([]);
    for (const secret of [...secretsOf(f.users), ...f.users.map((u) => `${u.password}-wrong`)]) expect(text).not.toContain(secret);
    for (const userId of [mother, third]) {
      const token = JSON.parse(await readFile(f.tokenOf(userId), 'utf8')) as SavedToken;
      for (const secret of [token.access_token, token.public_token]) expect(text).not.toContain(secret);
    }
    daemon.kill('SIGTERM');
    expect((await daemon.result).code).toBe(0);
  } finally {
    await f.close();
  }
});

test('a METRICS_PORT that is not a port, or is taken: a configuration error naming it, exit 2, before any login', async ({ kite }) => {
  const world = await kite();
  const bad = await world.run(['run'], { ...todayIsTradingEnv(), METRICS_PORT: 'metrics' });
  expect(bad.code, bad.stderr).toBe(2);
  expect(bad.stderr).toContain('CONFIG_INVALID');
  expect(bad.stderr).toMatch(/METRICS_PORT: must be a TCP port from 1 to 65535, e\.g\. 9464/);

  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  try {
    const port = (taken.address() as { port: number }).port;
    const busy = await world.run(['run'], { ...todayIsTradingEnv(), METRICS_PORT: String(port) });
    expect(busy.code, busy.stderr).toBe(2);
    expect(busy.stderr).toContain('CONFIG_INVALID');
    expect(busy.stderr).toContain(`METRICS_PORT: cannot serve /metrics on 127.0.0.1:${port}: the port is taken by another process`);
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
  // Neither started a morning: no token was fetched.
  await expect(access(world.tokenFile)).rejects.toThrow();
});
