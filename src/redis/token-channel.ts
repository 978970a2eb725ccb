import { StateError } from '../errors/state-error.js';
import { formatIst } from '../time/ist.js';
import { isTokenCurrent, type SavedToken } from '../token-store.js';
import { TOKEN_CHANNEL, tokenKey, tokenKeyExpiry, type TokenMessage } from './keys.js';
import type { RedisClient, RedisSubscription } from './redis-client.js';

/** What became of a publish. */
export type PublishOutcome =
  /** The key holds this token and the message went out. */
  | 'published'
  /** The key already holds a token issued later (another host's, or a newer retry): left alone. */
  | 'superseded'
  /** The session had already ended: nothing written. */
  | 'expired';

/**
 * One atomic step: unless the key holds a token issued later, SET the token, PEXPIREAT the
 * next 06:00 IST, PUBLISH the message. Being one script, no reader sees the message before
 * the key, and a late retry of an older token (an outbox that waited out an outage) never
 * overwrites a newer one. login_time is compared by its digits: every login_time is
 * written by formatIst, `YYYY-MM-DDTHH:MM:SS+05:30`.
 */
const PUBLISH_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, saved = pcall(cjson.decode, current)
  if ok and type(saved) == 'table' and type(saved.login_time) == 'string' then
    local theirs = (string.gsub(saved.login_time, '%D', ''))
    if #theirs == #ARGV[5] and theirs > ARGV[5] then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
`;

/**
 * Writes the token to its key and announces it on TOKEN_CHANNEL (the message carries no
 * token). `now` decides whether the session has already ended. Rejects with
 * RedisUnavailableError when Redis cannot be used; the caller has written the token file
 * first, and hands failures to the outbox.
 */
export async function publishToken(client: RedisClient, token: SavedToken, now: Date): Promise<PublishOutcome> {
  const issuedAt = new Date(token.login_time);
  if (Number.isNaN(issuedAt.getTime())) throw new RangeError('the token to publish has no valid login_time');
  const expiresAt = tokenKeyExpiry(issuedAt);
  if (expiresAt.getTime() <= now.getTime()) return 'expired';
  const message: TokenMessage = {
    api_key: token.api_key,
    user_id: token.user_id,
    issued_at: token.login_time,
    expires_at: formatIst(expiresAt),
  };
  const written = await client.eval(PUBLISH_SCRIPT, [tokenKey(token.api_key, token.user_id)], [
    JSON.stringify(token), expiresAt.getTime(), TOKEN_CHANNEL, JSON.stringify(message), token.login_time.replace(/\D/g, ''),
  ]);
  return written === 1 ? 'published' : 'superseded';
}

/**
 * The account's current token, or undefined when there is none or it has ended (issued
 * before the last 06:00 IST, judged by `now`). Throws RedisUnavailableError when Redis
 * cannot be read, and StateError when the key holds something that is not this account's
 * token: state that cannot be read never looks like "no token".
 */
export async function readToken(client: RedisClient, apiKey: string, userId: string, now: Date = new Date()): Promise<SavedToken | undefined> {
  const key = tokenKey(apiKey, userId);
  const text = await client.call('GET', key);
  if (text === null) return undefined;
  const token = typeof text === 'string' ? parseToken(text) : undefined;
  if (token === undefined) throw new StateError(key, 'the Redis key does not hold a saved token (JSON with access_token, api_key, user_id, login_time, expires_at).');
  if (token.api_key !== apiKey || token.user_id.toUpperCase() !== userId.toUpperCase()) {
    throw new StateError(key, 'the Redis key holds the token of another account.');
  }
  return isTokenCurrent(token, now) ? token : undefined;
}

/** Follows TOKEN_CHANNEL; messages that are not token messages are ignored. */
export function followTokens(client: RedisClient, onToken: (message: TokenMessage) => void): Promise<RedisSubscription> {
  return client.subscribe(TOKEN_CHANNEL, (text) => {
    const message = parseTokenMessage(text);
    if (message !== undefined) onToken(message);
  });
}

export function parseTokenMessage(text: string): TokenMessage | undefined {
  const value = parseObject(text);
  if (value === undefined) return undefined;
  const fields = ['api_key', 'user_id', 'issued_at', 'expires_at'] as const;
  if (!fields.every((field) => typeof value[field] === 'string')) return undefined;
  return { api_key: value['api_key'] as string, user_id: value['user_id'] as string, issued_at: value['issued_at'] as string, expires_at: value['expires_at'] as string };
}

const REQUIRED = ['access_token', 'api_key', 'user_id', 'login_time', 'expires_at'] as const;

function parseToken(text: string): SavedToken | undefined {
  const value = parseObject(text);
  if (value === undefined || !REQUIRED.every((field) => typeof value[field] === 'string')) return undefined;
  return value as unknown as SavedToken;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}
