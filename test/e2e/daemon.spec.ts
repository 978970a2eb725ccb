import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SavedToken } from '../../src/token-store.js';
import { expect, test } from '../support/fixtures.js';
import { todayIsTradingEnv } from '../support/kite-world.js';
import { startReceiver } from '../support/receiver.js';

test('the daemon catches up at start, is healthy, stops on SIGTERM, and a restart does not log in again', async ({ kite }) => {
  const world = await kite();
  const env = { ...todayIsTradingEnv(), LOG_LEVEL: 'debug' };
  expect((await world.run(['health'], env)).code).toBe(1);
  const daemon = world.spawn(['run'], env);
  await daemon.waitForOutput(/"msg":"morning done: a valid token is saved"/);
  expect(world.sim.count('api-login')).toBe(1);
  const health = await world.run(['health'], env);
  expect(health.code, health.stdout).toBe(0);
  expect(health.stdout).toMatch(/daemon alive/);
  expect((await world.run(['status'], env)).stdout).toMatch(/Last attempt: .*logged-in/);
  // Idle: no browser between runs.
  await expect.poll(() => world.browsers(), { timeout: 5_000 }).toEqual([]);

  daemon.kill('SIGTERM');
  const stopped = await daemon.result;
  expect(stopped.code).toBe(0);
  expect(stopped.stderr).toMatch(/"msg":"stopped"/);
  const after = await world.run(['health'], env);
  expect(after.code).toBe(1);
  expect(after.stdout).toMatch(/daemon is not running/);

  const restarted = world.spawn(['run'], env);
  await restarted.waitForOutput(/today's token is valid","msg":"no run"/);
  restarted.kill('SIGTERM');
  expect((await restarted.result).code).toBe(0);
  expect(world.sim.count('api-login')).toBe(1);
});

test('SIGTERM during a login: browser closed, lock released, token file intact, in bounded time', async ({ kite }) => {
  const world = await kite();
  await mkdir(dirname(world.tokenFile), { recursive: true });
  await writeFile(world.tokenFile, '{"previous":"token"}\n', { mode: 0o600 });
  world.sim.faults.routes['app-script'] = { latencyMs: 60_000 };
  const daemon = world.spawn(['run'], todayIsTradingEnv());
  await daemon.waitForOutput(/"step":"browser-launch"/);
  await expect.poll(() => world.sim.count('connect-login')).toBeGreaterThanOrEqual(2);
  // The browser and its children (the renderer): all are found, and all must go.
  expect(world.browsers().length).toBeGreaterThan(1);
  const signalledAt = Date.now();
  daemon.kill('SIGTERM');
  const result = await daemon.result;
  expect(result.code).toBe(0);
  expect(Date.now() - signalledAt).toBeLessThan(20_000);
  await expect.poll(() => world.browsers(), { timeout: 5_000 }).toEqual([]);
  expect(await readFile(world.tokenFile, 'utf8')).toBe('{"previous":"token"}\n');
  expect(await locksIn(dirname(world.tokenFile))).toEqual([]);
});

test('a second SIGTERM exits at once (130), and the login still winds down: browser closed, lock released', async ({ kite }) => {
  const world = await kite();
  world.sim.faults.routes['app-script'] = { latencyMs: 60_000 };
  const daemon = world.spawn(['run'], todayIsTradingEnv());
  await daemon.waitForOutput(/"step":"browser-launch"/);
  await expect.poll(() => world.sim.count('connect-login')).toBeGreaterThanOrEqual(2);
  expect(await locksIn(dirname(world.tokenFile))).toHaveLength(1);
  daemon.kill('SIGTERM');
  await daemon.waitForOutput(/SIGTERM received, stopping/);
  daemon.kill('SIGTERM');
  const result = await daemon.result;
  expect(result.code).toBe(130);
  // The attempt process outlives the daemon by moments: it was told too, and cleans up.
  await expect.poll(() => world.browsers(), { timeout: 10_000 }).toEqual([]);
  await expect.poll(() => locksIn(dirname(world.tokenFile)), { timeout: 10_000 }).toEqual([]);
});

test('a failure reaches the webhook, Telegram and the heartbeat, with no secret in them', async ({ kite }) => {
  const world = await kite();
  const receiver = await startReceiver();
  const botToken = '123456:SECRET-bot-token';
  const env = {
    ...todayIsTradingEnv(),
    KITE_PASSWORD: 'wrong-password-123',
    WEBHOOK_URL: `${receiver.url}/hook`,
    TELEGRAM_BOT_TOKEN: botToken,
    TELEGRAM_CHAT_ID: '-1001',
    TELEGRAM_API_ROOT: receiver.url,
    HEARTBEAT_URL: `${receiver.url}/ping/abc`,
  };
  try {
    const { code, stderr } = await world.run(['run', '--once'], env);
    expect(code).toBe(3);
    const hook = receiver.received.find((r) => r.path === '/hook');
    expect(hook?.method).toBe('POST');
    const notice = JSON.parse(hook?.body ?? '{}') as { next?: unknown };
    expect(notice).toMatchObject({ source: 'kite-autologin', event: 'halted', code: 'CREDENTIALS_REJECTED', step: 'credentials', userId: world.account.userId });
    expect(notice.next).toMatch(/kite-autologin resume/);
    const telegram = receiver.received.find((r) => r.path === `/bot${botToken}/sendMessage`);
    expect(JSON.parse(telegram?.body ?? '{}')).toMatchObject({ chat_id: '-1001', text: expect.stringContaining('CREDENTIALS_REJECTED') });
    expect(receiver.received.map((r) => r.path)).toContain('/ping/abc/fail');
    const bodies = receiver.received.map((r) => r.body).join('\n');
    for (const secret of ['wrong-password-123', world.account.password, world.account.totpSecret, world.app.apiSecret, botToken]) {
      expect(bodies).not.toContain(secret);
      expect(stderr).not.toContain(secret);
    }
  } finally {
    await receiver.close();
  }
});

test('success can be notified too; a failing notifier never breaks the run', async ({ kite }) => {
  const world = await kite();
  const ok = await startReceiver();
  const broken = await startReceiver(500);
  try {
    const { code, stderr } = await world.run(['run', '--once'], {
      ...todayIsTradingEnv(), NOTIFY_ON_SUCCESS: 'true',
      WEBHOOK_URL: `${broken.url}/hook`, TELEGRAM_BOT_TOKEN: 't', TELEGRAM_CHAT_ID: '1', TELEGRAM_API_ROOT: 'http://127.0.0.1:9',
      HEARTBEAT_URL: `${ok.url}/ping`,
    });
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/"channel":"webhook","status":500,"msg":"notification refused"/);
    expect(stderr).toMatch(/"channel":"telegram".*"msg":"notification failed"/);
    expect(ok.received.map((r) => r.path)).toEqual(['/ping']);
    expect(JSON.parse(broken.received[0]?.body ?? '{}')).toMatchObject({ event: 'login-succeeded' });
    const token = JSON.parse(await readFile(world.tokenFile, 'utf8')) as SavedToken;
    expect(broken.received[0]?.body).not.toContain(token.access_token);
    // The notifiers' URLs carry secrets of their own (tokens in paths): never logged.
    for (const url of [ok.url, broken.url, '/bot']) expect(stderr).not.toContain(url);
  } finally {
    await ok.close();
    await broken.close();
  }
});

/** The account locks held in a folder (a lock is a folder named *.lock). */
async function locksIn(folder: string): Promise<string[]> {
  return (await readdir(folder)).filter((name) => name.endsWith('.lock'));
}
