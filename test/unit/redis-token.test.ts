import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateError } from '../../src/errors/index.js';
import { TOKEN_CHANNEL, tokenKey, type TokenMessage } from '../../src/redis/keys.js';
import { createRedisClient, type RedisClient } from '../../src/redis/redis-client.js';
import { RedisUnavailableError } from '../../src/redis/redis-error.js';
import { parseRedisUrl } from '../../src/redis/redis-url.js';
import { followTokens, publishToken, readToken } from '../../src/redis/token-channel.js';
import { fromIstParts } from '../../src/time/ist.js';
import { buildSavedToken, type SavedToken } from '../../src/token-store.js';
import { runningRedisServers, startRedisServer, stopAllRedisServers, type RedisServer } from '../support/redis-server.js';

function tokenIssuedAt(loginTime: Date, userId = 'AB1234', accessToken = 'access-secret-0001'): SavedToken {
  return buildSavedToken({
    accessToken, publicToken: 'public-secret-0001', apiKey: 'abc123', userId, userName: 'A Trader',
    userShortname: 'Trader', email: 'trader@example.com', loginTime,
  }, loginTime);
}

/** Resolves with the first value `register` hands its callback. */
function firstOf<T>(register: (callback: (value: T) => void) => Promise<unknown>): { ready: Promise<unknown>; value: Promise<T> } {
  let resolve!: (value: T) => void;
  const value = new Promise<T>((r) => { resolve = r; });
  return { ready: register(resolve), value };
}

describe('token key and channel (real Redis)', () => {
  let server: RedisServer;
  let writer: RedisClient;
  let reader: RedisClient;
  const nextYear = new Date().getUTCFullYear() + 1;

  beforeAll(async () => {
    server = await startRedisServer();
    writer = createRedisClient(parseRedisUrl(server.url()));
    reader = createRedisClient(parseRedisUrl(server.url()));
  });
  afterAll(async () => {
    await writer.close();
    await reader.close();
    await server.stop();
    expect(await stopAllRedisServers()).toBe(0);
    expect(runningRedisServers()).toBe(0);
  });

  it('publishes a message without the token; a subscriber that reads the key on it finds the token already there', async () => {
    const token = tokenIssuedAt(new Date());
    const raw = firstOf<string>((callback) => reader.subscribe(TOKEN_CHANNEL, callback));
    let readOnMessage: Promise<SavedToken | undefined> | undefined;
    const parsed = firstOf<TokenMessage>((callback) => followTokens(reader, (message) => {
      readOnMessage ??= readToken(reader, message.api_key, message.user_id);
      callback(message);
    }));
    const subscriptions = await Promise.all([raw.ready, parsed.ready]) as { close(): Promise<void> }[];

    expect(await publishToken(writer, token, new Date())).toBe('published');

    const message = await parsed.value;
    expect(message).toEqual({ api_key: 'abc123', user_id: 'AB1234', issued_at: token.login_time, expires_at: token.expires_at });
    const text = await raw.value;
    expect(Object.keys(JSON.parse(text) as object).sort()).toEqual(['api_key', 'expires_at', 'issued_at', 'user_id']);
    expect(text).not.toContain(token.access_token);
    expect(text).not.toContain(token.public_token);
    expect(await readOnMessage).toEqual(token);
    await Promise.all(subscriptions.map((s) => s.close()));
  });

  it('sets the key to expire at the next 06:00 IST after login_time (PEXPIREAT)', async () => {
    const cases = [
      { issued: fromIstParts(nextYear, 3, 10, 8, 5, 9), expires: Date.UTC(nextYear, 2, 11, 0, 30) },
      { issued: fromIstParts(nextYear, 3, 10, 5, 59, 0), expires: Date.UTC(nextYear, 2, 10, 0, 30) },
      { issued: fromIstParts(nextYear, 12, 31, 23, 0, 0), expires: Date.UTC(nextYear + 1, 0, 1, 0, 30) },
    ];
    for (const [index, { issued, expires }] of cases.entries()) {
      const token = tokenIssuedAt(issued, `TTL${String(index)}`);
      expect(await publishToken(writer, token, issued)).toBe('published');
      expect(await reader.call('PEXPIRETIME', tokenKey('abc123', `TTL${String(index)}`))).toBe(expires);
      expect(await readToken(reader, 'abc123', `TTL${String(index)}`, issued)).toEqual(token);
    }
  });

  it('writes nothing for a session that has already ended', async () => {
    const issued = fromIstParts(nextYear, 4, 1, 9, 0, 0);
    const afterSix = fromIstParts(nextYear, 4, 2, 6, 0, 0);
    expect(await publishToken(writer, tokenIssuedAt(issued, 'ENDED1'), afterSix)).toBe('expired');
    expect(await reader.call('EXISTS', tokenKey('abc123', 'ENDED1'))).toBe(0);
  });

  it('never lets an older token (a late retry) overwrite a newer one; the same one again is fine', async () => {
    const newer = tokenIssuedAt(fromIstParts(nextYear, 5, 4, 9, 30, 0), 'RACE01', 'access-newer');
    const older = tokenIssuedAt(fromIstParts(nextYear, 5, 4, 8, 15, 0), 'RACE01', 'access-older');
    const at = fromIstParts(nextYear, 5, 4, 9, 31, 0);
    const messages: TokenMessage[] = [];
    const subscription = await followTokens(reader, (message) => { messages.push(message); });
    expect(await publishToken(writer, newer, at)).toBe('published');
    expect(await publishToken(writer, older, at)).toBe('superseded');
    expect(await publishToken(writer, newer, at)).toBe('published');
    expect((await readToken(reader, 'abc123', 'RACE01', at))?.access_token).toBe('access-newer');
    // A marker published after them: once it arrives, every earlier message has too.
    await writer.call('PUBLISH', TOKEN_CHANNEL, JSON.stringify({ api_key: 'marker', user_id: 'M', issued_at: '', expires_at: '' }));
    await expect.poll(() => messages.at(-1)?.api_key).toBe('marker');
    expect(messages.filter((m) => m.user_id === 'RACE01').map((m) => m.issued_at)).toEqual([newer.login_time, newer.login_time]);
    await subscription.close();
  });

  it('reads undefined for no token or one whose session ended, and refuses a key that holds no token', async () => {
    const issued = fromIstParts(nextYear, 6, 1, 8, 0, 0);
    expect(await readToken(reader, 'abc123', 'NOBODY')).toBeUndefined();
    await publishToken(writer, tokenIssuedAt(issued, 'OLD001'), issued);
    expect(await readToken(reader, 'abc123', 'OLD001', fromIstParts(nextYear, 6, 2, 6, 0, 1))).toBeUndefined();
    expect(await readToken(reader, 'abc123', 'old001', issued)).toBeDefined();

    await writer.call('SET', tokenKey('abc123', 'BROKEN'), '{"access_token": 12');
    await expect(readToken(reader, 'abc123', 'BROKEN')).rejects.toBeInstanceOf(StateError);
    await writer.call('SET', tokenKey('abc123', 'OTHER1'), JSON.stringify(tokenIssuedAt(issued, 'SOMEONE')));
    await expect(readToken(reader, 'abc123', 'OTHER1', issued)).rejects.toThrow(/another account/);
  });

  it('throws a typed, safe error (never undefined) when Redis cannot be read', async () => {
    const down = await startRedisServer();
    const client = createRedisClient(parseRedisUrl(down.url()), { connectTimeoutMs: 2_000 });
    expect(await client.call('PING')).toBe('PONG');
    await down.stop();
    const error = await readToken(client, 'abc123', 'AB1234').then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect(error).toMatchObject({ code: 'REDIS_UNAVAILABLE', failure: 'unreachable', detail: 'ECONNREFUSED' });
    expect((error as Error).message).not.toContain(String(down.port));
    await expect(publishToken(client, tokenIssuedAt(new Date()), new Date())).rejects.toBeInstanceOf(RedisUnavailableError);
    await client.close();
  });
});
