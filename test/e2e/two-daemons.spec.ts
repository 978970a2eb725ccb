import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { expect, test } from '../support/fixtures.js';
import { todayIsTradingEnv } from '../support/kite-world.js';
import { startRedisServer, stopAllRedisServers } from '../support/redis-server.js';

const PASSWORD = 'two-hosts-redis-pw-4410';

test.afterAll(async () => { await stopAllRedisServers(); });

test('two daemons, same account, same Redis, separate folders: one password submission, both hold the valid token', async ({ kite }) => {
  const world = await kite();
  const redis = await startRedisServer({ requirepass: PASSWORD });
  const url = redis.url({ password: PASSWORD });
  const reader = new Redis(url, { enableReadyCheck: false, lazyConnect: true });
  const hostA = join(world.dir, 'host-a', 'kite-token.json');
  const hostB = join(world.dir, 'host-b', 'kite-token.json');
  const env = { ...todayIsTradingEnv(), REDIS_URL: url, LOG_LEVEL: 'debug' };
  const a = world.spawn(['run'], { ...env, TOKEN_FILE: hostA });
  const b = world.spawn(['run'], { ...env, TOKEN_FILE: hostB });
  try {
    await Promise.all([a, b].map((daemon) => daemon.waitForOutput(/"msg":"morning done: a valid token is saved"/)));
    expect(world.sim.count('api-login')).toBe(1);
    const [tokenA, tokenB] = await Promise.all([hostA, hostB].map(async (file) => JSON.parse(await readFile(file, 'utf8')) as { access_token: string }));
    expect(tokenA?.access_token).toBeTruthy();
    expect(tokenB?.access_token).toBe(tokenA?.access_token);
    await reader.connect();
    const key = `kite-autologin:token:${world.app.apiKey}:${world.account.userId.toUpperCase()}`;
    expect(JSON.parse(await reader.get(key) ?? '{}')).toMatchObject({ access_token: tokenA?.access_token });
    // Kite accepts it: the other's login did not end this session.
    expect(world.sim.count('session-token')).toBe(1);
  } finally {
    a.kill('SIGTERM');
    b.kill('SIGTERM');
    const results = await Promise.all([a.result, b.result]);
    reader.disconnect();
    await redis.stop();
    for (const result of results) {
      expect(result.code).toBe(0);
      expect(result.stdout + result.stderr).not.toContain(PASSWORD);
      expect(result.stdout + result.stderr).not.toContain(world.account.password);
    }
  }
});
