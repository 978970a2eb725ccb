import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import { expect, test } from '../support/fixtures.js';
import { todayIsTradingEnv } from '../support/kite-world.js';
import { startReceiver } from '../support/receiver.js';
import { startRedisServer, stopAllRedisServers } from '../support/redis-server.js';

const PASSWORD = 'redis-secret-pw-7731';

test.afterAll(async () => { await stopAllRedisServers(); });

/** The next 06:00 IST (00:30 UTC) after `iso`. */
const nextSixIst = (iso: string): number => {
  const t = Date.parse(iso);
  const boundary = new Date(t);
  boundary.setUTCHours(0, 30, 0, 0);
  return boundary.getTime() > t ? boundary.getTime() : boundary.getTime() + 86_400_000;
};

test('login with REDIS_URL: the token file first, then the key (expiring at 06:00 IST) and a message without the token', async ({ kite }) => {
  const world = await kite();
  const redis = await startRedisServer({ requirepass: PASSWORD });
  const url = redis.url({ password: PASSWORD });
  const subscriber = new Redis(url, { enableReadyCheck: false, lazyConnect: true });
  const reader = new Redis(url, { enableReadyCheck: false, lazyConnect: true });
  try {
    await subscriber.connect();
    const messages: string[] = [];
    subscriber.on('message', (_channel: string, text: string) => { messages.push(text); });
    await subscriber.subscribe('kite-autologin:tokens');
    const { code, stdout, stderr } = await world.run(['login'], { REDIS_URL: url });
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/✓ token copied to Redis$/m); // once printed "(undefined)" after it
    const file = JSON.parse(await readFile(world.tokenFile, 'utf8')) as { access_token: string; login_time: string; api_key: string; user_id: string };
    const key = `kite-autologin:token:${world.app.apiKey}:${world.account.userId.toUpperCase()}`;
    await reader.connect();
    expect(JSON.parse(await reader.get(key) ?? '{}')).toEqual(file);
    const expiresAt = Date.now() + await reader.pttl(key);
    expect(Math.abs(expiresAt - nextSixIst(file.login_time))).toBeLessThan(5_000);
    await expect.poll(() => messages.length).toBe(1);
    const message = JSON.parse(messages[0] ?? '{}') as Record<string, string>;
    expect(message).toMatchObject({ api_key: world.app.apiKey, user_id: world.account.userId.toUpperCase(), issued_at: file.login_time });
    expect(messages[0]).not.toContain(file.access_token);
    // Redis carries the token only: the ledger and the lock are the record's (files here), never Redis keys.
    expect(await reader.keys('kite-autologin:*')).toEqual([`kite-autologin:token:${world.app.apiKey}:${world.account.userId.toUpperCase()}`]);
    expect((await stat(join(dirname(world.tokenFile), `kite-autologin-${world.account.userId.toUpperCase()}-${world.app.apiKey}.ledger.jsonl`))).isFile()).toBe(true);
    for (const secret of [PASSWORD, url, world.account.password, world.account.totpSecret]) {
      expect(stdout + stderr).not.toContain(secret);
    }
    // Again: the token is kept (no second password), found in Redis already, nothing re-sent.
    const again = await world.run(['login'], { REDIS_URL: url });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/still valid/);
    expect(world.sim.count('api-login')).toBe(1);
  } finally {
    subscriber.disconnect();
    reader.disconnect();
    await redis.stop();
  }
});

test('Redis down after the exchange: token kept in the record and the file, alert without secrets; the daemon copies it from the record once Redis is back', async ({ kite }) => {
  const world = await kite();
  const redis = await startRedisServer({ requirepass: PASSWORD });
  const url = redis.url({ password: PASSWORD });
  const receiver = await startReceiver();
  const env = { ...todayIsTradingEnv(), REDIS_URL: url, WEBHOOK_URL: `${receiver.url}/hook`, STEP_TIMEOUT_SECONDS: '4', LOG_LEVEL: 'debug' };
  const reader = new Redis(url, { enableReadyCheck: false, lazyConnect: true, retryStrategy: () => 200 });
  reader.on('error', () => undefined);
  try {
    // The profile check after the exchange answers late: Redis goes down in between.
    world.sim.faults.routes['user-profile'] = { latencyMs: 3_000, times: 1 };
    const once = world.spawn(['run', '--once'], env);
    await expect.poll(() => world.sim.count('session-token'), { timeout: 60_000 }).toBe(1);
    await redis.stop();
    const result = await once.result;
    expect(result.code, result.stderr).toBe(0);
    const file = JSON.parse(await readFile(world.tokenFile, 'utf8')) as { access_token: string };
    expect(file.access_token).toBeTruthy();
    expect(result.stderr).toMatch(/the token is saved, but Redis did not get it; retried from the record/);
    const hook = receiver.received.find((r) => r.path === '/hook');
    expect(JSON.parse(hook?.body ?? '{}')).toMatchObject({ event: 'redis-publish-failed', code: 'REDIS_UNAVAILABLE', userId: world.account.userId });
    for (const secret of [PASSWORD, url, file.access_token, world.account.password, world.account.totpSecret, world.app.apiSecret]) {
      expect(receiver.received.map((r) => r.body).join('\n')).not.toContain(secret);
      expect(result.stdout + result.stderr).not.toContain(secret);
    }

    // The daemon, with Redis still down: it keeps the token (no login), alerts, and retries.
    receiver.received.length = 0;
    const daemon = world.spawn(['run'], env);
    await expect.poll(() => receiver.received.some((r) => r.body.includes('redis-publish-failed')), { timeout: 30_000 }).toBe(true)
      .catch(async (error: unknown) => { daemon.kill('SIGTERM'); console.log((await daemon.result).stderr.slice(-6000)); throw error; });
    await redis.restart();
    await daemon.waitForOutput(/the token kept in the record was copied to Redis again/);
    await reader.connect();
    const key = `kite-autologin:token:${world.app.apiKey}:${world.account.userId.toUpperCase()}`;
    expect(JSON.parse(await reader.get(key) ?? '{}')).toMatchObject({ access_token: file.access_token });
    daemon.kill('SIGTERM');
    const stopped = await daemon.result;
    expect(stopped.code).toBe(0);
    for (const secret of [PASSWORD, url, file.access_token]) expect(stopped.stdout + stopped.stderr).not.toContain(secret);
    expect(world.sim.count('api-login')).toBe(1);
  } finally {
    reader.disconnect();
    await receiver.close();
    await redis.stop();
  }
});
