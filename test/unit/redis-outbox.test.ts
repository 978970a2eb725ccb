import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../src/redis/redis-client.js';
import { RedisUnavailableError } from '../../src/redis/redis-error.js';
import { parseRedisUrl } from '../../src/redis/redis-url.js';
import { publishToken, readToken, type PublishOutcome } from '../../src/redis/token-channel.js';
import { createTokenOutbox, type OutboxFailure } from '../../src/redis/token-outbox.js';
import { fromIstParts } from '../../src/time/ist.js';
import { buildSavedToken, TokenStore, type SavedToken } from '../../src/token-store.js';
import { runningRedisServers, startRedisServer, stopAllRedisServers } from '../support/redis-server.js';

function tokenIssuedAt(loginTime: Date, userId = 'AB1234', accessToken = 'access-secret-0001'): SavedToken {
  return buildSavedToken({
    accessToken, publicToken: 'public-secret-0001', apiKey: 'abc123', userId, userName: 'A Trader',
    userShortname: 'Trader', email: 'trader@example.com', loginTime,
  }, loginTime);
}

/** A wall clock and a sleep that only moves it (or, with `hold`, waits to be aborted). */
function fakeTime(start: Date) {
  const time = {
    now: start.getTime(),
    slept: [] as number[],
    hold: false,
    sleep: (ms: number, signal?: AbortSignal): Promise<void> => {
      time.slept.push(ms);
      if (!time.hold) { time.now += ms; return Promise.resolve(); }
      return new Promise((_resolve, reject) => { signal?.addEventListener('abort', () => { reject(signal.reason as Error); }, { once: true }); });
    },
  };
  return time;
}

const down = (): Error => new RedisUnavailableError('unreachable', 'Redis cannot be reached (ECONNREFUSED).', 'ECONNREFUSED');

describe('token outbox (retries, supersession, expiry)', () => {
  const issued = fromIstParts(2026, 11, 23, 8, 5, 0);

  it('retries with capped exponential backoff, reporting each failure, until the token lands', async () => {
    const time = fakeTime(issued);
    const failures: OutboxFailure[] = [];
    const landed: number[] = [];
    let calls = 0;
    const outbox = createTokenOutbox({
      publish: () => { calls += 1; return calls <= 5 ? Promise.reject(down()) : Promise.resolve('published'); },
      now: () => time.now, sleep: time.sleep, firstDelayMs: 1_000, maxDelayMs: 4_000,
      onFailure: (failure) => { failures.push(failure); },
      onPublished: ({ attempts }) => { landed.push(attempts); },
    });
    expect(await outbox.submit(tokenIssuedAt(issued))).toEqual({ outcome: 'published', attempts: 6 });
    expect(time.slept).toEqual([1_000, 2_000, 4_000, 4_000, 4_000]);
    expect(failures.map((f) => [f.attempt, f.retryInMs, f.userId])).toEqual([
      [1, 1_000, 'AB1234'], [2, 2_000, 'AB1234'], [3, 4_000, 'AB1234'], [4, 4_000, 'AB1234'], [5, 4_000, 'AB1234'],
    ]);
    expect(failures.every((f) => f.error instanceof RedisUnavailableError)).toBe(true);
    expect(landed).toEqual([6]);
    expect(outbox.pending).toBe(0);
  });

  it('drops a pending token when a newer one for the same account is submitted; other accounts carry on', async () => {
    const time = fakeTime(issued);
    time.hold = true;
    const published: string[] = [];
    let redisUp = false;
    const outbox = createTokenOutbox({
      publish: (token) => {
        if (!redisUp) return Promise.reject(down());
        published.push(token.access_token);
        return Promise.resolve('published');
      },
      now: () => time.now, sleep: time.sleep,
    });
    const older = outbox.submit(tokenIssuedAt(issued, 'AB1234', 'older'));
    const otherAccount = outbox.submit(tokenIssuedAt(issued, 'CD5678', 'other'));
    await expect.poll(() => time.slept.length).toBe(2);
    expect(outbox.pending).toBe(2);
    redisUp = true;
    const newer = outbox.submit(tokenIssuedAt(new Date(issued.getTime() + 60_000), 'ab1234', 'newer'));
    expect(await older).toEqual({ outcome: 'superseded', attempts: 1 });
    expect(await newer).toEqual({ outcome: 'published', attempts: 1 });
    expect(outbox.pending).toBe(1); // the other account still waits for its next attempt
    await outbox.close();
    expect(await otherAccount).toEqual({ outcome: 'aborted', attempts: 1 });
    expect(published).toEqual(['newer']);
  });

  it('gives up when the session ends (06:00 IST), never waiting past it', async () => {
    const time = fakeTime(fromIstParts(2026, 11, 24, 5, 59, 57));
    let calls = 0;
    const outbox = createTokenOutbox({
      publish: () => { calls += 1; return Promise.reject(down()); }, now: () => time.now, sleep: time.sleep, firstDelayMs: 2_000,
    });
    expect(await outbox.submit(tokenIssuedAt(issued))).toEqual({ outcome: 'expired', attempts: 2 });
    expect(time.slept).toEqual([2_000, 1_000]);
    expect(calls).toBe(2);
  });

  it('stops when Redis already holds a newer token, and when its signal aborts', async () => {
    const time = fakeTime(issued);
    const outbox = createTokenOutbox({ publish: (): Promise<PublishOutcome> => Promise.resolve('superseded'), now: () => time.now, sleep: time.sleep });
    expect(await outbox.submit(tokenIssuedAt(issued))).toEqual({ outcome: 'superseded', attempts: 1 });

    const controller = new AbortController();
    time.hold = true;
    const stopping = createTokenOutbox({ publish: () => Promise.reject(down()), now: () => time.now, sleep: time.sleep, signal: controller.signal });
    const pending = stopping.submit(tokenIssuedAt(issued));
    await expect.poll(() => time.slept.length).toBe(1);
    controller.abort();
    expect(await pending).toEqual({ outcome: 'aborted', attempts: 1 });
    expect(await stopping.submit(tokenIssuedAt(issued))).toEqual({ outcome: 'aborted', attempts: 0 });
  });
});

describe('token outbox against a Redis outage (real Redis)', () => {
  afterAll(async () => {
    expect(await stopAllRedisServers()).toBe(0);
    expect(runningRedisServers()).toBe(0);
  });

  it('keeps the token (file first), reports each failure while Redis is down, and lands it once Redis is back', async () => {
    const server = await startRedisServer();
    const client = createRedisClient(parseRedisUrl(server.url()), { reconnectMaxDelayMs: 100 });
    const dir = await mkdtemp(join(tmpdir(), 'kal-outbox-'));
    try {
      expect(await client.call('PING')).toBe('PONG');
      await server.stop();

      // The contract: the token file is written first; Redis only gets a copy.
      const token = tokenIssuedAt(new Date());
      const file = new TokenStore(join(dir, 'AB1234.json'));
      await file.write(token);

      const failures: OutboxFailure[] = [];
      let firstFailure!: () => void;
      const failed = new Promise<void>((resolve) => { firstFailure = resolve; });
      const outbox = createTokenOutbox({
        publish: (saved, now) => publishToken(client, saved, now),
        firstDelayMs: 20, maxDelayMs: 200,
        onFailure: (failure) => { failures.push(failure); firstFailure(); },
      });
      const delivered = outbox.submit(token);
      await failed;
      expect(failures[0]?.error).toBeInstanceOf(RedisUnavailableError);
      expect(failures[0]?.error.message).toMatch(/cannot be reached/);
      expect(failures[0]?.error.message).not.toContain(String(server.port));
      expect(await file.read()).toEqual({ state: 'ok', token });
      expect(outbox.pending).toBe(1);

      await server.restart();
      const outcome = await delivered;
      expect(outcome.outcome).toBe('published');
      expect(outcome.attempts).toBe(failures.length + 1);
      const reader = createRedisClient(parseRedisUrl(server.url()));
      expect(await readToken(reader, 'abc123', 'AB1234')).toEqual(token);
      await reader.close();
    } finally {
      await client.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
