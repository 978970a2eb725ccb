import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors/index.js';
import { TOKEN_CHANNEL, tokenKey, tokenKeyExpiry } from '../../src/redis/keys.js';
import { RedisUnavailableError, toRedisError } from '../../src/redis/redis-error.js';
import { parseRedisUrl, redisUrlFromEnvironment } from '../../src/redis/redis-url.js';
import { fromIstParts } from '../../src/time/ist.js';

const SECRET = 'pa55-Secret';

/** The ConfigError a call throws, checked to name `variable` and to quote neither the URL nor the password. */
function configErrorOf(run: () => unknown, variable: string, url: string): ConfigError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const error = caught as ConfigError;
  expect(error.problems.map((p) => p.variable)).toEqual([variable]);
  const said = `${error.message} ${JSON.stringify(error.toJSON())}`;
  expect(said).not.toContain(SECRET);
  expect(said).not.toContain(encodeURIComponent(SECRET));
  expect(said).not.toContain(url.trim());
  expect(error.cause).toBeUndefined();
  return error;
}

describe('REDIS_URL', () => {
  it('reads host, port, db, user and (percent-decoded) password', () => {
    expect(parseRedisUrl(`redis://kite:${encodeURIComponent('p@ss/w:rd')}@redis.internal:6380/3`)).toEqual({
      host: 'redis.internal', port: 6380, db: 3, username: 'kite', password: 'p@ss/w:rd',
    });
    expect(parseRedisUrl('redis://localhost')).toEqual({ host: 'localhost', port: 6379, db: 0 });
    expect(parseRedisUrl(`redis://:${SECRET}@10.0.0.5/`)).toEqual({ host: '10.0.0.5', port: 6379, db: 0, password: SECRET });
    expect(parseRedisUrl('redis://[::1]:7000')).toEqual({ host: '::1', port: 7000, db: 0 });
  });

  it('turns TLS on for rediss://, naming the host for SNI but never an IP address', () => {
    expect(parseRedisUrl(`rediss://kite:${SECRET}@cache.example.com:6380`)).toEqual({
      host: 'cache.example.com', port: 6380, db: 0, username: 'kite', password: SECRET, tls: { servername: 'cache.example.com' },
    });
    expect(parseRedisUrl('rediss://10.1.2.3').tls).toEqual({});
    expect(parseRedisUrl('redis://cache.example.com').tls).toBeUndefined();
  });

  it.each([
    ['not a URL at all', `${SECRET} is not a url`, /is not a URL/],
    ['another scheme', `http://u:${SECRET}@host`, /redis:\/\/ or rediss:\/\//],
    ['no host', `redis://:${SECRET}@`, /no host|not a URL/],
    ['a port out of range', `redis://u:${SECRET}@host:70000`, /port|not a URL/],
    ['a path that is no database', `redis://u:${SECRET}@host/cache`, /database number/],
    ['options after ?', `redis://u:${SECRET}@host/0?tls=true`, /options after \?/],
    ['a user without a password', 'redis://kite@host', /user but no password/],
    ['broken percent-encoding', `redis://u:${SECRET}%zz@host`, /percent-encoding/],
  ])('refuses %s with a ConfigError that quotes neither URL nor password', (_name, url, message) => {
    const error = configErrorOf(() => parseRedisUrl(url), 'REDIS_URL', url);
    expect(error.problems[0]?.message).toMatch(message);
    expect(error.problems[0]?.message).toMatch(/rediss?:\/\/\[user:password@\]host/);
  });

  it('comes from REDIS_URL or from the file REDIS_URL_FILE names, never both; neither means no Redis', () => {
    const files: Record<string, string> = { '/run/secrets/redis_url': `rediss://kite:${SECRET}@cache.example.com\n`, '/run/empty': '\n' };
    const readFile = (path: string): string => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    };
    expect(redisUrlFromEnvironment({}, readFile)).toBeUndefined();
    expect(redisUrlFromEnvironment({ REDIS_URL: '  ' }, readFile)).toBeUndefined();
    expect(redisUrlFromEnvironment({ REDIS_URL: 'redis://h:1' }, readFile)).toEqual({ host: 'h', port: 1, db: 0 });
    expect(redisUrlFromEnvironment({ REDIS_URL_FILE: '/run/secrets/redis_url' }, readFile)).toMatchObject({ password: SECRET, tls: { servername: 'cache.example.com' } });

    const both = configErrorOf(() => redisUrlFromEnvironment({ REDIS_URL: 'redis://h', REDIS_URL_FILE: '/run/secrets/redis_url' }, readFile), 'REDIS_URL', 'redis://h:');
    expect(both.problems[0]?.message).toMatch(/both REDIS_URL and REDIS_URL_FILE/);
    const missing = configErrorOf(() => redisUrlFromEnvironment({ REDIS_URL_FILE: '/run/nope' }, readFile), 'REDIS_URL_FILE', '/run/nope');
    expect(missing.problems[0]?.message).toMatch(/cannot read the file it names \(ENOENT\)/);
    configErrorOf(() => redisUrlFromEnvironment({ REDIS_URL_FILE: '/run/empty' }, readFile), 'REDIS_URL_FILE', 'x://');
    files['/run/bad'] = `http://kite:${SECRET}@host\n`;
    configErrorOf(() => redisUrlFromEnvironment({ REDIS_URL_FILE: '/run/bad' }, readFile), 'REDIS_URL_FILE', files['/run/bad']);
  });
});

describe('Redis errors made safe', () => {
  it('keeps only the code of a connection error, never its address', () => {
    const refused = toRedisError(Object.assign(new Error(`connect ECONNREFUSED 10.9.8.7:6390 redis://u:${SECRET}@x`), { code: 'ECONNREFUSED' }), 'get');
    expect(refused).toBeInstanceOf(RedisUnavailableError);
    expect(refused).toMatchObject({ code: 'REDIS_UNAVAILABLE', failure: 'unreachable', detail: 'ECONNREFUSED', retryable: true });
    expect(refused.message).toMatch(/cannot be reached \(running GET\) \(ECONNREFUSED\)/);
    expect(refused.message).not.toMatch(/10\.9\.8\.7|6390|pa55/);
    expect(refused.cause).toBeUndefined();
  });

  it('names the hidden connection failure behind ioredis\'s "max retries" rejection', () => {
    const maxRetries = Object.assign(new Error('Reached the max retries per request limit (which is 0).'), { name: 'MaxRetriesPerRequestError' });
    const last = Object.assign(new Error('getaddrinfo ENOTFOUND redis.internal'), { code: 'ENOTFOUND' });
    expect(toRedisError(maxRetries, 'set', last)).toMatchObject({ failure: 'unreachable', detail: 'ENOTFOUND' });
    expect(toRedisError(maxRetries, 'set')).toMatchObject({ failure: 'unreachable', detail: undefined });
    const tls = Object.assign(new Error('Hostname/IP does not match certificate\'s altnames'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(toRedisError(maxRetries, 'set', tls)).toMatchObject({ failure: 'tls', detail: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('keeps only the code word of a Redis reply: replies can echo a command\'s arguments', () => {
    const reply = (message: string): Error => Object.assign(new Error(message), { name: 'ReplyError' });
    const unknown = toRedisError(reply(`ERR unknown command 'x', with args beginning with: '${SECRET}'`), 'x');
    expect(unknown).toMatchObject({ failure: 'refused', detail: 'ERR' });
    expect(unknown.message).not.toContain(SECRET);
    expect(toRedisError(reply('WRONGPASS invalid username-password pair or user is disabled.'))).toMatchObject({ failure: 'auth', detail: 'WRONGPASS', retryable: false });
    expect(toRedisError(reply('NOAUTH Authentication required.'))).toMatchObject({ failure: 'auth', detail: 'NOAUTH' });
    expect(toRedisError(reply('NOPERM this user has no permissions to run the \'flushall\' command'))).toMatchObject({ failure: 'permission', retryable: false });
    expect(toRedisError(reply('WRONGTYPE Operation against a key holding the wrong kind of value'))).toMatchObject({ failure: 'refused', detail: 'WRONGTYPE', retryable: true });
    expect(toRedisError(new Error('Command timed out'), 'eval')).toMatchObject({ failure: 'timeout' });
  });
});

describe('Redis names', () => {
  it('puts every key and the channel under kite-autologin:, one key per api_key and upper-case user id', () => {
    expect(tokenKey('abc123', 'ab1234')).toBe('kite-autologin:token:abc123:AB1234');
    expect(TOKEN_CHANNEL).toBe('kite-autologin:tokens');
    expect(() => tokenKey('abc:123', 'AB1234')).toThrow(RangeError);
    expect(() => tokenKey('abc123', '')).toThrow(RangeError);
  });

  it('expires a token at the first 06:00 IST (00:30 UTC) after it was issued', () => {
    expect(tokenKeyExpiry(fromIstParts(2026, 11, 23, 8, 5, 9))).toEqual(new Date(Date.UTC(2026, 10, 24, 0, 30)));
    expect(tokenKeyExpiry(fromIstParts(2026, 11, 23, 5, 59, 59))).toEqual(new Date(Date.UTC(2026, 10, 23, 0, 30)));
    expect(tokenKeyExpiry(fromIstParts(2026, 11, 23, 6, 0, 0))).toEqual(new Date(Date.UTC(2026, 10, 24, 0, 30)));
    expect(tokenKeyExpiry(fromIstParts(2026, 12, 31, 23, 59, 0))).toEqual(new Date(Date.UTC(2027, 0, 1, 0, 30)));
  });
});
