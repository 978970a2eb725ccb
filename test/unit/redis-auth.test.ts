import { afterAll, describe, expect, it } from 'vitest';
import { TOKEN_CHANNEL, tokenKey, type TokenMessage } from '../../src/redis/keys.js';
import { createRedisClient, type RedisClient } from '../../src/redis/redis-client.js';
import { RedisUnavailableError } from '../../src/redis/redis-error.js';
import { parseRedisUrl } from '../../src/redis/redis-url.js';
import { followTokens, publishToken, readToken } from '../../src/redis/token-channel.js';
import { buildSavedToken } from '../../src/token-store.js';
import { runningRedisServers, startRedisServer, stopAllRedisServers } from '../support/redis-server.js';

const PASSWORD = 'requirepass-Secret-81';
const WRITER_PASSWORD = 'writer-Secret-52';
const READER_PASSWORD = 'reader-Secret-17';

/** The ACL rules the README recommends: kite-autologin's own user, and a trading program's. */
const WRITER_RULES = 'resetchannels ~kite-autologin:* &kite-autologin:* -@all +get +set +pexpireat +publish +eval +ping';
const READER_RULES = 'resetchannels %R~kite-autologin:token:* &kite-autologin:tokens -@all +get +subscribe +ping';

const token = buildSavedToken({
  accessToken: 'access-secret-0001', publicToken: 'public-secret-0001', apiKey: 'abc123', userId: 'AB1234',
  userName: 'A Trader', userShortname: 'Trader', email: 'trader@example.com', loginTime: new Date(),
}, new Date());

async function failureOf(promise: Promise<unknown>): Promise<RedisUnavailableError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RedisUnavailableError);
  return error as RedisUnavailableError;
}

function expectSafe(error: Error, ...secrets: string[]): void {
  const said = `${error.message} ${JSON.stringify(error)} ${String(error.stack)}`;
  for (const secret of secrets) expect(said).not.toContain(secret);
  expect(error.cause).toBeUndefined();
}

describe('Redis with a password (real Redis)', () => {
  const clients: RedisClient[] = [];
  const connect = (url: string, seen?: Error[]): RedisClient => {
    const client = createRedisClient(parseRedisUrl(url), seen === undefined ? {} : { onError: (error) => { seen.push(error); } });
    clients.push(client);
    return client;
  };
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    expect(await stopAllRedisServers()).toBe(0);
    expect(runningRedisServers()).toBe(0);
  });

  it('works with the password in the URL; a wrong or missing one gives a safe auth error', async () => {
    const server = await startRedisServer({ requirepass: PASSWORD });
    expect(await connect(server.url({ password: PASSWORD })).call('PING')).toBe('PONG');

    const seen: Error[] = [];
    const wrong = await failureOf(connect(server.url({ password: 'not-the-Secret' }), seen).call('GET', tokenKey('abc123', 'AB1234')));
    expect(wrong).toMatchObject({ failure: 'auth', detail: 'WRONGPASS', retryable: false });
    expect(wrong.message).toMatch(/REDIS_URL/);
    expectSafe(wrong, 'not-the-Secret', PASSWORD, String(server.port));
    expect(seen.length).toBeGreaterThan(0); // connection failures are reported, made safe as well
    for (const error of seen) expectSafe(error, 'not-the-Secret', String(server.port));

    const none = await failureOf(connect(server.url()).call('GET', tokenKey('abc123', 'AB1234')));
    expect(none).toMatchObject({ failure: 'auth', detail: 'NOAUTH' });
    await server.stop();
  });

  it('runs everything kite-autologin does as the README\'s ACL user; a reader\'s user may only read the token and follow the channel', async () => {
    const server = await startRedisServer({
      defaultUserOff: true,
      users: { 'kite-autologin': `on >${WRITER_PASSWORD} ${WRITER_RULES}`, 'trading-bot': `on >${READER_PASSWORD} ${READER_RULES}` },
    });
    const writer = connect(server.url({ user: 'kite-autologin', password: WRITER_PASSWORD }));
    const reader = connect(server.url({ user: 'trading-bot', password: READER_PASSWORD }));

    let heard!: (message: TokenMessage) => void;
    const message = new Promise<TokenMessage>((resolve) => { heard = resolve; });
    const subscription = await followTokens(reader, (m) => { heard(m); });
    expect(await publishToken(writer, token, new Date())).toBe('published');
    expect((await message).user_id).toBe('AB1234');
    expect(await readToken(reader, 'abc123', 'AB1234')).toEqual(token);
    await subscription.close();


    const denied = await failureOf(reader.call('SET', tokenKey('abc123', 'AB1234'), 'forged'));
    expect(denied).toMatchObject({ failure: 'permission', detail: 'NOPERM', retryable: false });
    // The reader may not read another account's key, nor anything outside kite-autologin's.
    await failureOf(reader.call('GET', 'kite-autologin:other'));
    await failureOf(writer.call('FLUSHALL'));
    await failureOf(writer.call('GET', 'someone-else:key'));
    await failureOf(writer.call('PUBLISH', 'another-channel', 'x'));
    expect(await readToken(reader, 'abc123', 'AB1234')).toEqual(token);

    const wrongUser = await failureOf(connect(server.url({ user: 'trading-bot', password: WRITER_PASSWORD })).call('PING'));
    expect(wrongUser.failure).toBe('auth');
    expectSafe(wrongUser, WRITER_PASSWORD, READER_PASSWORD);
    expect(TOKEN_CHANNEL).toBe('kite-autologin:tokens');
    await server.stop();
  });

  it('speaks TLS for rediss:// and refuses a certificate it cannot verify, saying so safely', async () => {
    const server = await startRedisServer({ tls: true, requirepass: PASSWORD });
    const url = server.url({ password: PASSWORD });
    expect(url.startsWith('rediss://')).toBe(true);
    const seen: Error[] = [];
    const error = await failureOf(connect(url, seen).call('PING'));
    // Self-signed and not in Node's CA list (NODE_EXTRA_CA_CERTS would add it): refused.
    expect(error).toMatchObject({ failure: 'tls', detail: expect.stringMatching(/SELF_SIGNED/) as unknown });
    expectSafe(error, PASSWORD, String(server.port));
    expect(seen.length).toBeGreaterThan(0);
    for (const each of seen) expectSafe(each, PASSWORD, String(server.port));
    // Plain redis:// to a TLS port gets no answer it can read: a failure, never a hang.
    const plain = await failureOf(connect(`redis://:${PASSWORD}@127.0.0.1:${String(server.port)}`).call('PING'));
    expectSafe(plain, PASSWORD);
    await server.stop();
  });
});
