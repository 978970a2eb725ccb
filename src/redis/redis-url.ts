import { isIP } from 'node:net';
import { ConfigError } from '../errors/config-error.js';

/**
 * Where and how to connect: the part of ioredis's options that REDIS_URL decides. Kept as
 * our own type so that only redis-client.ts imports ioredis.
 */
export interface RedisConnectionOptions {
  host: string;
  port: number;
  /** An ACL user; without it Redis's `default` user (requirepass). */
  username?: string;
  password?: string;
  db: number;
  /** Present for rediss://: TLS, verified against the system's CAs (and NODE_EXTRA_CA_CERTS). */
  tls?: { servername?: string };
}

const SHAPE = 'redis://[user:password@]host[:port][/db], or rediss://... for TLS; encode special characters in the user and password (@ as %40, / as %2F, : as %3A)';

/**
 * Turns REDIS_URL into connection options. Pure. Every problem is a ConfigError naming
 * `variable` that never quotes the URL or any part of it: it holds a password.
 */
export function parseRedisUrl(text: string, variable = 'REDIS_URL'): RedisConnectionOptions {
  const fail = (message: string): ConfigError => new ConfigError([{ variable, message: `${message}; it should look like ${SHAPE}` }]);
  let url: URL;
  try {
    // No `cause` kept: Node's URL error carries the input, password and all.
    url = new URL(text.trim());
  } catch {
    throw fail('is not a URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw fail('must start with redis:// or rediss://');
  const host = url.hostname.startsWith('[') && url.hostname.endsWith(']') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') throw fail('names no host');
  const port = url.port === '' ? 6379 : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw fail('has a port outside 1-65535');
  const db = parseDb(url.pathname);
  if (db === undefined) throw fail('has a path that is not a database number (0-99)');
  if (url.search !== '' || url.hash !== '') throw fail('has options after ? or #, which are not supported');
  let username: string;
  let password: string;
  try {
    username = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    throw fail('has a user or password that is not valid percent-encoding');
  }
  if (username !== '' && password === '') throw fail('names a user but no password');

  const options: RedisConnectionOptions = { host, port, db };
  if (username !== '') options.username = username;
  if (password !== '') options.password = password;
  // SNI names a host, never an IP address (RFC 6066).
  if (url.protocol === 'rediss:') options.tls = isIP(host) === 0 ? { servername: host } : {};
  return options;
}

/**
 * REDIS_URL, or the URL in the file REDIS_URL_FILE names (trailing newline dropped).
 * Undefined when neither is set: Redis is not used. `readFile` is handed in (node:fs in
 * production, a fake in tests); relative paths are the caller's to resolve.
 */
export function redisUrlFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string,
): RedisConnectionOptions | undefined {
  const direct = nonEmpty(env['REDIS_URL']);
  const file = nonEmpty(env['REDIS_URL_FILE']);
  if (direct !== undefined && file !== undefined) {
    throw new ConfigError([{ variable: 'REDIS_URL', message: 'set both REDIS_URL and REDIS_URL_FILE; keep one' }]);
  }
  if (direct !== undefined) return parseRedisUrl(direct, 'REDIS_URL');
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFile(file);
  } catch (error) {
    const code = (error as { code?: unknown } | undefined)?.code;
    throw new ConfigError([{ variable: 'REDIS_URL_FILE', message: `cannot read the file it names (${typeof code === 'string' ? code : 'unreadable'})` }]);
  }
  const url = text.replace(/\r?\n$/, '');
  if (url.trim() === '') throw new ConfigError([{ variable: 'REDIS_URL_FILE', message: 'the file it names is empty; it should hold one Redis URL' }]);
  return parseRedisUrl(url, 'REDIS_URL_FILE');
}

function parseDb(pathname: string): number | undefined {
  if (pathname === '' || pathname === '/') return 0;
  const match = /^\/(\d{1,2})$/.exec(pathname);
  return match === null ? undefined : Number(match[1]);
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
