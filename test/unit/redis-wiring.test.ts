import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { Notice } from '../../src/notify/notice.js';
import { tokenKey } from '../../src/redis/keys.js';
import { createRedisClient, type RedisClient } from '../../src/redis/redis-client.js';
import { parseRedisUrl } from '../../src/redis/redis-url.js';
import { publishToken } from '../../src/redis/token-channel.js';
import { lastSessionBoundary } from '../../src/time/ist.js';
import { buildSavedToken, TokenStore, type SavedToken } from '../../src/token-store.js';
import { redisForDaemon, type DaemonRedis } from '../../src/wiring/redis-wiring.js';
import { testDaemonConfig } from '../support/daemon-config.js';
import { startRedisServer, stopAllRedisServers, type RedisServer } from '../support/redis-server.js';

const PASSWORD = 'wiring-redis-pw-5521';
/** Minutes after this session began (06:00 IST): tokens of one session, however close to its end the test runs. */
const sessionMinute = (minutes: number): Date => new Date(lastSessionBoundary(new Date()).getTime() + minutes * 60_000);

function token(accessToken: string, loginTime = new Date()): SavedToken {
  return buildSavedToken({
    accessToken, publicToken: 'public', apiKey: 'k', userId: 'AB1234', userName: 'A', userShortname: 'A', email: 'a@example.com', loginTime,
  }, loginTime);
}

describe('the daemon\'s Redis wiring (real Redis)', () => {
  let server: RedisServer;
  let admin: RedisClient;
  let dir: string;
  let wired: DaemonRedis | undefined;
  const notices: Notice[] = [];
  const notifier = { notify: (n: Notice) => { notices.push(n); return Promise.resolve(); }, heartbeat: () => Promise.resolve() };

  beforeAll(async () => {
    server = await startRedisServer({ requirepass: PASSWORD });
    admin = createRedisClient(parseRedisUrl(server.url({ password: PASSWORD })));
  });
  afterAll(async () => {
    await admin.close();
    await stopAllRedisServers();
  });
  afterEach(async () => {
    await wired?.close();
    wired = undefined;
    notices.length = 0;
    if (!server.running) await server.restart();
    await admin.call('FLUSHALL');
    await rm(dir, { recursive: true, force: true });
  });

  const wire = async () => {
    dir = await mkdtemp(join(tmpdir(), 'kal-wiring-'));
    const config = testDaemonConfig(dir, { REDIS_URL: server.url({ password: PASSWORD }) });
    wired = redisForDaemon(config, { logger: createLogger('silent'), notifier });
    return { config, redis: wired as DaemonRedis };
  };

  it('is absent without REDIS_URL: files only', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kal-wiring-'));
    expect(redisForDaemon(testDaemonConfig(dir), { logger: createLogger('silent') })).toBeUndefined();
  });

  it('no token anywhere: not valid; another host\'s token in Redis: valid, and copied into this host\'s file', async () => {
    const { config, redis } = await wire();
    expect(await redis.tokenValid(config, new Date())).toBe(false);
    const theirs = token('their-access-token');
    expect(await publishToken(admin, theirs, new Date())).toBe('published');
    expect(await redis.tokenValid(config, new Date())).toBe(true);
    expect(JSON.parse(await readFile(config.tokenFile, 'utf8'))).toEqual(theirs);
  });

  it('no token in the file and Redis down: an error, never "no token"', async () => {
    const { config, redis } = await wire();
    await server.stop();
    await expect(redis.tokenValid(config, new Date())).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE' });
  });

  it('a saved token Redis lacks: valid at once; while Redis is down, one alert without secrets; it lands once Redis is back', async () => {
    const { config, redis } = await wire();
    const mine = token('my-access-token-secret');
    await new TokenStore(config.tokenFile).write(mine);
    await server.stop();
    expect(await redis.tokenValid(config, new Date())).toBe(true);
    await expect.poll(() => notices.length, { timeout: 10_000 }).toBe(1);
    expect(notices[0]).toMatchObject({ event: 'redis-publish-failed', code: 'REDIS_UNAVAILABLE', userId: 'AB1234' });
    expect(JSON.stringify(notices)).not.toContain('my-access-token-secret');
    expect(JSON.stringify(notices)).not.toContain(PASSWORD);
    await server.restart();
    await expect.poll(async () => admin.call('GET', tokenKey('k', 'AB1234')).catch(() => null), { timeout: 15_000 }).toBe(JSON.stringify(mine));
    expect(redis.outbox.pending).toBe(0);
    expect(notices).toHaveLength(1);
  });

  it('a newer token in Redis (another host logged in later) replaces the one in the file, even after the file\'s landed', async () => {
    const { config, redis } = await wire();
    const mine = token('my-earlier-access-token', sessionMinute(1));
    await new TokenStore(config.tokenFile).write(mine);
    // Ours lands first: the outbox copies it, and a second ask finds it there.
    expect(await redis.tokenValid(config, new Date())).toBe(true);
    await expect.poll(async () => admin.call('GET', tokenKey('k', 'AB1234')), { timeout: 10_000 }).toBe(JSON.stringify(mine));
    expect(await redis.tokenValid(config, new Date())).toBe(true);
    // Host B logs in again (`login --force`): Kite ended our session; B's token is in Redis.
    const theirs = token('their-later-access-token', sessionMinute(2));
    expect(await publishToken(admin, theirs, new Date())).toBe('published');
    expect(await redis.tokenValid(config, new Date())).toBe(true);
    expect(JSON.parse(await readFile(config.tokenFile, 'utf8'))).toEqual(theirs);
    // Nothing sends ours back over theirs.
    expect(redis.outbox.pending).toBe(0);
    expect(await admin.call('GET', tokenKey('k', 'AB1234'))).toBe(JSON.stringify(theirs));
  });

  it('an older token in Redis than the file\'s: the file is kept and copied to Redis', async () => {
    const { config, redis } = await wire();
    const old = token('their-older-access-token', sessionMinute(1));
    expect(await publishToken(admin, old, new Date())).toBe('published');
    const mine = token('my-newer-access-token', sessionMinute(2));
    await new TokenStore(config.tokenFile).write(mine);
    expect(await redis.tokenValid(config, new Date())).toBe(true);
    expect(JSON.parse(await readFile(config.tokenFile, 'utf8'))).toEqual(mine);
    await expect.poll(async () => admin.call('GET', tokenKey('k', 'AB1234')), { timeout: 10_000 }).toBe(JSON.stringify(mine));
  });

  it('a current token in the file and Redis down after it landed: still valid, nothing thrown', async () => {
    const { config, redis } = await wire();
    const mine = token('my-landed-access-token');
    await new TokenStore(config.tokenFile).write(mine);
    expect(await redis.tokenValid(config, new Date())).toBe(true);
    await expect.poll(async () => admin.call('GET', tokenKey('k', 'AB1234')), { timeout: 10_000 }).toBe(JSON.stringify(mine));
    await server.stop();
    expect(await redis.tokenValid(config, new Date())).toBe(true);
    expect(JSON.parse(await readFile(config.tokenFile, 'utf8'))).toEqual(mine);
    expect(redis.outbox.pending).toBe(0);
  });
});
