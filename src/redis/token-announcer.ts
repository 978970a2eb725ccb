import type { RedisSetting } from '../config/index.js';
import type { Logger } from '../logger.js';
import type { SavedToken } from '../token-store.js';
import { createRedisClient, type RedisClient } from './redis-client.js';
import { parseRedisUrl } from './redis-url.js';
import { publishToken, readToken } from './token-channel.js';
import { createTokenOutbox, type TokenOutbox } from './token-outbox.js';

/** How an announcement went, as the account record reports it. */
export type Announced = { configured: true; landed: boolean; attempts: number; message?: string | undefined };

export interface RedisAnnouncer {
  /** Copies the token to its key and announces it; waits at most `waitMs`; never throws. */
  announce(token: SavedToken): Promise<Announced>;
  /** Does Redis hold this token (or a newer one) for its account? Throws when Redis cannot be read. */
  holds(token: SavedToken, now: Date): Promise<boolean>;
  close(): Promise<void>;
}

export interface RedisAnnouncerOptions {
  logger?: Logger | undefined;
  /** How long one announcement waits for Redis before it is reported as not landed (it is retried from the record later). */
  waitMs: number;
  /** Told once per token when a copy did not land (an alert); `message` is already safe. */
  onFailed?: ((token: SavedToken, message: string, attempts: number) => Promise<void>) | undefined;
  now?: () => Date;
}

/**
 * Redis as it is used now: a cache and a bus for tokens only (the key, and a message on the
 * channel that carries no token). The account's record is written first; this copies the
 * token there, retrying with backoff within `waitMs`. What does not land is reported, and
 * copied again from the record by the next run or beat: nothing lives only in Redis.
 */
export function redisAnnouncer(setting: RedisSetting, options: RedisAnnouncerOptions): RedisAnnouncer {
  const client: RedisClient = createRedisClient(parseRedisUrl(setting.url, setting.variable), {
    onError: (error) => options.logger?.debug({ err: error.toJSON() }, 'Redis connection failed'),
  });
  const now = options.now ?? (() => new Date());
  const alerted = new Set<string>();
  return {
    async announce(token) {
      let last = 'Redis did not answer in time.';
      const outbox: TokenOutbox = createTokenOutbox({
        publish: (t, at) => publishToken(client, t, at),
        now: () => now().getTime(),
        firstDelayMs: 500,
        maxDelayMs: 5_000,
        signal: AbortSignal.timeout(options.waitMs),
        onFailure: (failure) => {
          last = failure.error.message;
          options.logger?.warn({ attempt: failure.attempt, retryInMs: failure.retryInMs, reason: failure.error.message }, 'copying the token to Redis failed; the record has it');
        },
      });
      const result = await outbox.submit(token);
      await outbox.close();
      if (result.outcome === 'published' || result.outcome === 'superseded') {
        options.logger?.info({ attempts: result.attempts }, result.outcome === 'published' ? 'token copied to Redis' : 'Redis already holds a newer token for this account; left alone');
        return { configured: true, landed: true, attempts: result.attempts };
      }
      const message = result.outcome === 'expired' ? 'the session ended before Redis could take it.' : last;
      if (!alerted.has(token.access_token)) {
        alerted.add(token.access_token);
        await options.onFailed?.(token, message, result.attempts).catch(() => undefined);
      }
      return { configured: true, landed: false, attempts: result.attempts, message };
    },
    async holds(token, at) {
      const there = await readToken(client, token.api_key, token.user_id, at);
      return there !== undefined && Date.parse(there.login_time) >= Date.parse(token.login_time);
    },
    close: () => client.close(),
  };
}
